"""E2B Agent: a desktop chat app in which an AI agent manages E2B sandboxes."""

__version__ = "0.1.0"
APP_NAME = "e2b-agent"
