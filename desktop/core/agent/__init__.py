"""The agent: building the model and Pydantic AI agent, the chat session, its turn stream and typed
events.
"""
