"""Composio's Tool Router: session types, the REST calls that create a session, the light MCP probe
and the agent's connection.
"""
