"""The user's configuration: settings (a file), secrets (the OS keyring) and the credentials they
give.
"""
