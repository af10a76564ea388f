"""Conversations as the faces see them: which one is open (its one owner), the persistent
chat that stores its turns, the backend protocols and connection status.
"""
