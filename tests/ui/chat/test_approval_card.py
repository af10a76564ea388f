"""The approval card with real widgets: what each button decides, destructive defaults, partial
ticking, Stop while it waits, and hostile text shown inert."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QMessageBox, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import ApprovalRequested, ApprovalResolved, ToolCallStarted
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import (
    Decision,
    Grants,
    Outcome,
    PendingCall,
    Scope,
    outcome_of,
)
from desktop.core.consent.policy import actions_of, must_ask
from desktop.core.consent.words import STOPPED_TEXT
from desktop.ui.chat.approval_card import ApprovalCardWidget
from desktop.ui.chat.chat_view import ChatView

RATES = SandboxRates.of(Settings())  # E2B's published prices, the settings' default

MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"
MakeCard = Callable[..., ApprovalCardWidget]


def pending(call_id: str, tool_name: str, arguments: Mapping[str, object]) -> PendingCall:
    actions = actions_of(tool_name, arguments)
    asked = tuple(must_ask(action, Grants()) for action in actions)
    return PendingCall(call_id, tool_name, arguments, actions, asked)


def multi(*tools: tuple[str, Mapping[str, object]]) -> dict[str, object]:
    return {"tools": [{"tool_slug": slug, "arguments": dict(args)} for slug, args in tools]}


CREATE = pending("c1", "E2B_CREATE_SANDBOX", {"templateID": "base", "timeout": 300})
KILL = pending("k1", "E2B_DELETE_SANDBOXES", {"sandbox_id": "sbx_one"})
LIST_AND_TWO_KILLS = pending(
    "m1",
    MULTI,
    multi(
        ("E2B_LIST_ALL_SANDBOXES", {}),
        ("E2B_DELETE_SANDBOXES", {"sandbox_id": "sbx_one"}),
        ("E2B_DELETE_SANDBOXES", {"sandbox_id": "sbx_two"}),
    ),
)


@pytest.fixture
def make_card(qtbot: QtBot) -> Iterator[MakeCard]:
    def make(*calls: PendingCall) -> ApprovalCardWidget:
        card = ApprovalCardWidget(calls, rates=RATES)
        qtbot.addWidget(card)
        card.resize(760, card.sizeHint().height())
        card.show()
        qtbot.waitExposed(card)
        card.claim_focus()
        return card

    yield make


def decide(qtbot: QtBot, card: ApprovalCardWidget, button: QWidget) -> tuple[Decision, ...]:
    with qtbot.waitSignal(card.decided, timeout=2000) as signal:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    decisions = signal.args[0]
    assert isinstance(decisions, tuple)
    return decisions


def labels(widget: QWidget, name: str) -> list[str]:
    return [label.text().replace("\u200b", "") for label in widget.findChildren(QLabel, name)]


def test_one_change_reads_in_words_with_its_cost(make_card: MakeCard) -> None:
    card = make_card(CREATE)
    assert card.objectName() == "approvalCard"
    assert card.findChildren(QCheckBox) == []  # one action: nothing to tick
    assert len(card.findChildren(QFrame, "approvalRow")) == 1
    assert card.findChildren(QWidget, "approvalItem") == []  # the check boxes of several
    assert labels(card, "approvalActionTitle") == ["Start a sandbox"]
    assert labels(card, "approvalSlug") == ["E2B_CREATE_SANDBOX"]
    [effect] = labels(card, "approvalEffect")
    assert effect.startswith("Starts a sandbox from template base: about $0.11/hour while it runs")
    [arguments] = labels(card, "approvalArguments")
    assert "template: base" in arguments
    assert "timeout: 5 minutes (300 s)" in arguments
    assert not card.deny_button.isDefault() and card.approve_button.isDefault()


def test_allow_once(qtbot: QtBot, make_card: MakeCard) -> None:
    card = make_card(CREATE)
    assert decide(qtbot, card, card.approve_button) == (Decision("c1", {0: Scope.ONCE}),)
    assert card.status_text == "Approved by you"
    assert not card.waiting and not card.approve_button.isEnabled()
    assert card.reason_edit.isHidden()


def test_allow_for_the_conversation(qtbot: QtBot, make_card: MakeCard) -> None:
    card = make_card(CREATE)
    decisions = decide(qtbot, card, card.approve_conversation_button)
    assert decisions == (Decision("c1", {0: Scope.CONVERSATION}),)
    assert card.status_text == "Allowed for this conversation"


def test_always_allow_a_change_needs_no_second_question(
    qtbot: QtBot,
    make_card: MakeCard,
) -> None:
    card = make_card(CREATE)
    assert decide(qtbot, card, card.approve_always_button) == (Decision("c1", {0: Scope.ALWAYS}),)
    assert card.confirm_box is None
    assert card.status_text == "Always allowed: E2B_CREATE_SANDBOX"


def test_deny_with_a_reason(qtbot: QtBot, make_card: MakeCard) -> None:
    card = make_card(CREATE)
    qtbot.keyClicks(card.reason_edit, "too expensive")
    assert decide(qtbot, card, card.deny_button) == (Decision("c1", {}, "too expensive"),)
    assert card.status_text == "Denied by you: too expensive"


def test_enter_in_the_reason_denies(qtbot: QtBot, make_card: MakeCard) -> None:
    card = make_card(CREATE)
    qtbot.keyClicks(card.reason_edit, "no")
    with qtbot.waitSignal(card.decided) as signal:
        qtbot.keyClick(card.reason_edit, Qt.Key.Key_Return)
    assert signal.args[0] == (Decision("c1", {}, "no"),)
    assert card.status_text == "Denied by you: no"


def test_deny_without_a_reason(qtbot: QtBot, make_card: MakeCard) -> None:
    card = make_card(CREATE)
    assert decide(qtbot, card, card.deny_button) == (Decision("c1", {}, ""),)
    assert card.status_text == "Denied by you"


def test_a_kill_defaults_to_deny_and_enter_never_approves(
    qtbot: QtBot,
    make_card: MakeCard,
) -> None:
    card = make_card(KILL)
    assert labels(card, "approvalActionTitle") == ["Kill sandbox"]
    assert labels(card, "approvalEffect") == [
        "Kills sandbox sbx_one for good: its files and memory are lost"
    ]
    assert card.deny_button.isDefault() and not card.approve_button.isDefault()
    assert card.focusWidget() is card.deny_button
    assert not card.approve_conversation_button.isEnabled()  # asked every time, never "for now"
    with qtbot.assertNotEmitted(card.decided):
        for button in (card.approve_button, card.approve_always_button):
            button.setFocus()
            qtbot.keyClick(button, Qt.Key.Key_Return)
            qtbot.keyClick(button, Qt.Key.Key_Enter)
        card.approve_conversation_button.click()  # disabled: nothing happens
        qtbot.keyClick(card, Qt.Key.Key_Return)
    assert card.waiting
    card.deny_button.setFocus()
    with qtbot.waitSignal(card.decided) as signal:
        qtbot.keyClick(card.deny_button, Qt.Key.Key_Return)
    assert signal.args[0] == (Decision("k1", {}, ""),)


def test_always_allowing_a_kill_asks_a_second_time(
    qtbot: QtBot,
    make_card: MakeCard,
) -> None:
    card = make_card(KILL)
    with qtbot.assertNotEmitted(card.decided):
        qtbot.mouseClick(card.approve_always_button, Qt.MouseButton.LeftButton)
    box = card.confirm_box
    assert isinstance(box, QMessageBox) and box.objectName() == "confirmAlwaysBox"
    assert box.isVisible() and box.textFormat() is Qt.TextFormat.PlainText
    assert "E2B_DELETE_SANDBOXES" in box.text()
    cancel = box.findChild(QWidget, "cancelAlwaysButton")
    assert box.defaultButton() is cancel  # Enter keeps it asking
    with qtbot.assertNotEmitted(card.decided):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.confirm_box is None)
    assert card.waiting
    qtbot.mouseClick(card.approve_always_button, Qt.MouseButton.LeftButton)
    box = card.confirm_box
    assert box is not None
    confirm = box.findChild(QWidget, "confirmAlwaysButton")
    with qtbot.waitSignal(card.decided) as signal:
        qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    assert signal.args[0] == (Decision("k1", {0: Scope.ALWAYS}),)
    assert card.status_text == "Always allowed: E2B_DELETE_SANDBOXES"


def test_a_list_and_two_kills_allowed_in_part(
    qtbot: QtBot,
    make_card: MakeCard,
) -> None:
    card = make_card(LIST_AND_TWO_KILLS)
    boxes = card.findChildren(QCheckBox, "approvalItem")
    assert len(boxes) == 2  # the list is a read: it is not asked about
    assert [box.isChecked() for box in boxes] == [False, False]  # kills: none pre-ticked
    assert [line.replace("\u200b", "") for line in labels(card, "approvalEffect")] == [
        "Kills sandbox sbx_one for good: its files and memory are lost",
        "Kills sandbox sbx_two for good: its files and memory are lost",
    ]
    assert "E2B_LIST_ALL_SANDBOXES" in labels(card, "approvalAlso")[0]
    assert not card.approve_button.isEnabled()  # nothing ticked: nothing to allow
    assert card.focusWidget() is card.deny_button
    boxes[1].setChecked(True)
    assert card.approve_button.isEnabled() and not card.approve_conversation_button.isEnabled()
    decisions = decide(qtbot, card, card.approve_button)
    assert decisions == (Decision("m1", {2: Scope.ONCE}),)
    outcome = outcome_of(LIST_AND_TWO_KILLS, decisions[0])
    assert outcome.ran == (0, 2) and outcome.not_run == (1,)
    # The core's words, as the tool card says them (`approvals.decision_note`).
    in_part = "Approved by you in part; not run: E2B_DELETE_SANDBOXES (sbx_one)"
    assert card.status_text == in_part
    assert labels(card, "approvalRowState") == ["Not run", "Allowed"]
    assert all(not box.isEnabled() for box in boxes)
    card.resolve((Outcome("m1", (0, 2), (1,)),))  # the turn agrees: nothing changes
    assert labels(card, "approvalRowState") == ["Not run", "Allowed"]
    assert card.status_text == in_part


def test_changes_and_code_are_ticked_a_kill_is_not(
    qtbot: QtBot,
    make_card: MakeCard,
) -> None:
    call = pending(
        "m2",
        MULTI,
        multi(
            ("E2B_CREATE_SANDBOX", {"templateID": "base"}),
            ("E2B_DELETE_SANDBOXES", {"sandbox_id": "sbx_old"}),
        ),
    )
    code = pending("w1", "COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": "print('hi')"})
    card = make_card(call, code)
    boxes = card.findChildren(QCheckBox, "approvalItem")
    assert [box.isChecked() for box in boxes] == [True, False, True]
    assert card.approve_conversation_button.isEnabled()
    boxes[1].setChecked(True)
    assert not card.approve_conversation_button.isEnabled()
    boxes[1].setChecked(False)
    decisions = decide(qtbot, card, card.approve_conversation_button)
    assert decisions == (
        Decision("m2", {0: Scope.CONVERSATION}),
        Decision("w1", {0: Scope.CONVERSATION}),
    )


def test_code_is_shown_highlighted_as_plain_text(
    qtbot: QtBot,
    make_card: MakeCard,
) -> None:
    source = "import os\n# <b>not bold</b>\nprint(os.getcwd())"
    card = make_card(pending("w1", "COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": source}))
    [view] = card.findChildren(QPlainTextEdit, "approvalCode")
    assert view.toPlainText() == source and view.isReadOnly()
    assert labels(card, "approvalActionTitle") == ["Run Python code"]
    first = view.document().firstBlock()
    qtbot.waitUntil(lambda: bool(first.layout().formats()))  # "import" is a keyword
    bash = make_card(pending("b1", "COMPOSIO_REMOTE_BASH_TOOL", {"command": "rm -rf /tmp/x"}))
    [command] = bash.findChildren(QPlainTextEdit, "approvalCode")
    assert command.toPlainText() == "rm -rf /tmp/x"
    assert labels(bash, "approvalActionTitle") == ["Run a shell command"]


def test_hostile_text_is_shown_inert(qtbot: QtBot, make_card: MakeCard) -> None:
    html = '<b>bold</b><a href="javascript:alert(1)">click</a><img src="http://x/y.png">'
    huge = "A" * 1_000_000
    call = pending(
        "h1",
        "E2B_CREATE_SANDBOX",
        {"templateID": html, "metadata": "\x1b[31mred\x1b[0m \u202eevil", "notes": huge},
    )
    code = pending("w1", "COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": huge + "\n<script>"})
    started = time.perf_counter()
    card = make_card(call, code)
    qtbot.wait(50)
    assert time.perf_counter() - started < 3  # a megabyte never stalls the window
    for label in card.findChildren(QLabel):
        assert label.textFormat() is Qt.TextFormat.PlainText, label.objectName()
        assert len(label.text()) < 8_000, label.objectName()
        assert not label.openExternalLinks()
    [effect, _] = labels(card, "approvalEffect")
    assert html in effect  # the markup as characters
    arguments = labels(card, "approvalArguments")[0]
    assert "\x1b" not in arguments and "\\u001b[31mred" in arguments
    assert "\u202e" not in arguments and "\\u202eevil" in arguments
    assert "notes: AAAA" in arguments and "…" in arguments
    [view] = card.findChildren(QPlainTextEdit, "approvalCode")
    shown = view.toPlainText()
    assert len(shown) < 30_000 and "all of it runs" in shown


def test_stop_while_waiting_says_nothing_ran(qtbot: QtBot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.show()
    view.add_tool_call(ToolCallStarted("c0", "E2B_LIST_ALL_SANDBOXES", {}, ()))
    view.show_approval(ApprovalRequested((LIST_AND_TWO_KILLS,), RATES))
    [card] = view.findChildren(ApprovalCardWidget)
    with qtbot.assertNotEmitted(view.decision_made):
        view.end_turn()
    assert card.status_text == STOPPED_TEXT == "Not run: stopped"
    assert not card.approve_button.isEnabled() and not card.deny_button.isEnabled()
    assert labels(card, "approvalRowState") == ["Not run", "Not run"]
    card.deny_button.click()
    assert card.decisions is None


def test_the_card_follows_the_tool_card_of_its_call(qtbot: QtBot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    first = view.add_tool_call(ToolCallStarted("c1", "E2B_CREATE_SANDBOX", {}, ()))
    view.add_tool_call(ToolCallStarted("c2", "E2B_LIST_ALL_SANDBOXES", {}, ()))
    view.show_approval(ApprovalRequested((CREATE,), RATES))
    [card] = view.findChildren(ApprovalCardWidget)
    column = first.parentWidget().layout()
    assert column.indexOf(card) == column.indexOf(first) + 1
    with qtbot.waitSignal(view.decision_made) as signal:
        card.approve_button.click()
    assert signal.args[0] == (Decision("c1", {0: Scope.ONCE}),)
    view.show_approval(ApprovalResolved((Outcome("c1", (0,), ()),)))
    assert card.status_text == "Approved by you"
    assert view.items() and len(view.entries()) == 2  # the card is not a history entry
    view.clear()
    qtbot.waitUntil(lambda: not view.findChildren(ApprovalCardWidget))


def test_a_call_the_app_could_not_read_is_allowed_once_only(make_card: MakeCard) -> None:
    card = make_card(pending("u1", MULTI, {"tools": "not a list"}))
    assert card.approve_button.isEnabled()
    assert not card.approve_conversation_button.isEnabled()
    assert not card.approve_always_button.isEnabled()  # no rule for what cannot be read
    assert "once only" in card.approve_always_button.toolTip()
    card.approve_always_button.click()  # disabled: a click (say, by a script) does nothing
    assert card.decisions is None


def test_once_decided_the_code_is_left_to_its_cell_and_the_rest_stays(
    qtbot: QtBot, make_card: MakeCard
) -> None:
    for button in ("approve_button", "deny_button"):
        card = make_card(pending("w1", "COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": "1 + 1"}))
        [view] = card.findChildren(QPlainTextEdit, "approvalCode")
        assert view.isVisibleTo(card)
        decide(qtbot, card, getattr(card, button))
        assert not view.isVisibleTo(card)  # the cell above shows it, highlighted the same way
        assert labels(card, "approvalActionTitle") == ["Run Python code"]
        [effect] = card.findChildren(QLabel, "approvalEffect")
        assert effect.isVisibleTo(card)
