"""One tool call as a card: the E2B action, its arguments, a timer while it runs, the outcome."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.agent.connect_links import ComposioHosts
from desktop.core.agent.events import (
    ToolCallFinished,
    ToolCallStarted,
    ToolOutcome,
    interrupted_call,
)
from desktop.core.consent.approvals import STOPPED_NOTE
from desktop.core.consent.policy import RULE_NOTE
from desktop.core.conversations.transcript import (
    OUTCOMES,
    ToolCallItem,
    action_title,
    compact_arguments,
    format_elapsed,
    full_arguments,
    result_preview,
    shown_outcome,
)
from desktop.core.inert import inert
from desktop.core.sandboxes.results import rich_parts
from desktop.ui.chat.connect_links import ConnectLinksWidget
from desktop.ui.chat.labels import keeps_focus, plain_label
from desktop.ui.chat.long_text import LongTextView
from desktop.ui.chat.rich_result import RichResultWidget
from desktop.ui.chat.running_clock import RunningClock
from desktop.ui.links import Links


class SpinnerWidget(QWidget):
    """A small turning arc; it only animates while shown and running."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolSpinner")
        self.setFixedSize(14, 14)
        self._angle = 0

    def sizeHint(self) -> QSize:
        return QSize(14, 14)

    def advance(self) -> None:
        self._angle = (self._angle + 30) % 360
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(1.5, 1.5, self.width() - 3.0, self.height() - 3.0)
        painter.setPen(QPen(QColor("#d9dde3"), 2))
        painter.drawEllipse(rect)
        pen = QPen(QColor("#2457d6"), 2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawArc(rect, -self._angle * 16, 100 * 16)
        painter.end()


def _monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class ToolCardWidget(QFrame):
    """A tool call: running (spinner and elapsed seconds), then its coloured outcome, a result
    that is collapsed until asked for, and a button per Connect Link ("Action needed" until it is
    opened). All text is plain text.

    While it runs, `clock` ticks it: the chat view's one clock for all its running cards (a
    card made without one has its own)."""

    rules_requested = Signal()  # "Manage rules…" on a call a rule let run

    def __init__(
        self,
        started: ToolCallStarted,
        *,
        links: Links | None = None,
        parent: QWidget | None = None,
        clock: RunningClock | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("toolCard")
        self.started = started
        self.finished: ToolCallFinished | None = None
        self._links = links or Links()
        self._details: QWidget | None = None
        self._result_view: LongTextView | None = None
        self._show_all: QPushButton | None = None
        self.rich_result: RichResultWidget | None = None  # a table, chart or log lines first

        self.spinner = SpinnerWidget(self)
        self.status_icon = plain_label("", "toolStatusIcon", self)
        self.status_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_icon.setFixedSize(16, 16)
        self.status_icon.hide()
        self.title_label = plain_label(action_title(started), "toolTitle", self)
        self.arguments_label = plain_label(inert(compact_arguments(started)), "toolArguments", self)
        self.arguments_label.setMinimumWidth(20)
        self.elapsed_label = plain_label(format_elapsed(0), "toolElapsed", self)
        self.outcome_label = plain_label("Running", "toolOutcome", self)
        # Why E2B actions inside the call failed: said on the card, not only in the raw result.
        self.errors_label = plain_label("", "toolErrors", self)
        self.errors_label.setWordWrap(True)
        self.errors_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.errors_label.hide()
        # Who decided that it ran or not ("Approved by you", "Allowed by your rule: ...").
        self.consent_label = plain_label(started.consent, "toolConsent", self)
        self.consent_label.setWordWrap(True)
        self.consent_label.setVisible(bool(started.consent))
        # A call a rule let run: the rules are one click away (Settings > Permissions).
        self.rules_button = QToolButton(self)
        self.rules_button.setObjectName("manageRulesButton")
        self.rules_button.setText("Manage rules…")
        self.rules_button.setAccessibleName("Manage the rules in Settings")
        self.rules_button.clicked.connect(self.rules_requested)
        self.rules_button.setVisible(started.consent.startswith(RULE_NOTE))
        self._seconds: float | None = None
        self._waiting = False  # a person is asked before it runs
        self.outcome_label.setProperty("outcome", "running")
        self.toggle_button = QToolButton(self)
        self.toggle_button.setObjectName("toggleResultButton")
        self.toggle_button.setCheckable(True)
        self.toggle_button.setText("Show details")
        self.toggle_button.setAccessibleName(f"Show details of {self.title_label.text()}")
        self.toggle_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle_button.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle_button.toggled.connect(self._on_toggle_button_toggled)
        # A result shown richly keeps its raw JSON behind this (the same details, relabelled).
        self.show_raw_button = QToolButton(self)
        self.show_raw_button.setObjectName("showRawButton")
        self.show_raw_button.setCheckable(True)
        self.show_raw_button.setText("Show raw")
        self.show_raw_button.setAccessibleName(f"Show the raw result of {self.title_label.text()}")
        self.show_raw_button.toggled.connect(self.toggle_button.setChecked)
        self.show_raw_button.hide()
        keeps_focus(self.toggle_button, self.rules_button, self.show_raw_button)

        header = QHBoxLayout()
        header.setSpacing(8)
        header.addWidget(self.spinner)
        header.addWidget(self.status_icon)
        header.addWidget(self.title_label)
        header.addWidget(self.arguments_label, 1)
        header.addWidget(self.elapsed_label)
        header.addWidget(self.outcome_label)
        self._actions_row = QHBoxLayout()
        self._actions_row.setSpacing(8)
        self._actions_row.addWidget(self.toggle_button)
        self._actions_row.addWidget(self.show_raw_button)
        self._actions_row.addWidget(self.rules_button)
        self._actions_row.addStretch(1)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 8, 12, 8)
        self._layout.setSpacing(4)
        self._layout.addLayout(header)
        self._layout.addWidget(self.errors_label)
        self._layout.addWidget(self.consent_label)
        self._rich_slot = QVBoxLayout()
        self._rich_slot.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(self._rich_slot)
        self._layout.addLayout(self._actions_row)
        self.connect_links = ConnectLinksWidget(self._links, self)
        self._layout.addWidget(self.connect_links)
        self.setAccessibleName(f"Tool call {self.title_label.text()}")

        self._clock = clock = clock or RunningClock(self)
        self._started_at = clock.add(self)
        # A card deleted while it runs (the chat was cleared) is ticked no more.
        self.destroyed.connect(lambda *_: clock.remove(self))

    # -- state -------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.finished is None

    @property
    def outcome(self) -> ToolOutcome | None:
        return self.finished.outcome if self.finished else None

    @property
    def connect_buttons(self) -> list[QPushButton]:
        return list(self.connect_links.buttons)

    @property
    def is_expanded(self) -> bool:
        return self.toggle_button.isChecked()

    def record(self) -> ToolCallItem:
        return ToolCallItem.of(self.started, self.finished, self._seconds)

    def tick(self, now: float) -> None:
        """The clock's tick while the call runs: the spinner turns, the seconds count."""
        self.spinner.advance()
        self.elapsed_label.setText(format_elapsed(max(0.0, now - self._started_at)))

    def finish(self, finished: ToolCallFinished, *, elapsed: float | None = None) -> None:
        """Show the outcome; `elapsed` is given for calls loaded from history."""
        self.finished = finished
        ended = self._clock.remove(self)
        seconds = ended - self._started_at if elapsed is None else elapsed
        self._seconds = seconds if seconds > 0 else None
        self.elapsed_label.setText(format_elapsed(seconds, precise=True))
        self.errors_label.setText(inert("\n".join(finished.errors)))
        self.errors_label.setVisible(bool(finished.errors))
        self.errors_label.setAccessibleName("Failed actions: " + "; ".join(finished.errors))
        self.elapsed_label.setVisible(elapsed is None or elapsed > 0)
        offers = (self._links.hosts or ComposioHosts()).offers(finished.connect_links)
        outcome = shown_outcome(finished, offers)
        style = OUTCOMES.get(outcome, OUTCOMES["failed"])
        self.spinner.hide()
        self.status_icon.setText(style.symbol)
        self.status_icon.show()
        self.outcome_label.setText(style.label)
        for label in (self.outcome_label, self.status_icon):
            label.setProperty("outcome", outcome)
        self.setProperty("outcome", outcome)
        self._repolish(self, self.outcome_label, self.status_icon)
        self.toggle_button.setText("Show result")
        self.toggle_button.setAccessibleName(f"Show result of {self.title_label.text()}")
        self.connect_links.show_offers(offers)
        self._show_rich()
        if self._result_view is not None:
            self._fill_result()

    def _show_rich(self) -> None:
        """A result that is a sandbox list, one sandbox, metrics or logs: shown as such first,
        its raw JSON behind Show raw."""
        assert self.finished is not None
        parts = rich_parts(self.started.tool_name, self.started.actions, self.finished.result_text)
        if self.rich_result is not None:
            self.rich_result.deleteLater()
            self.rich_result = None
        rich = bool(parts)
        if rich:
            self.rich_result = RichResultWidget(parts, self)
            self._rich_slot.addWidget(self.rich_result)
        self.toggle_button.setVisible(not rich)
        self.show_raw_button.setVisible(rich)

    def wait_for_decision(self) -> None:
        """Nothing runs until a person decides: the card says so, its clock waits."""
        if self.finished is None:
            self._waiting = True
            self._clock.remove(self)
            self.outcome_label.setText("Waiting for you")
            self.outcome_label.setProperty("outcome", "waiting")
            self._repolish(self.outcome_label)

    def decided(self, note: str) -> None:
        """A person decided (`note` says what); what was allowed runs now."""
        self._waiting = False
        self.consent_label.setText(note)
        self.consent_label.setVisible(bool(note))
        self.rules_button.setVisible(note.startswith(RULE_NOTE))
        if self.finished is None:
            self.outcome_label.setText("Running")
            self.outcome_label.setProperty("outcome", "running")
            self._repolish(self.outcome_label)
            self._started_at = self._clock.add(self)

    def interrupt(self) -> None:
        """The turn ended while this call still ran (stopped, failed): say so."""
        if self._waiting:  # it never ran: nobody decided
            self.decided(STOPPED_NOTE)
        if self.finished is None:
            self.finish(interrupted_call(self.started))

    @staticmethod
    def _repolish(*widgets: QWidget) -> None:
        for widget in widgets:
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    # -- details -----------------------------------------------------------------------------
    def _on_toggle_button_toggled(self, checked: bool) -> None:
        self.toggle_button.setArrowType(
            Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow
        )
        what = "result" if self.finished else "details"
        verb = "Hide" if checked else "Show"
        self.toggle_button.setText(f"{verb} {what}")
        self.show_raw_button.setChecked(checked)
        self.show_raw_button.setText("Hide raw" if checked else "Show raw")
        if checked and self._details is None:
            self._build_details()
        if self._details is not None:
            self._details.setVisible(checked)

    def set_expanded(self, expanded: bool) -> None:
        self.toggle_button.setChecked(expanded)

    def _build_details(self) -> None:
        details = QWidget(self)
        details.setObjectName("toolDetails")
        layout = QVBoxLayout(details)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(plain_label("Arguments", "toolSectionLabel", details))
        shown = inert(full_arguments(self.started)[:4000])
        arguments = plain_label(shown, "toolArgumentsFull", details)
        arguments.setFont(_monospace())
        arguments.setWordWrap(True)
        arguments.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(arguments)
        layout.addWidget(plain_label("Result", "toolSectionLabel", details))
        result = LongTextView(details)  # a result of any size shows without freezing
        result.setObjectName("toolResult")
        result.setAccessibleName("Tool result")
        result.setFont(_monospace())
        result.setMaximumHeight(280)
        layout.addWidget(result)
        show_all = QPushButton(details)
        show_all.setObjectName("showAllButton")
        show_all.setAccessibleName("Show the whole result")
        show_all.clicked.connect(self._on_show_all_clicked)
        keeps_focus(show_all)
        layout.addWidget(show_all, 0, Qt.AlignmentFlag.AlignLeft)
        self._details, self._result_view, self._show_all = details, result, show_all
        self._layout.addWidget(details)
        self._fill_result()

    def _fill_result(self) -> None:
        assert self._result_view is not None and self._show_all is not None
        if self.finished is None:
            self._result_view.set_text("Waiting for the result…")
            self._show_all.hide()
            return
        text = self.finished.result_text or "(no result)"
        preview, truncated = result_preview(text)
        # From the tool: controls and direction marks written out, as everywhere text from
        # outside is shown (a right-to-left override reordered a result; ESC sequences hid).
        self._result_view.set_text(inert(preview))
        self._show_all.setText(f"Show all ({len(text):,} characters)")
        self._show_all.setVisible(truncated)

    def _on_show_all_clicked(self) -> None:
        if self._result_view is not None and self.finished is not None:
            self._result_view.set_text(inert(self.finished.result_text))
            self._result_view.setMaximumHeight(520)
        if self._show_all is not None:
            self._show_all.hide()

    @property
    def result_text_shown(self) -> str:
        """What the result box shows now (empty while collapsed and never opened)."""
        return self._result_view.text() if self._result_view is not None else ""
