"""The approval card: the actions the agent waits to run, a person's answer, what was decided.

One card per `ApprovalRequested`, inline after the tool card of the call. Each action that needs
a person is a row: its name in words and as a slug, what it does and costs, its arguments, its
code highlighted. With several rows each has a check box (`approvalItem`): changes and code are
ticked, destructive actions are not. The buttons answer for the ticked rows: once, for this
conversation (not for a destructive action: the policy asks about those every time), always (a
rule; a destructive one is confirmed in a second dialog), or deny with an optional reason.
The card then turns read-only and says what was decided; a turn stopped first says so.

Nothing here approves by itself: no timer, and for a destructive action the focused, default
button is Deny and Enter on an Allow button does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.consent.approvals import (
    Decision,
    Outcome,
    PendingCall,
    Scope,
    decided_note,
    scopes_for,
)
from desktop.core.consent.policy import Action, Kind
from desktop.core.consent.words import (
    ONCE_ONLY,
    STOPPED_TEXT,
    argument_lines,
    breakable,
    effect_of,
    language_of,
    title_of,
)
from desktop.core.inert import inert
from desktop.core.router.types import MULTI_EXECUTE_TOOL
from desktop.ui.chat.approval_dialogs import confirm_always
from desktop.ui.chat.code_view import CodeView
from desktop.ui.chat.labels import plain_label

REASON_MAX_CHARS = 500


@dataclass
class _Row:
    call: int  # index into the card's calls
    index: int  # the action's index in its call
    action: Action
    box: QCheckBox | None  # None when the card asks about one action only
    state: QLabel
    widget: QFrame

    @property
    def ticked(self) -> bool:
        return self.box is None or self.box.isChecked()


class ApprovalCardWidget(QFrame):
    """Asks a person about the actions of the waiting calls; emits one `Decision` per call."""

    decided = Signal(object)  # tuple[Decision, ...], once

    def __init__(
        self,
        calls: tuple[PendingCall, ...],
        parent: QWidget | None = None,
        *,
        rates: SandboxRates,  # the settings' sandbox prices: what an effect says it costs
    ) -> None:
        super().__init__(parent)
        self.setObjectName("approvalCard")
        self.calls = calls
        self.rates = rates
        self.decisions: tuple[Decision, ...] | None = None
        self.stopped = False
        self.destructive = any(call.destructive for call in calls)
        self.setProperty("destructive", self.destructive)
        self._code_views: list[CodeView] = []  # the code views, coloured
        self.confirm_box: QMessageBox | None = None
        asked = [
            (c, i, action)
            for c, call in enumerate(calls)
            for i, (action, ask) in enumerate(zip(call.actions, call.asked, strict=True))
            if ask
        ]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        heading = "The agent waits for your decision"
        if self.destructive:
            heading += ": this would delete something for good"
        self.heading = plain_label(heading, "approvalHeading", self)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.rows = [self._build_row(c, i, a, several=len(asked) > 1) for c, i, a in asked]
        for row in self.rows:
            layout.addWidget(row.widget)
        silent = [
            f"{title_of(action)} ({inert(action.slug)})"
            for call in calls
            for action, ask in zip(call.actions, call.asked, strict=True)
            if not ask
        ]
        if silent:
            also = plain_label("Runs without asking: " + "; ".join(silent), "approvalAlso", self)
            also.setWordWrap(True)
            layout.addWidget(also)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("denyReason")
        self.reason_edit.setPlaceholderText("Reason to deny (optional, told to the agent)")
        self.reason_edit.setAccessibleName("Reason to deny")
        self.reason_edit.setMaxLength(REASON_MAX_CHARS)
        self.reason_edit.returnPressed.connect(self._on_deny_button_clicked)
        layout.addWidget(self.reason_edit)
        self.approve_button = self._button("Allow once", "approveButton")
        self.approve_conversation_button = self._button(
            "Allow for this conversation", "approveConversationButton"
        )
        self.approve_always_button = self._button("Always allow", "approveAlwaysButton")
        self.deny_button = self._button("Deny", "denyButton")
        self.approve_button.clicked.connect(self._on_approve_button_clicked)
        self.approve_conversation_button.clicked.connect(
            self._on_approve_conversation_button_clicked
        )
        self.approve_always_button.clicked.connect(self._on_approve_always_button_clicked)
        self.deny_button.clicked.connect(self._on_deny_button_clicked)
        self._buttons = QWidget(self)
        self._buttons.setObjectName("approvalButtons")
        buttons = QHBoxLayout(self._buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(6)
        for button in (
            self.approve_button,
            self.approve_conversation_button,
            self.approve_always_button,
        ):
            button.setParent(self._buttons)
            buttons.addWidget(button)
            # Enter on a focused Allow button approves only when nothing is destroyed.
            button.setAutoDefault(not self.destructive)
        buttons.addStretch(1)
        self.deny_button.setParent(self._buttons)
        buttons.addWidget(self.deny_button)
        self.deny_button.setAutoDefault(True)
        (self.deny_button if self.destructive else self.approve_button).setDefault(True)
        layout.addWidget(self._buttons)
        self.status_label = plain_label("", "approvalStatus", self)
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        layout.addWidget(self.status_label)
        self.setAccessibleName(heading)
        self._update_buttons()

    # -- building ----------------------------------------------------------------------------
    def _button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text)
        return button

    def _build_row(self, call: int, index: int, action: Action, *, several: bool) -> _Row:
        row = QFrame(self)
        row.setObjectName("approvalRow")  # with several, each row's check box is `approvalItem`
        row.setProperty("kind", action.kind.value)
        layout = QVBoxLayout(row)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(3)
        title, slug = title_of(action), inert(action.slug)
        top = QHBoxLayout()
        top.setSpacing(8)
        box: QCheckBox | None = None
        if several:
            # A button's text makes "&" a shortcut: doubled, it is shown as it is.
            box = QCheckBox(title.replace("&", "&&"), row)
            box.setObjectName("approvalItem")
            box.setAccessibleName(f"{title} ({slug})")
            box.setChecked(action.kind is not Kind.DESTRUCTIVE)
            box.toggled.connect(self._update_buttons)
            top.addWidget(box)
        else:
            top.addWidget(plain_label(title, "approvalActionTitle", row))
        slug_label = plain_label(slug, "approvalSlug", row)
        slug_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(slug_label)
        top.addStretch(1)
        state = plain_label("", "approvalRowState", row)
        state.hide()
        top.addWidget(state)
        layout.addLayout(top)
        effect = plain_label(breakable(effect_of(action, self.rates)), "approvalEffect", row)
        effect.setWordWrap(True)
        layout.addWidget(effect)
        lines = argument_lines(action)
        if lines:
            text = "\n".join(f"{name}: {value}" for name, value in lines)
            arguments = plain_label(breakable(text), "approvalArguments", row)
            arguments.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            arguments.setWordWrap(True)
            arguments.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(arguments)
        if action.code is not None:
            # The same highlighted view as the code cell shows once it runs.
            code = CodeView(action.code, language_of(action), row, object_name="approvalCode")
            code.setAccessibleName("Code to run")
            self._code_views.append(code)
            layout.addWidget(code)
        return _Row(call, index, action, box, state, row)

    # -- the choice --------------------------------------------------------------------------
    @property
    def waiting(self) -> bool:
        return self.decisions is None and not self.stopped

    def ticked(self) -> list[_Row]:
        return [row for row in self.rows if row.ticked]

    def _offers(self, scope: Scope) -> bool:
        """Whether every ticked action may be allowed that long (`consent.scopes_for`)."""
        ticked = self.ticked()
        return self.waiting and bool(ticked) and all(scope in scopes_for(r.action) for r in ticked)

    def _update_buttons(self) -> None:
        self.approve_button.setEnabled(self._offers(Scope.ONCE))
        self.approve_conversation_button.setEnabled(self._offers(Scope.CONVERSATION))
        self.approve_always_button.setEnabled(self._offers(Scope.ALWAYS))
        unread = any(row.action.slug == MULTI_EXECUTE_TOOL for row in self.ticked())
        self.approve_conversation_button.setToolTip(
            ONCE_ONLY
            if unread
            else "A destructive action is asked about every time: allow it once, or always"
            if any(row.action.kind is Kind.DESTRUCTIVE for row in self.ticked())
            else "Allow these actions without asking again until you open another conversation"
        )
        self.approve_always_button.setToolTip(
            ONCE_ONLY
            if unread
            else "Make a rule: never ask about these actions again (revoke it in Settings)"
        )

    def claim_focus(self) -> None:
        """Shown: for a destructive action, focus Deny (a stray key never approves)."""
        if self.destructive and self.waiting:
            self.deny_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_approve_button_clicked(self) -> None:
        self._allow(Scope.ONCE)

    def _on_approve_conversation_button_clicked(self) -> None:
        if self._offers(Scope.CONVERSATION):
            self._allow(Scope.CONVERSATION)

    def _on_approve_always_button_clicked(self) -> None:
        destroying = [row.action for row in self.ticked() if row.action.kind is Kind.DESTRUCTIVE]
        if not self._offers(Scope.ALWAYS):
            return
        if not destroying:
            self._allow(Scope.ALWAYS)
        elif self.confirm_box is None:
            slugs = ", ".join(dict.fromkeys(inert(action.slug) for action in destroying))
            self.confirm_box = confirm_always(self, slugs, self._on_always_confirmed)
            self.confirm_box.finished.connect(self._on_confirm_box_finished)

    def _on_always_confirmed(self) -> None:
        self._allow(Scope.ALWAYS)

    def _on_confirm_box_finished(self, _result: int) -> None:
        self.confirm_box = None

    def _on_deny_button_clicked(self) -> None:
        if self.waiting:
            reason = self.reason_edit.text().strip()
            self._finish(tuple(Decision.deny(call, reason) for call in self.calls))

    def _allow(self, scope: Scope) -> None:
        ticked = self.ticked()
        if not self.waiting or not ticked:
            return
        reason = self.reason_edit.text().strip()  # for the actions left out, if any
        self._finish(
            tuple(
                Decision(call.call_id, {r.index: scope for r in ticked if r.call == c}, reason)
                for c, call in enumerate(self.calls)
            )
        )

    def _finish(self, decisions: tuple[Decision, ...]) -> None:
        self.decisions = decisions
        allowed = {(d.call_id, i) for d in decisions for i in d.allowed}
        for row in self.rows:
            ran = (self.calls[row.call].call_id, row.index) in allowed
            self._set_row_state(row, "Allowed" if ran else "Not run")
        self._read_only(inert(decided_note(self.calls, decisions)))  # the core's words
        self.decided.emit(decisions)

    # -- afterwards --------------------------------------------------------------------------
    def stop(self) -> None:
        """The turn ended while the card waited (Stop): nothing was run."""
        if not self.waiting:
            return
        self.stopped = True
        for row in self.rows:
            self._set_row_state(row, "Not run")
        self._read_only(STOPPED_TEXT)

    def resolve(self, outcomes: tuple[Outcome, ...]) -> None:
        """What the turn did with the decision: each row says whether its action runs."""
        by_id = {outcome.call_id: outcome for outcome in outcomes}
        mine = [by_id[call.call_id] for call in self.calls if call.call_id in by_id]
        if not mine:
            return
        for row in self.rows:
            outcome = by_id.get(self.calls[row.call].call_id)
            if outcome is not None:
                self._set_row_state(row, "Allowed" if row.index in outcome.ran else "Not run")
        notes = " · ".join(dict.fromkeys(outcome.note for outcome in mine if outcome.note))
        if notes:  # the core's words, as on the tool card (what the click showed, or the stop)
            self._read_only(inert(notes))

    @property
    def status_text(self) -> str:
        return self.status_label.text()

    def _set_row_state(self, row: _Row, text: str) -> None:
        row.state.setText(text)
        row.state.setProperty("state", "allowed" if text == "Allowed" else "not-run")
        row.state.style().unpolish(row.state)
        row.state.style().polish(row.state)
        row.state.show()

    def _read_only(self, text: str) -> None:
        if self.confirm_box is not None:
            self.confirm_box.done(0)
        self._update_buttons()
        for row in self.rows:
            if row.box is not None:
                row.box.setEnabled(False)
        self.reason_edit.setEnabled(False)
        self.reason_edit.hide()
        self._buttons.setEnabled(False)
        self._buttons.hide()
        for code in self._code_views:  # its cell above shows the same code, run or not
            code.hide()
        self.heading.setText("The agent asked before it acted")
        self.setAccessibleName(f"{self.heading.text()}: {text}")
        self.status_label.setText(text)
        self.status_label.setAccessibleName(text)
        self.status_label.show()
        self.setProperty("decided", True)
        self.style().unpolish(self)
        self.style().polish(self)
