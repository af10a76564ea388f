"""Connects a MainWindow to a ChatController: intents one way, events the other."""

from __future__ import annotations

from desktop.ui.controller import ChatController
from desktop.ui.main_window import MainWindow


def connect_window(window: MainWindow, controller: ChatController) -> None:
    """Wire the window's intents to the controller and the controller's facts to the window.

    Settings, quitting and closing are left to the composition root, which owns dialogs and
    shutdown.
    """
    window.send_requested.connect(controller.send)
    window.stop_requested.connect(controller.stop)
    window.new_chat_requested.connect(controller.new_conversation)

    controller.turn_started.connect(window.show_turn_started)
    controller.send_refused.connect(window.show_send_refused)
    controller.text_received.connect(window.append_text)
    controller.tool_call_started.connect(window.show_tool_call_started)
    controller.tool_call_finished.connect(window.show_tool_call_finished)
    controller.turn_finished.connect(window.show_turn_finished)
    controller.turn_cancelled.connect(window.show_turn_cancelled)
    controller.turn_failed.connect(window.show_turn_failed)
    controller.busy_changed.connect(window.set_busy)
    controller.connection_state_changed.connect(window.set_connection_status)
    controller.conversation_cleared.connect(window.clear_conversation)

    window.set_busy(controller.busy)
    window.set_connection_status(controller.connection_status)
