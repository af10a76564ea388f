"""The chat column: the controller that bridges core events to Qt, the view, message widgets, tool
cards, Markdown.
"""
