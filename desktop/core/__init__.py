"""The Qt-free core: settings, secrets, the Tool Router session, the agent and its typed events."""
