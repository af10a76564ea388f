"""The Qt user interface: windows, the chat view, dialogs and the controller that feeds them."""
