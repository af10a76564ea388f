"""The conversation on screen: a column of message widgets that follows the stream."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.chat.activity import Activity, ActivityWidget
from desktop.ui.chat.cell_requests import CellRequests
from desktop.ui.chat.empty_state import EmptyState, centred
from desktop.ui.chat.running_clock import RunningClock
from desktop.ui.chat.turn_actions import TurnActionsWidget
from desktop.ui.links import Links, UrlOpener
from desktop.ui.qt_values import focus_by_tab_only, no_horizontal_scroll_bar

if TYPE_CHECKING:
    # Imported when the first entry is built: an empty chat paints without them (first paint).
    from desktop.core.agent.events import (
        ApprovalRequested,
        ApprovalResolved,
        ToolCallFinished,
        ToolCallStarted,
    )
    from desktop.core.conversations.transcript import HistoryItem
    from desktop.core.errors import ErrorKind
    from desktop.ui.chat.approval_card import ApprovalCardWidget
    from desktop.ui.chat.history_entries import EntryWidget
    from desktop.ui.chat.message_widget import (
        AssistantMessageWidget,
        ErrorWidget,
        NoticeWidget,
        UserMessageWidget,
    )
    from desktop.ui.chat.tool_card import ToolCardWidget

COLUMN_MAX_WIDTH = 860
# A past conversation shows its newest entries, earlier ones when scrolled to or asked for.
HISTORY_PAGE = 40
REVEAL_MARGIN_PX = 12  # space above an entry brought to the top
LOAD_EARLIER_THRESHOLD_PX = 48
FOLLOW_THRESHOLD_PX = 24


class ChatView(QScrollArea):
    """User messages, replies (streamed), tool cards, approvals, errors and notices, in order;
    it keeps to the bottom while the user is there and leaves the scroll alone once they scroll up.
    """

    suggestion_chosen = Signal(str)
    regenerate_requested = Signal()
    edit_last_requested = Signal()
    decision_made = Signal(object)  # tuple[Decision, ...]: a person's answer on an approval card
    rules_requested = Signal()  # a card ran by a rule: the person wants to see the rules

    def __init__(
        self, parent: QWidget | None = None, *, url_opener: UrlOpener | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.running_clock = RunningClock(self)  # ticks every running tool card
        self.setAccessibleName("Conversation")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        no_horizontal_scroll_bar(self)
        # Tab reaches it to scroll by keyboard (Page Up/Down); a click on anything inside does
        # not take the focus from the message box (Qt gives it to the nearest ancestor that can).
        focus_by_tab_only(self)
        self.links = Links(url_opener)  # its hosts are set once the app knows its endpoints
        self.cells = CellRequests(self)  # what its code cells ask (save a file they left)
        self._entries: list[EntryWidget] = []
        self._streaming: AssistantMessageWidget | None = None
        self._cards: dict[str, ToolCardWidget] = {}
        self._approvals: list[ApprovalCardWidget] = []  # beside the entries: not history
        self._follow = True
        self._older: list[HistoryItem] = []
        self._anchor_from_bottom: int | None = None
        self._revealed: QWidget | None = None  # kept at the top until the user scrolls
        self._turn_actions_wanted = False

        canvas = self._canvas = QWidget(self)
        canvas.setObjectName("chatCanvas")
        self._column = QWidget(canvas)
        self._column.setObjectName("chatColumn")
        self._column.setMaximumWidth(COLUMN_MAX_WIDTH)
        self._column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._layout = QVBoxLayout(self._column)
        self._layout.setContentsMargins(24, 20, 24, 20)
        self._layout.setSpacing(14)
        self._earlier_button = QPushButton(self._column)
        self._earlier_button.setObjectName("showEarlierButton")
        self._earlier_button.setAccessibleName("Show earlier messages")
        self._earlier_button.clicked.connect(self._on_earlier_button_clicked)
        focus_by_tab_only(self._earlier_button)  # the box keeps it
        self._earlier_button.hide()
        self._layout.addLayout(centred(self._earlier_button))
        self._empty = EmptyState(self._column)
        self._empty.suggestion_chosen.connect(self.suggestion_chosen)
        self._layout.addWidget(self._empty)
        self._turn_actions = TurnActionsWidget(self._column)
        self.regenerate_button = self._turn_actions.regenerate_button
        self.regenerate_button.clicked.connect(self.regenerate_requested)
        self.edit_last_button = self._turn_actions.edit_last_button
        self.edit_last_button.clicked.connect(self.edit_last_requested)
        self._layout.addWidget(self._turn_actions)
        self.activity = ActivityWidget(self._column)  # under the entries: what is awaited
        self._layout.addWidget(self.activity)
        self._layout.addStretch(1)
        row = QHBoxLayout(canvas)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(0)
        row.addWidget(self._column, 1)
        row.addStretch(0)
        self.setWidget(canvas)

        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_scrollbar_range_changed)
        bar.valueChanged.connect(self._on_scrollbar_value_changed)
        bar.actionTriggered.connect(self._on_scrollbar_action_triggered)

    def set_turn_actions_visible(self, visible: bool) -> None:
        """Offer Regenerate / Edit under the last turn (when there is one and nothing runs)."""
        self._turn_actions_wanted = visible
        self._update_turn_actions()

    def _update_turn_actions(self) -> None:
        self._turn_actions.setVisible(self._turn_actions_wanted and bool(self._entries))

    @property
    def turn_actions_shown(self) -> bool:
        return not self._turn_actions.isHidden()

    def last_prompt(self) -> str | None:
        """The text of the newest user message on screen (or not built yet)."""
        from desktop.ui.chat.history_entries import last_prompt

        return last_prompt(self._entries, self._older)

    # -- reading -----------------------------------------------------------------------------
    def entries(self) -> list[EntryWidget]:
        return list(self._entries)

    def items(self) -> list[HistoryItem]:
        """The conversation as records (what `load_history` takes), shown or not yet."""
        return [*self._older, *(entry.record() for entry in self._entries)]

    @property
    def earlier_count(self) -> int:
        """Entries of a loaded history not built yet (above the first one shown)."""
        return len(self._older)

    def tool_card(self, call_id: str) -> ToolCardWidget | None:
        return self._cards.get(call_id)

    @property
    def streaming_message(self) -> AssistantMessageWidget | None:
        return self._streaming

    @property
    def is_following(self) -> bool:
        """True while the view sticks to the newest content."""
        return self._follow

    # -- writing -----------------------------------------------------------------------------
    def add_user_message(self, text: str) -> UserMessageWidget:
        from desktop.ui.chat.message_widget import UserMessageWidget

        self._end_stretch()
        widget = UserMessageWidget(text, self._column)
        self._add(widget)
        self.scroll_to_bottom()  # the user just sent something: show it and what follows
        return widget

    def append_assistant_text(self, text: str) -> None:
        """Streamed text: goes into the reply being written, started here if needed."""
        if not text:
            return
        if self._streaming is None:
            from desktop.ui.chat.message_widget import AssistantMessageWidget

            self._streaming = AssistantMessageWidget(
                url_opener=self.links.opener, parent=self._column
            )
            self._add(self._streaming)
        self._streaming.append(text)

    def add_tool_call(self, started: ToolCallStarted) -> ToolCardWidget:
        from desktop.ui.chat.call_widgets import call_widget  # a code cell, or a tool card

        self._end_stretch()
        card = call_widget(started, self._column, self.links, self.running_clock, self.cells)
        self._track(card)
        self._add(card)
        return card

    def finish_tool_call(self, finished: ToolCallFinished) -> None:
        card = self._cards.get(finished.call_id)
        if card is None:  # a result without a start: still show it
            from desktop.core.agent.events import ToolCallStarted

            card = self.add_tool_call(ToolCallStarted(finished.call_id, finished.tool_name, {}, ()))
        card.finish(finished)

    def show_approval(self, event: ApprovalRequested | ApprovalResolved) -> None:
        """A card asking about the waiting calls, after their tool cards; or what was decided."""
        from desktop.core.agent.events import ApprovalResolved
        from desktop.ui.chat.approval_card import ApprovalCardWidget

        if isinstance(event, ApprovalResolved):
            for waiting in self._approvals:
                waiting.resolve(event.outcomes)
            for o in (o for o in event.outcomes if o.call_id in self._cards):
                self._cards[o.call_id].decided(o.note)
            return
        self._end_stretch()
        card = ApprovalCardWidget(event.calls, self._column, rates=event.rates)
        card.decided.connect(self.decision_made)
        self._approvals.append(card)
        tool_cards = [self._cards[c.call_id] for c in event.calls if c.call_id in self._cards]
        for tool_card in tool_cards:
            tool_card.wait_for_decision()
        after = self._layout.indexOf(tool_cards[-1]) + 1 if tool_cards else 0
        self._layout.insertWidget(after or self._layout.indexOf(self._turn_actions), card)
        self._empty.hide()
        card.claim_focus()

    def add_error(self, message: str, kind: ErrorKind | None = None) -> ErrorWidget:
        from desktop.ui.chat.message_widget import ErrorWidget

        self._end_stretch()
        widget = ErrorWidget(message, kind, self._column)
        self._add(widget)
        return widget

    def add_notice(self, text: str) -> NoticeWidget:
        from desktop.ui.chat.message_widget import NoticeWidget

        self._end_stretch()
        widget = NoticeWidget(text, self._column)
        self._add(widget)
        return widget

    def show_activity(self, activity: Activity | None, held: str | None = None) -> None:
        """Under the last entry: a prompt `held` until the app can send it, what is awaited."""
        self.activity.show_state(activity, held)
        self._empty.setVisible(not self._entries and held is None)

    def end_turn(self) -> None:
        """The turn is over: finish the reply and mark calls that never returned."""
        self._end_stretch()
        for card in self._cards.values():
            if card.is_running:
                card.interrupt()
        for approval in self._approvals:
            approval.stop()  # still waiting: nothing was run

    def clear(self) -> None:
        self._streaming = None
        self._cards.clear()
        for entry in self._entries:
            self._layout.removeWidget(entry)
            entry.hide()
            entry.deleteLater()
        for approval in self._approvals:
            self._layout.removeWidget(approval)
            approval.deleteLater()
        self._entries.clear()
        self._approvals.clear()
        self._older = []
        self._anchor_from_bottom = None
        self._revealed = None
        self._update_earlier_button()
        self._update_turn_actions()
        self._empty.show()
        self._follow = True

    def load_history(self, items: Iterable[HistoryItem]) -> None:
        """Show a past conversation, replacing what is shown; the newest entries first."""
        self.clear()
        records = list(items)
        split = max(0, len(records) - HISTORY_PAGE)
        self._older = records[:split]
        self._canvas.setUpdatesEnabled(False)
        try:
            for record in records[split:]:
                self._add(self._make_widget(record))
        finally:
            self._canvas.setUpdatesEnabled(True)
        self._update_earlier_button()
        self.scroll_to_bottom()

    def show_earlier(self, count: int = HISTORY_PAGE) -> int:
        """Build up to `count` more entries above the first one; what is on screen stays put."""
        if not self._older:
            return 0
        page = self._older[-count:]
        del self._older[-count:]
        bar = self.verticalScrollBar()
        self._anchor_from_bottom = bar.maximum() - bar.value()
        self._follow = False
        index = self._layout.indexOf(self._entries[0] if self._entries else self._turn_actions)
        widgets = [self._make_widget(record) for record in page]
        for offset, widget in enumerate(widgets):
            self._layout.insertWidget(index + offset, widget)
        self._entries[0:0] = widgets
        self._empty.hide()
        self._update_earlier_button()
        self._update_turn_actions()
        return len(widgets)

    def reveal(self, index: int) -> bool:
        """Bring entry `index` of the history (built or not yet) to the top; False if none."""
        from desktop.ui.chat.history_entries import mark_only

        if index < len(self._older):
            self.show_earlier(len(self._older) - index)
        position = index - len(self._older)
        if not 0 <= position < len(self._entries):
            return False
        self._revealed = self._entries[position]
        self._anchor_from_bottom = None
        self._follow = False
        self._scroll_to_revealed()
        mark_only(self._entries, self._revealed)  # until the conversation is shown again
        return True

    def _scroll_to_revealed(self) -> None:
        target = self._revealed
        if target is not None:
            top = target.mapTo(self._canvas, QPoint(0, 0)).y()
            self.verticalScrollBar().setValue(max(0, top - REVEAL_MARGIN_PX))

    def _update_earlier_button(self) -> None:
        self._earlier_button.setText(f"Show earlier messages ({len(self._older)})")
        self._earlier_button.setVisible(bool(self._older))

    def _on_earlier_button_clicked(self) -> None:
        self.show_earlier()

    def _make_widget(self, item: HistoryItem) -> EntryWidget:
        from desktop.ui.chat.history_entries import entry_widget
        from desktop.ui.chat.tool_card import ToolCardWidget

        widget = entry_widget(item, self._column, self.links, self.cells)
        if isinstance(widget, ToolCardWidget):
            self._track(widget)
        return widget

    def _track(self, card: ToolCardWidget) -> None:
        self._cards[card.started.call_id] = card
        card.rules_requested.connect(self.rules_requested)

    def _add(self, widget: EntryWidget) -> None:
        self._empty.hide()
        self._entries.append(widget)
        self._layout.insertWidget(self._layout.indexOf(self._turn_actions), widget)  # above them
        if self._turn_actions_wanted and self._turn_actions.isHidden():
            self._update_turn_actions()

    def _end_stretch(self) -> None:
        if self._streaming is not None:
            self._streaming.finish()
            self._streaming = None

    # -- following the stream ----------------------------------------------------------------
    def scroll_to_bottom(self) -> None:
        self._follow = True
        self._anchor_from_bottom = None
        self._revealed = None
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._revealed is not None:  # entries are still being laid out: keep it in place
            self._scroll_to_revealed()
        elif self._anchor_from_bottom is not None:  # entries were added above: keep the view
            self.verticalScrollBar().setValue(maximum - self._anchor_from_bottom)
        elif self._follow:
            self.verticalScrollBar().setValue(maximum)

    def _on_scrollbar_action_triggered(self, _action: int) -> None:
        # The user scrolls: stop holding the view, and build earlier entries near the top.
        self._anchor_from_bottom = None
        self._revealed = None
        bar = self.verticalScrollBar()
        if self._older and bar.sliderPosition() <= LOAD_EARLIER_THRESHOLD_PX:
            QTimer.singleShot(0, self, self.show_earlier)

    def _on_scrollbar_value_changed(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - FOLLOW_THRESHOLD_PX
