"""The conversation sidebar in the whole app: real store in tmp_path, the loopback fakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFileDialog,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import TurnFinished
from desktop.core.store.records import StoreError
from desktop.core.store.sqlite import ConversationStore
from desktop.desktop_app import DesktopApp
from desktop.paths import AppPaths
from desktop.ui.sidebar.conversation_model import PAGE_SIZE, SNIPPET_ROLE, TIME_ROLE
from desktop.ui.sidebar.conversation_sidebar import HIT_REPEAT_S
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation, user_messages
from tests.integration.conversation_helpers import sessions_created, sessions_resumed
from tests.ui.app_support import (
    WAIT_MS,
    AppHarness,
    seed,
    send,
    shown_prompts,
    shown_replies,
    sidebar_titles,
)
from tests.ui.fakes import wait_for_event


def list_view(app: DesktopApp) -> QListView:
    view = app.window.findChild(QListView, "conversationList")
    assert view is not None
    return view


def search_field(app: DesktopApp) -> QLineEdit:
    field = app.window.findChild(QLineEdit, "conversationSearchField")
    assert field is not None
    return field


def activate(qtbot: QtBot, app: DesktopApp) -> None:
    app.window.activateWindow()
    qtbot.waitUntil(app.window.isActiveWindow)


def users_in_last_request(services: FakeServices) -> list[str]:
    return user_messages(parse_conversation(services.openai.requests[-1].json))


def stored_titles(paths: AppPaths) -> list[str]:
    with ConversationStore(paths.database_file) as store:
        return [s.title for s in store.list_conversations()]


def test_conversations_are_listed_newest_first_and_the_latest_reopens(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    ids = seed(
        app_paths.database_file,
        [
            ("Oldest", [("first question", "first answer")]),
            ("Middle", [("middle question", "middle answer")]),
            ("Newest", [("newest question", "newest answer")]),
        ],
    )
    app = app_harness.start()
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Newest", "Middle", "Oldest"])
    qtbot.waitUntil(lambda: shown_prompts(app) == ["newest question"])
    assert shown_replies(app) == ["newest answer"]
    assert app.controller.conversation_id == ids[2]
    view = list_view(app)
    assert view.accessibleName() and search_field(app).accessibleName()
    assert view.selectionModel().isSelected(view.model().index(0, 0))
    index = view.model().index(0, 0)
    assert index.data(TIME_ROLE) == "6 Jan 2025"
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "Newest, 6 Jan 2025"


def test_opening_a_conversation_continues_it_also_after_a_restart(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths, fake_services: FakeServices
) -> None:
    greeting, _other = seed(
        app_paths.database_file,
        [
            ("Greeting", [("Hello there, I am testing the agent", "Hi! Ask me anything.")]),
            ("Templates", [("List my templates", "You have 2 templates.")]),
        ],
    )
    app = app_harness.start()
    qtbot.waitUntil(lambda: shown_prompts(app) == ["List my templates"])

    # The keyboard opens the older conversation.
    view = list_view(app)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: shown_prompts(app) == ["Hello there, I am testing the agent"])
    assert app.controller.conversation_id == greeting

    send(qtbot, app, "What did I just ask?")
    assert users_in_last_request(fake_services) == [
        "Hello there, I am testing the agent",
        "What did I just ask?",
    ]
    assert "Hello there, I am testing the agent" in shown_replies(app)[-1]
    # New activity moves it to the top, still selected.
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Greeting", "Templates"])
    assert view.selectionModel().isSelected(view.model().index(0, 0))
    with ConversationStore(app_paths.database_file) as store:
        router_session = store.get_conversation(greeting).router_session_id
    assert router_session is not None
    app_harness.close(app)

    # A restart reopens it, and its history and Tool Router session carry on.
    again = app_harness.start()
    qtbot.waitUntil(
        lambda: (
            shown_prompts(again) == ["Hello there, I am testing the agent", "What did I just ask?"]
        )
    )
    send(qtbot, again, "What did I just ask?")
    assert users_in_last_request(fake_services) == [
        "Hello there, I am testing the agent",
        "What did I just ask?",
        "What did I just ask?",
    ]
    assert sessions_created(fake_services) == 1
    assert sessions_resumed(fake_services, router_session) >= 1


def test_rename_in_place_with_f2(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    seed(app_paths.database_file, [("Alpha", [("a", "b")]), ("Beta", [("c", "d")])])
    app = app_harness.start()
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Beta", "Alpha"])
    activate(qtbot, app)
    view = list_view(app)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: app.window.findChild(QLineEdit, "conversationTitleEditor") is not None)
    editor = app.window.findChild(QLineEdit, "conversationTitleEditor")
    assert editor is not None and editor.text() == "Beta"
    assert editor.accessibleName() == "Conversation title"
    editor.selectAll()
    qtbot.keyClicks(editor, "Sandbox <b>cleanup</b>")
    with qtbot.waitSignal(app.conversations.conversation_renamed, timeout=WAIT_MS):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert sidebar_titles(app) == ["Sandbox <b>cleanup</b>", "Alpha"]  # order kept
    assert stored_titles(app_paths) == ["Sandbox <b>cleanup</b>", "Alpha"]

    # Esc leaves the title alone.
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: app.window.findChild(QLineEdit, "conversationTitleEditor") is not None)
    editor = app.window.findChild(QLineEdit, "conversationTitleEditor")
    assert editor is not None
    qtbot.keyClicks(editor, "Nope")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert sidebar_titles(app)[0] == "Sandbox <b>cleanup</b>"


def _delete_box(app: DesktopApp) -> QMessageBox | None:
    box = app.window.findChild(QMessageBox, "deleteConversationBox")
    return box if box is not None and box.isVisible() else None


def test_delete_asks_first_and_cancel_keeps_the_conversation(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    seed(
        app_paths.database_file,
        [("Keep me", [("keep", "kept")]), ("Delete me", [("delete", "soon gone")])],
    )
    app = app_harness.start()
    qtbot.waitUntil(lambda: shown_prompts(app) == ["delete"])
    activate(qtbot, app)
    view = list_view(app)
    view.setFocus()

    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: _delete_box(app) is not None)
    box = _delete_box(app)
    assert box is not None and "Delete me" in box.text()
    assert box.defaultButton() is box.findChild(QAbstractButton, "cancelDeleteButton")
    cancel = box.findChild(QAbstractButton, "cancelDeleteButton")
    assert cancel is not None
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _delete_box(app) is None)
    assert sidebar_titles(app) == ["Delete me", "Keep me"]
    assert stored_titles(app_paths) == ["Delete me", "Keep me"]

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: _delete_box(app) is not None)
    box = _delete_box(app)
    assert box is not None
    confirm = box.findChild(QAbstractButton, "confirmDeleteButton")
    assert confirm is not None
    with qtbot.waitSignal(app.conversations.conversation_deleted, timeout=WAIT_MS):
        qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    assert sidebar_titles(app) == ["Keep me"]
    assert stored_titles(app_paths) == ["Keep me"]
    # It was on screen: the chat starts afresh.
    assert app.controller.conversation_id is None
    assert app.window.chat_view.entries() == []


def test_a_search_hit_opens_its_conversation_at_the_turn_that_matched(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    turns = [(f"Question {n} about sandboxes", f"Answer {n}.") for n in range(60)]
    turns[7] = ("Which template has the zebra image?", "The striped one.")
    long_one, _recent = seed(
        app_paths.database_file, [("Long", turns), ("Recent", [("List my sandboxes", "None.")])]
    )
    app = app_harness.start()
    qtbot.waitUntil(lambda: shown_prompts(app) == ["List my sandboxes"])
    activate(qtbot, app)
    qtbot.keyClick(app.window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    field = search_field(app)
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClicks(field, "zebra")
    qtbot.waitUntil(lambda: app.sidebar.results_model.rowCount() == 1)
    qtbot.keyClick(field, Qt.Key.Key_Down)

    view = app.window.chat_view

    def target() -> QWidget | None:
        return next(
            (e for e in view.entries() if getattr(e, "text", "").startswith("Which template")),
            None,
        )

    qtbot.waitUntil(lambda: app.controller.conversation_id == long_one and target() is not None)
    # Turn 8 of 60 is older than the newest entries a conversation opens with: it was built,
    # and it is at the top of the view rather than the newest messages.
    found = target()
    assert found is not None
    bar = view.verticalScrollBar()

    def at_top() -> bool:  # the prompt found (rebuilt by every reload) is at the top
        shown = target()
        if shown is None:
            return False
        top = shown.mapTo(view.widget(), QPoint(0, 0)).y()
        return bar.maximum() > 0 and top > 0 and abs(top - bar.value()) <= 20

    qtbot.waitUntil(at_top)
    assert bar.value() < bar.maximum()  # not at the newest messages

    # The hit of the conversation already on screen (its row selected) still goes to the
    # match: from the search field with Down, and by clicking it.
    view.scroll_to_bottom()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Down)
    qtbot.waitUntil(at_top)
    view.scroll_to_bottom()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    qtbot.wait(int(HIT_REPEAT_S * 1000) + 100)  # a new click, not the rest of the last one
    results = app.sidebar.results_view
    rect = results.visualRect(results.model().index(0, 0))
    qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(at_top)


def test_search_finds_an_old_message_shows_a_safe_snippet_and_opens_it(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    quota, *_ = seed(
        app_paths.database_file,
        [
            ("Quotas", [("How big can a sandbox be?", "Up to 8 vCPU and <i>16 GB</i> of RAM.")]),
            ("Lunch", [("Where should we eat?", "Somewhere with a view.")]),
            ("Recent", [("List my sandboxes", "You have none.")]),
        ],
    )
    app = app_harness.start()
    qtbot.waitUntil(lambda: shown_prompts(app) == ["List my sandboxes"])
    activate(qtbot, app)
    qtbot.keyClick(app.window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    field = search_field(app)
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClicks(field, "vcpu")
    sidebar = app.sidebar
    qtbot.waitUntil(lambda: sidebar.searching and sidebar.results_model.rowCount() == 1)
    hit = sidebar.results_model.index(0, 0)
    assert hit.data() == "Quotas"
    snippet = str(hit.data(SNIPPET_ROLE))
    assert "<b>vCPU</b>" in snippet
    assert "&lt;i&gt;16 GB&lt;/i&gt;" in snippet and "<i>" not in snippet

    # Down moves into the results; the selection opens the conversation.
    qtbot.keyClick(field, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: shown_prompts(app) == ["How big can a sandbox be?"])
    assert app.controller.conversation_id == quota

    # Esc clears the search and shows the whole list again, the open one selected.
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == ""
    assert not sidebar.searching
    view = list_view(app)
    qtbot.waitUntil(lambda: view.isVisible())
    row = sidebar.model.row_of(quota)
    assert view.selectionModel().isSelected(view.model().index(row, 0))

    # Nothing found says so.
    qtbot.keyClicks(field, "zebra")
    qtbot.waitUntil(lambda: sidebar.placeholder.isVisible())
    assert sidebar.placeholder.text() == "No conversation mentions that."


def test_regenerate_asks_the_last_message_again(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    from tests.fakes.openai_script import Reply

    fake_services.openai.script.push(Reply.text("First answer."), Reply.text("Second answer."))
    app = app_harness.start()
    send(qtbot, app, "Tell me something")
    assert shown_replies(app) == ["First answer."]
    qtbot.waitUntil(lambda: app.window.chat_view.turn_actions_shown)
    button = app.window.chat_view.regenerate_button
    assert button.accessibleName() == "Regenerate the last reply"

    activate(qtbot, app)
    with wait_for_event(qtbot, app.controller, TurnFinished, WAIT_MS):
        qtbot.keyClick(app.window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not app.controller.busy)
    assert shown_prompts(app) == ["Tell me something"]
    assert shown_replies(app) == ["Second answer."]
    assert users_in_last_request(fake_services) == ["Tell me something"]
    with ConversationStore(app_paths.database_file) as store:
        [summary] = store.list_conversations()
        [turn] = store.turns(summary.id)
    assert (turn.prompt, turn.text) == ("Tell me something", "Second answer.")

    # The button does the same.
    fake_services.openai.script.push(Reply.text("Third answer."))
    qtbot.waitUntil(lambda: app.window.chat_view.turn_actions_shown)
    with wait_for_event(qtbot, app.controller, TurnFinished, WAIT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown_replies(app) == ["Third answer."])


def test_up_in_the_empty_box_edits_the_last_message_and_resends_it(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    from tests.fakes.openai_script import Reply

    fake_services.openai.script.push(
        Reply.text("Apple noted."), Reply.text("Pear noted."), Reply.text("Plum noted.")
    )
    app = app_harness.start()
    send(qtbot, app, "Remember apple")
    send(qtbot, app, "Remember pear")
    field = app.window.message_input
    field.setFocus()
    qtbot.waitUntil(lambda: app.controller.rewind_available)

    # Esc gives up editing.
    qtbot.keyClick(field, Qt.Key.Key_Up)
    assert field.toPlainText() == "Remember pear"
    assert app.window.edit_hint.isVisible()
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.toPlainText() == ""
    assert not app.window.edit_hint.isVisible()

    qtbot.keyClick(field, Qt.Key.Key_Up)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, "Remember plum")
    with wait_for_event(qtbot, app.controller, TurnFinished, WAIT_MS):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not app.controller.busy)
    assert shown_prompts(app) == ["Remember apple", "Remember plum"]
    assert shown_replies(app) == ["Apple noted.", "Plum noted."]
    assert field.toPlainText() == ""
    assert not app.window.edit_hint.isVisible()
    assert users_in_last_request(fake_services) == ["Remember apple", "Remember plum"]
    with ConversationStore(app_paths.database_file) as store:
        [summary] = store.list_conversations()
        assert [t.prompt for t in store.turns(summary.id)] == ["Remember apple", "Remember plum"]


def _file_dialog(app: DesktopApp, name: str) -> QFileDialog | None:
    dialog = app.window.findChild(QFileDialog, name)
    return dialog if dialog is not None and dialog.isVisible() else None


def _choose(qtbot: QtBot, app: DesktopApp, name: str, path: Path) -> None:
    qtbot.waitUntil(lambda: _file_dialog(app, name) is not None)
    dialog = _file_dialog(app, name)
    assert dialog is not None
    dialog.selectFile(str(path))
    dialog.accept()
    qtbot.waitUntil(lambda: _file_dialog(app, name) is None)


def test_export_and_import_round_trip_through_the_ui(
    qtbot: QtBot,
    app_harness: AppHarness,
    app_paths: AppPaths,
    fake_services: FakeServices,
    tmp_path: Path,
) -> None:
    (original,) = seed(
        app_paths.database_file,
        [
            (
                "Export me",
                [("List my sandboxes", "You have **2** sandboxes."), ("Pause one", "Done.")],
            )
        ],
    )
    app = app_harness.start()
    qtbot.waitUntil(lambda: shown_prompts(app) == ["List my sandboxes", "Pause one"])

    markdown = tmp_path / "export.md"
    app.window.export_markdown_action.trigger()
    with qtbot.waitSignal(app.conversations.exported, timeout=WAIT_MS):
        _choose(qtbot, app, "exportDialog", markdown)
    text = markdown.read_text(encoding="utf-8")
    assert "Export me" in text and "You have **2** sandboxes." in text

    exported = tmp_path / "export.json"
    app.window.export_json_action.trigger()
    with qtbot.waitSignal(app.conversations.exported, timeout=WAIT_MS):
        _choose(qtbot, app, "exportDialog", exported)
    assert json.loads(exported.read_text(encoding="utf-8"))["conversation"]["title"] == "Export me"

    app.window.import_action.trigger()
    with qtbot.waitSignal(app.conversations.conversation_imported, timeout=WAIT_MS) as imported:
        _choose(qtbot, app, "importDialog", exported)
    new_id = imported.args[0]
    assert new_id != original
    # It appears at the top of the list and opens.
    qtbot.waitUntil(lambda: app.controller.conversation_id == new_id)
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Export me", "Export me"])
    assert app.sidebar.model.conversation_id(0) == new_id
    view = list_view(app)
    assert view.selectionModel().isSelected(view.model().index(0, 0))
    qtbot.waitUntil(lambda: shown_prompts(app) == ["List my sandboxes", "Pause one"])

    # The imported conversation carries on with its history.
    send(qtbot, app, "What did I just ask?")
    assert users_in_last_request(fake_services) == [
        "List my sandboxes",
        "Pause one",
        "What did I just ask?",
    ]


def _problem(app: DesktopApp) -> QMessageBox | None:
    box = app.window.findChild(QMessageBox, "conversationProblemBox")
    return box if box is not None and box.isVisible() else None


def test_a_bad_import_file_says_what_is_wrong(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths, tmp_path: Path
) -> None:
    app = app_harness.start()
    bad = tmp_path / "notes.json"
    bad.write_text("this is not json", encoding="utf-8")
    app.window.import_action.trigger()
    _choose(qtbot, app, "importDialog", bad)
    qtbot.waitUntil(lambda: _problem(app) is not None)
    box = _problem(app)
    assert box is not None
    assert box.windowTitle() == "This file could not be imported"
    assert "notes.json" in box.text() and "not valid JSON" in box.text()
    box.accept()
    qtbot.waitUntil(lambda: _problem(app) is None)

    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}', encoding="utf-8")
    app.window.import_action.trigger()
    _choose(qtbot, app, "importDialog", other)
    qtbot.waitUntil(lambda: _problem(app) is not None)
    box = _problem(app)
    assert box is not None and "not an E2B Agent conversation export" in box.text()
    box.accept()
    assert stored_titles(app_paths) == []


def test_new_chat_starts_unstored_and_its_first_prompt_lists_it_on_top(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    seed(app_paths.database_file, [("Earlier", [("earlier question", "earlier answer")])])
    app = app_harness.start()
    qtbot.waitUntil(lambda: shown_prompts(app) == ["earlier question"])
    activate(qtbot, app)
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert app.controller.conversation_id is None
    assert app.window.chat_view.entries() == []
    view = list_view(app)
    assert not view.selectionModel().hasSelection()
    assert not app.window.export_json_action.isEnabled()
    assert stored_titles(app_paths) == ["Earlier"]  # nothing stored until the first prompt

    send(qtbot, app, "Start a sandbox from the base template", approve=True)
    qtbot.waitUntil(
        lambda: sidebar_titles(app) == ["Start a sandbox from the base template", "Earlier"]
    )
    assert app.controller.conversation_id == app.sidebar.model.conversation_id(0)
    assert view.selectionModel().isSelected(view.model().index(0, 0))
    assert app.window.export_json_action.isEnabled()


def test_a_long_list_is_fetched_page_by_page(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    total = 2 * PAGE_SIZE + 50
    seed(app_paths.database_file, [(f"Conversation {n:03}", []) for n in range(total)])
    app = app_harness.start()
    model = app.sidebar.model
    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE)
    assert sidebar_titles(app)[0] == f"Conversation {total - 1:03}"
    view = list_view(app)
    for expected in (2 * PAGE_SIZE, total):
        view.scrollToBottom()
        qtbot.waitUntil(lambda expected=expected: model.rowCount() == expected)
    view.scrollToBottom()
    assert model.exhausted
    assert sidebar_titles(app)[-1] == "Conversation 000"
    assert len(set(sidebar_titles(app))) == total


def test_switching_conversations_mid_reply_stops_it_and_keeps_what_arrived(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths, fake_services: FakeServices
) -> None:
    from tests.fakes.openai_script import Reply

    other, current = seed(
        app_paths.database_file,
        [("Other", [("other question", "other answer")]), ("Current", [("q", "a")])],
    )
    fake_services.openai.script.push(
        Reply.slow_text("one two three four five six seven eight", delay_per_chunk=0.2)
    )
    app = app_harness.start()
    qtbot.waitUntil(lambda: shown_prompts(app) == ["q"])
    field = app.window.message_input
    field.setFocus()
    qtbot.keyClicks(field, "Count slowly")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(r.startswith("one") for r in shown_replies(app)), timeout=WAIT_MS)

    view = list_view(app)
    view.setCurrentIndex(view.model().index(1, 0))  # "Other"
    qtbot.waitUntil(lambda: shown_prompts(app) == ["other question"])
    qtbot.waitUntil(lambda: not app.controller.busy, timeout=WAIT_MS)
    assert shown_replies(app) == ["other answer"]  # nothing of the stopped reply leaked in
    assert app.controller.conversation_id == other
    with ConversationStore(app_paths.database_file) as store:
        stopped = store.turns(current)[-1]
    assert stopped.prompt == "Count slowly" and stopped.status == "cancelled"
    assert stopped.text.startswith("one") and "eight" not in stopped.text
    # The stopped conversation had activity, but the one on screen stays selected.
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Current", "Other"])
    assert view.selectionModel().isSelected(view.model().index(1, 0))


def test_every_control_has_an_accessible_name_and_the_header_shows_the_title(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    seed(app_paths.database_file, [("Sandbox audit", [("audit", "done")])])
    app = app_harness.start()
    qtbot.waitUntil(lambda: shown_prompts(app) == ["audit"])
    qtbot.waitUntil(lambda: app.window.title_label.text() == "Sandbox audit")
    assert app.window.windowTitle() == "Sandbox audit — E2B Agent"
    for kind in (QAbstractButton, QLineEdit, QListView):
        for control in app.window.findChildren(kind):
            if control.isVisibleTo(app.window):
                assert control.accessibleName(), control.objectName()
    shortcuts = {
        a.objectName(): a.shortcut().toString() for a in app.window.actions() if a.objectName()
    }
    assert shortcuts["findAction"] == "Ctrl+F"
    assert shortcuts["regenerateAction"] == "Ctrl+R"
    assert shortcuts["importAction"] == "Ctrl+O"
    assert shortcuts["newChatAction"] == "Ctrl+N"
    sidebar_keys = {a.objectName(): a.shortcut().toString() for a in list_view(app).actions()}
    assert sidebar_keys == {"renameConversationAction": "F2", "deleteConversationAction": "Del"}
    activate(qtbot, app)
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert app.window.title_label.text() == "E2B Agent"


def test_a_rename_the_store_refuses_puts_the_old_title_back(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(app_paths.database_file, [("Alpha", [("a", "b")])])
    app = app_harness.start()
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Alpha"])
    store = app.conversation_store
    assert store is not None

    async def refuse(conversation_id: str, title: str) -> None:
        raise StoreError("The disk is full: the conversation could not be saved.")

    monkeypatch.setattr(store, "rename", refuse)
    model = app.sidebar.model
    with qtbot.waitSignal(app.conversations.operation_failed, timeout=WAIT_MS):
        assert model.setData(model.index(0), "Beta")
    assert sidebar_titles(app) == ["Beta"]  # shown at once...
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Alpha"])  # ...and put back


def test_the_context_menu_offers_rename_export_and_delete(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    seed(app_paths.database_file, [("Alpha", [("a", "b")]), ("Beta", [("c", "d")])])
    app = app_harness.start()
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Beta", "Alpha"])
    qtbot.waitUntil(lambda: shown_prompts(app) == ["c"])  # the newest reopened
    view = list_view(app)
    menu = app.sidebar.context_menu(view.visualRect(view.model().index(1, 0)).center())
    assert menu is not None and menu.objectName() == "conversationMenu"
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "Rename",
        "Export as Markdown…",
        "Export as JSON…",
        "Delete…",
    ]
    # The actions apply to the row under the pointer, which does not open.
    alpha = app.sidebar.model.conversation_id(1)
    assert app.sidebar.current_conversation_id() == alpha
    assert shown_prompts(app) == ["c"]
    menu.close()

    app.sidebar.delete_action.trigger()
    qtbot.waitUntil(lambda: _delete_box(app) is not None)
    box = _delete_box(app)
    assert box is not None and "Alpha" in box.text()
    box.reject()


def test_without_a_usable_database_the_app_still_chats_and_says_so(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths, tmp_path: Path
) -> None:
    not_a_database = tmp_path / "folder.sqlite3"
    not_a_database.mkdir()
    app = app_harness.start(database_file=not_a_database)
    box = app.window.findChild(QMessageBox, "warningBox")
    assert box is not None and box.windowTitle() == "Conversations are not being saved"
    assert str(not_a_database) in box.text()
    box.accept()
    assert app.conversation_store is None
    send(qtbot, app, "Hello there")
    send(qtbot, app, "What did I just ask?")
    assert "Hello there" in shown_replies(app)[-1]
    assert sidebar_titles(app) == []
    assert not app.controller.rewind_available


# The offscreen platform cannot raise a popup or grab the keyboard for it; harmless here.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")
def test_the_menu_key_opens_the_menu_of_the_current_row(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    seed(app_paths.database_file, [("Alpha", [("a", "b")]), ("Beta", [("c", "d")])])
    app = app_harness.start()
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Beta", "Alpha"])
    view = list_view(app)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)  # opens Alpha
    qtbot.waitUntil(lambda: shown_prompts(app) == ["a"])
    with qtbot.waitSignal(view.menu_requested) as requested:  # type: ignore[attr-defined]
        event = QContextMenuEvent(
            QContextMenuEvent.Reason.Keyboard,
            QPoint(2, 2),
            view.mapToGlobal(QPoint(2, 2)),
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(view, event)
    assert view.indexAt(requested.args[0]).row() == 1
    menu = app.window.findChild(QMenu, "conversationMenu")
    assert menu is not None
    qtbot.waitUntil(menu.isVisible)
    menu.close()
