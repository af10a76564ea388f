"""The chat view: streamed replies, tool cards, inline errors, links, history, scrolling."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import (
    ConnectLink,
    ToolAction,
    ToolCallFinished,
    ToolCallStarted,
)
from desktop.core.conversations.transcript import (
    AssistantItem,
    ErrorItem,
    HistoryItem,
    NoticeItem,
    ToolCallItem,
    UserItem,
)
from desktop.core.errors import ErrorKind
from desktop.ui.chat.chat_view import HISTORY_PAGE, ChatView
from desktop.ui.chat.message_widget import AssistantMessageWidget, ErrorWidget, UserMessageWidget
from desktop.ui.chat.tool_card import ToolCardWidget
from tests.ui.conftest import RecordingOpener

ROUTER = "COMPOSIO_MULTI_EXECUTE_TOOL"


def started(call_id: str = "call-1", slug: str = "E2B_LIST_ALL_SANDBOXES") -> ToolCallStarted:
    arguments = {"state": ["running"], "limit": 10}
    return ToolCallStarted(
        call_id=call_id,
        tool_name=ROUTER,
        arguments={"tools": [{"tool_slug": slug, "arguments": arguments}]},
        actions=(ToolAction(slug, arguments),),
    )


class FakeTime:
    """A clock the test moves: seconds, as `time.monotonic` counts them."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


def timed_view(qtbot: QtBot) -> tuple[ChatView, FakeTime]:
    """A chat view whose running cards count on a clock the test moves."""
    view = make_view(qtbot)
    clock = FakeTime()
    view.running_clock.now = clock
    return view, clock


def make_view(qtbot: QtBot, opener: RecordingOpener | None = None) -> ChatView:
    view = ChatView(url_opener=opener)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_streamed_text_appears_incrementally_and_whole(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    view.add_user_message("hello")
    view.append_assistant_text("You have **2 sand")
    reply = view.streaming_message
    assert reply is not None
    qtbot.waitUntil(lambda: reply.document.toPlainText() == "You have **2 sand")
    view.append_assistant_text("boxes** running.\n\n```bash\necho hi\n```\n")
    view.end_turn()
    assert reply.text == "You have **2 sandboxes** running.\n\n```bash\necho hi\n```\n"
    assert reply.document.toPlainText() == "You have 2 sandboxes running.\necho hi"
    assert view.streaming_message is None
    assert [type(e) for e in view.entries()] == [UserMessageWidget, AssistantMessageWidget]


def test_streaming_updates_only_the_last_reply(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    view.load_history([UserItem("q"), AssistantItem("old **answer**")])
    old = view.entries()[1]
    assert isinstance(old, AssistantMessageWidget)
    old_revision = old.document.revision()
    view.add_user_message("again")
    for piece in ["new ", "answer ", "streams"]:
        view.append_assistant_text(piece)
    view.end_turn()
    assert old.document.revision() == old_revision
    last = view.entries()[-1]
    assert isinstance(last, AssistantMessageWidget)
    assert last.plain_text() == "new answer streams"


def test_tool_card_shows_the_inner_e2b_slug_then_outcome_and_result(
    qtbot: QtBot, styled_app: object
) -> None:
    view, clock = timed_view(qtbot)
    card = view.add_tool_call(started())
    assert card.title_label.text() == "E2B_LIST_ALL_SANDBOXES"
    assert ROUTER not in card.title_label.text()
    assert "limit=10" in card.arguments_label.text()
    assert card.is_running and not card.spinner.isHidden()
    assert card.outcome_label.text() == "Running"
    clock.advance(1.2)
    view.running_clock.tick()
    assert card.elapsed_label.text() == "1 s"

    result = json.dumps({"data": [{"sandboxID": "sbx-1", "state": "running"}]}, indent=2)
    view.finish_tool_call(ToolCallFinished("call-1", ROUTER, "success", result))
    assert not card.is_running and card.outcome == "success"
    assert card.outcome_label.text() == "Succeeded"
    assert card.spinner.isHidden()
    assert not card.is_expanded and card.result_text_shown == ""  # collapsed by default
    qtbot.mouseClick(card.toggle_button, Qt.MouseButton.LeftButton)
    assert card.is_expanded
    assert card.result_text_shown == result
    assert card.toggle_button.text() == "Hide result"
    qtbot.mouseClick(card.toggle_button, Qt.MouseButton.LeftButton)
    assert not card.is_expanded


def test_every_outcome_is_labelled(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    labels = {}
    for outcome in ("success", "failed", "denied", "interrupted", "retried"):
        card = view.add_tool_call(started(call_id=outcome))
        view.finish_tool_call(ToolCallFinished(outcome, ROUTER, outcome, "x"))  # type: ignore[arg-type]
        labels[outcome] = (card.outcome_label.text(), card.outcome_label.property("outcome"))
    assert labels == {
        "success": ("Succeeded", "success"),
        "failed": ("Failed", "failed"),
        "denied": ("Denied", "denied"),
        "interrupted": ("Interrupted", "interrupted"),
        "retried": ("Retried", "retried"),
    }


def test_long_results_are_truncated_until_show_all(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    card = view.add_tool_call(started())
    long_result = "\n".join(f"line {n}" for n in range(5000))
    view.finish_tool_call(ToolCallFinished("call-1", ROUTER, "success", long_result))
    card.set_expanded(True)
    shown = card.result_text_shown
    assert shown.startswith("line 0\n") and len(shown) < len(long_result)
    show_all = card.findChild(QPushButton, "showAllButton")
    assert show_all is not None and not show_all.isHidden()
    assert "5,000" not in show_all.text() and f"{len(long_result):,}" in show_all.text()
    qtbot.mouseClick(show_all, Qt.MouseButton.LeftButton)
    assert card.result_text_shown == long_result
    assert show_all.isHidden()


def test_tool_output_html_is_shown_as_text(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    hostile = '<img src="http://evil.example/x.png"><script>alert(1)</script>'
    card = view.add_tool_call(
        ToolCallStarted(
            "call-1",
            "E2B_GET_SANDBOX",
            {"sandbox_id": hostile},
            (ToolAction("E2B_GET_SANDBOX", {"sandbox_id": hostile}),),
        )
    )
    view.finish_tool_call(ToolCallFinished("call-1", "E2B_GET_SANDBOX", "failed", hostile))
    card.set_expanded(True)
    assert card.result_text_shown == hostile
    labels = [card.arguments_label, card.findChild(QLabel, "toolArgumentsFull")]
    for label in labels:
        assert isinstance(label, QLabel)
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert "<img src=" in label.text()
    full = labels[1]
    assert isinstance(full, QLabel) and "<script>alert(1)</script>" in full.text()


def test_tool_output_controls_and_direction_marks_are_written_out(
    qtbot: QtBot, styled_app: object
) -> None:
    """A right-to-left override in a tool's result reordered what the card showed, and an
    escape sequence went in as it was: both are written out, in the result (preview and Show
    all), the errors line and the arguments."""
    view = make_view(qtbot)
    hostile = "\u202etxt.exe \x1b]52;c;aGk=\x07 \x1b[2J"
    card = view.add_tool_call(
        ToolCallStarted(
            "call-1", ROUTER, {"note": hostile}, (ToolAction("E2B_GET_SANDBOX", {"id": hostile}),)
        )
    )
    view.finish_tool_call(
        ToolCallFinished(
            "call-1",
            ROUTER,
            "success",
            hostile + "x" * 10_000,
            errors=(f"E2B_GET_SANDBOX: {hostile}",),
        )
    )
    card.set_expanded(True)
    shown = [card.result_text_shown, card.arguments_label.text(), card.errors_label.text()]
    full = card.findChild(QLabel, "toolArgumentsFull")
    assert isinstance(full, QLabel)
    shown.append(full.text())
    show_all = card.findChild(QPushButton, "showAllButton")
    assert show_all is not None and not show_all.isHidden()
    qtbot.mouseClick(show_all, Qt.MouseButton.LeftButton)
    shown.append(card.result_text_shown)
    for text in shown:
        assert "\u202e" not in text and "\x1b" not in text, text[:80]
    assert "\\u202etxt.exe" in card.result_text_shown


def test_errors_appear_under_the_partial_reply(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    view.add_user_message("start a sandbox")
    view.append_assistant_text("Creating the sandbox")
    view.end_turn()
    error = view.add_error("OpenAI is rate limiting this key: wait 20 s.", ErrorKind.RATE_LIMITED)
    entries = view.entries()
    assert [type(e) for e in entries] == [UserMessageWidget, AssistantMessageWidget, ErrorWidget]
    reply = entries[1]
    assert isinstance(reply, AssistantMessageWidget)
    assert reply.plain_text() == "Creating the sandbox"  # kept, not replaced
    assert error.label.text() == "OpenAI is rate limiting this key: wait 20 s."
    assert error.objectName() == "errorMessage"
    qtbot.waitUntil(lambda: error.geometry().top() > reply.geometry().bottom())


def test_connect_link_button_opens_only_web_links(
    qtbot: QtBot, styled_app: object, url_opener: RecordingOpener
) -> None:
    view = make_view(qtbot, url_opener)
    card = view.add_tool_call(started(slug="COMPOSIO_MANAGE_CONNECTIONS"))
    view.finish_tool_call(
        ToolCallFinished(
            "call-1",
            ROUTER,
            "success",
            "{}",
            (
                ConnectLink("e2b", "https://connect.composio.dev/link/lk_1"),
                ConnectLink("github", "javascript:alert(1)"),
                ConnectLink("gmail", "file:///etc/passwd"),
            ),
        )
    )
    assert [b.text() for b in card.connect_buttons] == ["Connect E2B (connect.composio.dev)"]
    button = card.connect_buttons[0]
    assert button.objectName() == "connectButton"
    assert button.accessibleName() == (
        "Connect E2B (connect.composio.dev): opens connect.composio.dev in your browser"
    )
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert url_opener.urls == ["https://connect.composio.dev/link/lk_1"]


def test_links_in_replies_open_only_when_http(
    qtbot: QtBot, styled_app: object, url_opener: RecordingOpener
) -> None:
    view = make_view(qtbot, url_opener)
    view.append_assistant_text("[docs](https://e2b.dev/docs) [bad](file:///etc/passwd)")
    view.end_turn()
    reply = view.entries()[0]
    assert isinstance(reply, AssistantMessageWidget)
    assert not reply.view.openExternalLinks() and not reply.view.openLinks()
    from PySide6.QtCore import QUrl

    reply.view.anchorClicked.emit(QUrl("https://e2b.dev/docs"))
    reply.view.anchorClicked.emit(QUrl("file:///etc/passwd"))
    reply.view.anchorClicked.emit(QUrl("javascript:alert(1)"))
    assert url_opener.urls == ["https://e2b.dev/docs"]


def test_running_cards_are_interrupted_when_the_turn_ends(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    card = view.add_tool_call(started())
    view.end_turn()
    assert card.outcome == "interrupted"
    assert card.outcome_label.text() == "Interrupted"


def test_load_history_renders_a_whole_conversation(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    items = [
        UserItem("list sandboxes"),
        ToolCallItem.of(started(), ToolCallFinished("call-1", ROUTER, "success", "[]")),
        AssistantItem("You have **none**."),
        ToolCallItem.of(started("call-2", "E2B_CREATE_SANDBOX")),
        ErrorItem("The model server had a server error (502): try again.", ErrorKind.SERVER_ERROR),
        NoticeItem("Stopped. What arrived is kept."),
    ]
    view.load_history(items)
    restored = view.items()
    assert restored[:3] == items[:3]
    assert isinstance(restored[3], ToolCallItem) and restored[3].finished is not None
    assert restored[3].finished.outcome == "interrupted"  # never finished: not shown as running
    assert restored[4:] == items[4:]
    cards = [e for e in view.entries() if isinstance(e, ToolCardWidget)]
    assert all(not card.is_running for card in cards)
    view.load_history([UserItem("another")])
    assert view.items() == [UserItem("another")]


def test_cards_from_history_say_why_actions_failed_and_how_long_they_ran(
    qtbot: QtBot, styled_app: object
) -> None:
    view = make_view(qtbot)
    error = "E2B_LIST_ALL_SANDBOXES: No active connection for toolkit e2b"
    failed = ToolCallFinished("call-1", ROUTER, "failed", "{}", errors=(error,))
    view.load_history([ToolCallItem.of(started(), failed, 2.5), ToolCallItem.of(started("call-2"))])
    first, second = (e for e in view.entries() if isinstance(e, ToolCardWidget))

    assert first.errors_label.isVisibleTo(first) and first.errors_label.text() == error
    assert first.elapsed_label.isVisibleTo(first) and first.elapsed_label.text() == "2.5 s"
    assert not second.errors_label.isVisibleTo(second)
    assert not second.elapsed_label.isVisibleTo(second)  # not measured: no "0.0 s"
    assert view.items()[0] == ToolCallItem.of(started(), failed, 2.5)  # what would be redrawn


def test_a_long_history_opens_at_its_newest_entries(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    items: list[HistoryItem] = []
    for n in range(100):
        finished = ToolCallFinished(f"c{n}", ROUTER, "success", "{}")
        items.append(UserItem(f"question {n}"))
        items.append(ToolCallItem.of(started(f"c{n}"), finished))
        items.append(AssistantItem(f"Answer **{n}** with `code` and a list:\n\n- a\n- b\n"))
    view.load_history(items)
    assert view.items() == items
    assert len(view.entries()) == HISTORY_PAGE
    assert view.earlier_count == 300 - HISTORY_PAGE
    last = view.entries()[-1]
    assert isinstance(last, AssistantMessageWidget) and last.text.startswith("Answer **99**")
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())

    earlier = view.findChild(QPushButton, "showEarlierButton")
    assert earlier is not None and not earlier.isHidden()
    assert earlier.text() == f"Show earlier messages ({300 - HISTORY_PAGE})"
    bar.setValue(0)  # at the top, reading the oldest shown entry
    first_shown = view.entries()[0]
    qtbot.waitUntil(lambda: first_shown.y() - bar.value() >= 0)
    offset_before = first_shown.y() - bar.value()
    qtbot.mouseClick(earlier, Qt.MouseButton.LeftButton)
    assert len(view.entries()) == 2 * HISTORY_PAGE
    assert view.items() == items
    # The entry the user was reading has not moved on screen.
    qtbot.waitUntil(lambda: first_shown.y() - bar.value() == offset_before)
    while view.show_earlier():
        pass
    assert len(view.entries()) == 300 and earlier.isHidden()
    assert view.items() == items


def test_reveal_builds_earlier_entries_and_keeps_the_entry_at_the_top(
    qtbot: QtBot, styled_app: object
) -> None:
    view = make_view(qtbot)
    items: list[object] = []
    for n in range(60):
        items += [UserItem(f"question {n}"), AssistantItem(f"answer {n}")]
    view.load_history(items)  # type: ignore[arg-type]
    assert len(view.entries()) == HISTORY_PAGE
    bar = view.verticalScrollBar()

    assert view.reveal(20)  # question 10, not built yet
    target = next(e for e in view.entries() if getattr(e, "text", "") == "question 10")

    def at_top() -> bool:
        top = target.mapTo(view.widget(), QPoint(0, 0)).y()
        return top > 0 and abs(top - bar.value()) <= 20

    qtbot.waitUntil(at_top)
    assert not view.is_following
    marked = [e.text for e in view.entries() if isinstance(e, UserMessageWidget) and e.is_marked]
    assert marked == ["question 10"]  # outlined, so the eye finds it
    assert view.reveal(40)
    marked = [e.text for e in view.entries() if isinstance(e, UserMessageWidget) and e.is_marked]
    assert marked == ["question 20"]
    assert not view.reveal(len(items))  # nothing there
    view.scroll_to_bottom()  # e.g. the user sends: back to the newest
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())


def test_follows_the_stream_only_while_at_the_bottom(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    view.load_history([AssistantItem(f"paragraph {n}") for n in range(40)])
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    view.append_assistant_text("more\n\n" * 30)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    assert view.is_following

    bar.setValue(0)  # the user scrolls up to read
    assert not view.is_following
    view.append_assistant_text("even more\n\n" * 30)
    previous_maximum = bar.maximum()
    qtbot.waitUntil(lambda: bar.maximum() > previous_maximum)
    assert bar.value() == 0

    bar.setValue(bar.maximum())  # back at the bottom: follow again
    assert view.is_following
    view.add_user_message("and?")
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())


def test_clear_empties_the_view_and_shows_suggestions(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    view.add_user_message("x")
    view.clear()
    assert view.entries() == []
    suggestion = view.findChild(QPushButton, "suggestionButton")
    assert suggestion is not None and suggestion.isVisible()
    with qtbot.waitSignal(view.suggestion_chosen) as blocker:
        qtbot.mouseClick(suggestion, Qt.MouseButton.LeftButton)
    assert blocker.args == [suggestion.text()]


def test_copy_buttons_copy_the_reply_and_each_code_block(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    view = make_view(qtbot)
    source = (
        "Run this:\n\n```bash\necho one\necho two\n```\n\nthen this:\n\n```python\nprint(3)\n```\n"
    )
    view.append_assistant_text(source)
    view.end_turn()
    reply = view.entries()[0]
    assert isinstance(reply, AssistantMessageWidget)
    qtbot.waitUntil(lambda: not reply.copy_button.isHidden())
    qtbot.mouseClick(reply.copy_button, Qt.MouseButton.LeftButton)
    assert styled_app.clipboard().text() == source

    def buttons_shown() -> list[QToolButton]:
        found = reply.view.findChildren(QToolButton, "copyCodeButton")
        return [b for b in found if not b.isHidden()]

    qtbot.waitUntil(lambda: len(buttons_shown()) == 2)
    buttons = buttons_shown()
    assert [b.accessibleName() for b in buttons] == ["Copy code block 1", "Copy code block 2"]
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert styled_app.clipboard().text() == "echo one\necho two"
    assert buttons[0].text() == "Copied"
    qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    assert styled_app.clipboard().text() == "print(3)"
    rect, block_range = reply.view.code_block_rects()[1]
    assert reply.view.code_block_at(rect.center().toPoint()) == block_range


def test_copy_is_offered_only_once_a_reply_is_complete(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    view = make_view(qtbot)
    view.append_assistant_text("partial")
    reply = view.streaming_message
    assert reply is not None and reply.copy_button.isHidden()
    view.end_turn()
    assert not reply.copy_button.isHidden()


def test_a_reloaded_failure_is_worded_as_it_was_live(qtbot: QtBot, styled_app: object) -> None:
    from desktop.core.agent.events import TurnFailed
    from desktop.core.config.credentials import OPENAI_API_KEY, missing_error
    from desktop.ui.messages import window_failure

    missing = missing_error((OPENAI_API_KEY,))
    live_event = window_failure(TurnFailed(missing.kind, missing.message, fix=missing.fix))
    live_view = make_view(qtbot)
    live = live_view.add_error(live_event.message, live_event.kind)
    assert live.label.text() == "No OpenAI API key is set: enter it in Settings (Ctrl+,)."
    reloaded_view = make_view(qtbot)
    reloaded_view.load_history([UserItem("go"), ErrorItem(missing.message, fix=missing.fix)])
    reloaded = reloaded_view.entries()[-1]
    assert isinstance(reloaded, ErrorWidget)
    assert reloaded.label.text() == live.label.text()
    assert reloaded.message == live.message


def test_running_cards_count_their_seconds_on_one_clock_that_stops_when_none_runs(
    qtbot: QtBot, styled_app: object
) -> None:
    """Issue 10, item 15: running cards said "0.0 s" until they ended."""
    view, clock = timed_view(qtbot)
    assert not view.running_clock.active  # an idle chat wakes for nothing
    first = view.add_tool_call(started("a"))
    clock.advance(2.4)
    second = view.add_tool_call(started("b"))
    assert view.running_clock.active and view.running_clock.running == 2
    clock.advance(3.1)
    view.running_clock.tick()  # one tick moves every running card
    assert (first.elapsed_label.text(), second.elapsed_label.text()) == ("5 s", "3 s")
    view.finish_tool_call(ToolCallFinished("a", ROUTER, "success", "[]"))
    assert first.elapsed_label.text() == "5.5 s" and view.running_clock.running == 1
    second.wait_for_decision()  # its clock waits with it
    assert not view.running_clock.active
    clock.advance(60)
    second.decided("Approved by you")
    assert view.running_clock.active
    clock.advance(75)
    view.running_clock.tick()
    assert second.elapsed_label.text() == "1 min 15 s"
    view.end_turn()  # interrupted: no card runs, the timer stops
    assert not view.running_clock.active and view.running_clock.running == 0


def test_a_card_cleared_while_it_runs_is_ticked_no_more(qtbot: QtBot, styled_app: object) -> None:
    view = make_view(qtbot)
    view.add_tool_call(started("a"))
    assert view.running_clock.running == 1
    view.clear()
    qtbot.waitUntil(lambda: view.running_clock.running == 0)
    view.running_clock.tick()
    assert not view.running_clock.active
