"""Conversations as the faces see them: the persistent chat that owns the open conversation, its
backend protocols and connection status.
"""
