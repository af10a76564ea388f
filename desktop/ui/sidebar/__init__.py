"""The conversation sidebar: list and search models, row delegate, dialogs, and its bridge to the
store.
"""
