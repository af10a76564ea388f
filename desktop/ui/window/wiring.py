"""Connects a MainWindow to a ChatController, and the conversation sidebar to both."""

from __future__ import annotations

from desktop.core.conversations.open_conversation import ConversationsChanged
from desktop.ui.chat.answered_by import mark_reply
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.file_saves import FileSaver
from desktop.ui.chat.history_entries import show_on_last_prompt
from desktop.ui.sidebar.conversation_dialogs import show_problem
from desktop.ui.sidebar.conversation_list_controller import ConversationListController
from desktop.ui.sidebar.conversation_sidebar import ConversationSidebar
from desktop.ui.window.leave_guard import LeaveGuard
from desktop.ui.window.main_window import MainWindow
from desktop.ui.window.rewind_question import ask_before_rewinding


def connect_window(window: MainWindow, controller: ChatController) -> LeaveGuard:
    """Wire the window's intents to the controller and the controller's facts to the window.

    Settings, quitting and closing are left to the composition root, which owns dialogs and
    shutdown. Returned: the guard that asks before leaving a conversation that waits for a
    decision (a new chat here; the sidebar's switches and closing go through it too).
    """
    guard = LeaveGuard(window, controller)
    tray = window.composer.attachments  # its files go with the message sent
    window.send_requested.connect(lambda prompt: controller.send(prompt, tray.paths()))
    window.stop_requested.connect(controller.stop)
    window.new_chat_requested.connect(guard.new_conversation)
    window.regenerate_requested.connect(controller.regenerate)
    window.edit_resend_requested.connect(controller.resend_edited)
    ask_before_rewinding(window, controller)  # when the reply to ask again ran actions
    # "Manage rules…" on a card a rule let run opens Settings, where the rules are listed.
    window.chat_view.rules_requested.connect(window.settings_action.trigger)
    window.composing_started.connect(controller.prepare_agent)
    window.decision_made.connect(controller.decide)
    window.model_switcher.model_chosen.connect(controller.use_model)

    controller.turn_started.connect(window.show_turn_started)
    controller.turn_attached.connect(
        lambda records: show_on_last_prompt(window.chat_view.entries(), records)
    )
    controller.uploads.uploading_changed.connect(window.composer.set_uploading)
    controller.uploads.progress.connect(tray.show_progress)
    controller.uploads.sent.connect(tray.clear)
    tray.cancel_requested.connect(controller.stop)
    controller.send_refused.connect(window.show_send_refused)
    window.message_input.paste_cut.connect(window.show_send_refused)  # said where refusals are
    controller.turn_event.connect(window.show_turn_event)
    # After the window drew the end: the reply says on hover which model wrote it.
    controller.turn_event.connect(lambda event: mark_reply(window.chat_view, event))
    controller.busy_changed.connect(window.set_busy)
    controller.connection_state_changed.connect(window.set_connection_status)
    controller.conversation_cleared.connect(window.clear_conversation)
    controller.history_loaded.connect(window.show_history)
    controller.history_failed.connect(window.show_history_failed)
    controller.history_reveal.connect(window.reveal_history_entry)
    controller.rewind_available_changed.connect(window.set_rewind_available)
    controller.waiting_changed.connect(window.set_waiting_for_decision)
    controller.activity_changed.connect(window.show_activity)

    def _on_conversations_changed(change: ConversationsChanged) -> None:
        if change.switched:
            window.set_has_conversation(change.open_id is not None)

    controller.conversations_changed.connect(_on_conversations_changed)

    window.set_busy(controller.busy)
    window.set_connection_status(controller.connection_status)
    window.set_rewind_available(controller.rewind_available)
    window.set_has_conversation(controller.conversation_id is not None)
    window.set_waiting_for_decision(controller.waiting_for_decision)
    return guard


def connect_file_saves(window: MainWindow, controller: ChatController) -> FileSaver:
    """A code cell's "Save as…" of a file its run left: downloaded through the backend the
    controller holds (on the agent's loop). Returned: the saver, to close at shutdown."""
    saver = FileSaver(lambda: controller.backend, controller)
    window.chat_view.cells.file_save_requested.connect(saver.save)
    return saver


def connect_sidebar(
    window: MainWindow,
    sidebar: ConversationSidebar,
    conversations: ConversationListController,
    controller: ChatController,
    guard: LeaveGuard,
) -> None:
    """The sidebar lists through `conversations`; opening goes through the chat controller,
    asked by `guard` first while a decision waits."""
    sidebar.page_requested.connect(conversations.load_page)
    sidebar.search_requested.connect(conversations.search)
    sidebar.rename_requested.connect(conversations.rename)
    sidebar.delete_requested.connect(conversations.delete)
    sidebar.export_requested.connect(conversations.export)
    sidebar.import_requested.connect(conversations.import_file)
    sidebar.conversation_activated.connect(guard.open_conversation)
    sidebar.search_hit_activated.connect(guard.open_conversation_at)
    guard.stayed.connect(sidebar.show_current)  # the row clicked is not the one on screen

    conversations.page_loaded.connect(sidebar.add_page)
    conversations.page_failed.connect(lambda message: sidebar.model.page_failed())
    conversations.search_finished.connect(sidebar.show_results)
    conversations.conversation_updated.connect(sidebar.put_first)
    conversations.conversation_renamed.connect(sidebar.set_title)
    conversations.conversation_imported.connect(guard.open_conversation)
    conversations.exported.connect(lambda path: window.show_message(f"Exported to {path}"))
    conversations.operation_failed.connect(lambda title, text: show_problem(window, title, text))

    conversations.conversation_deleted.connect(sidebar.remove)
    conversations.conversation_deleted.connect(controller.forget_conversation)

    def _show_title(*_args: object) -> None:
        current = controller.conversation_id
        window.set_conversation_title(None if current is None else sidebar.title_of(current))

    def _show_waiting(*_args: object) -> None:
        # The waiting turn is always the one on screen's: leaving it stops the turn. A new
        # chat has its id once its first turn is stored, hence also on conversations_changed.
        waiting = controller.conversation_id if controller.waiting_for_decision else None
        sidebar.model.set_waiting(waiting)
        sidebar.results_model.set_waiting(waiting)

    # One notification: what is on screen (the sidebar marks it, the header titles it) and
    # which conversation's turns were stored (the list fetches it anew and moves it up).
    def _on_conversations_changed(change: ConversationsChanged) -> None:
        if change.switched:
            sidebar.show_current()
            _show_title()
        if change.stored is not None:
            conversations.refresh(change.stored)
        _show_waiting()

    sidebar.follow(lambda: controller.conversation_id)
    controller.conversations_changed.connect(_on_conversations_changed)
    controller.waiting_changed.connect(_show_waiting)
    conversations.page_loaded.connect(_show_title)  # the title may arrive with a page
    conversations.conversation_updated.connect(_show_title)
    conversations.conversation_renamed.connect(_show_title)

    window.find_requested.connect(sidebar.focus_search)
    window.import_requested.connect(sidebar.ask_import)

    def _on_window_export_requested(fmt: str) -> None:
        if controller.conversation_id is not None and fmt in ("markdown", "json"):
            sidebar.ask_export(
                "markdown" if fmt == "markdown" else "json", controller.conversation_id
            )

    window.export_requested.connect(_on_window_export_requested)
