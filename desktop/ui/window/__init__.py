"""The main window: its layout, status bar and the wiring of its parts to the controllers."""
