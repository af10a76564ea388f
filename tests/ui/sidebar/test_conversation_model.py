"""The sidebar's models and their text helpers: paging, moves, renames, times, safe snippets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core.conversations.history import PENDING_NOTICE, STOPPED_NOTICE, items_from_turns
from desktop.core.store.highlight import HIGHLIGHT_END, HIGHLIGHT_START
from desktop.core.store.records import ConversationSummary, SearchHit
from desktop.ui.sidebar.conversation_model import (
    ID_ROLE,
    SNIPPET_ROLE,
    TIME_ROLE,
    WAITING_ROLE,
    ConversationListModel,
    SearchResultsModel,
    relative_time,
    snippet_html,
    snippet_text,
)

NOW = datetime(2025, 6, 18, 15, 30, tzinfo=UTC)


def summary(n: int, minutes_ago: int = 0) -> ConversationSummary:
    return ConversationSummary(
        id=f"c{n}",
        title=f"Title {n}",
        updated_at=NOW - timedelta(minutes=minutes_ago),
        turn_count=1,
    )


def test_relative_times_read_naturally() -> None:
    def ago(**delta: float) -> str:
        return relative_time(NOW - timedelta(**delta), NOW)

    assert ago(seconds=20) == "just now"
    assert ago(minutes=5) == "5 min ago"
    assert ago(minutes=59) == "59 min ago"
    local_now = NOW.astimezone()
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    hours_today = int((local_now - midnight).total_seconds() // 3600)
    if hours_today >= 2:
        assert ago(hours=2) == "2 h ago"
    assert relative_time(midnight - timedelta(hours=1), NOW) == "yesterday"
    assert relative_time(midnight - timedelta(days=3, hours=1), NOW) == "4 days ago"
    assert relative_time(datetime(2025, 3, 12, 12, tzinfo=UTC), NOW) == "12 Mar"
    assert relative_time(datetime(2023, 3, 12, 12, tzinfo=UTC), NOW) == "12 Mar 2023"


def test_snippets_are_escaped_before_the_matches_are_marked() -> None:
    raw = f"say <script>alert(1)</script> & {HIGHLIGHT_START}sandbox{HIGHLIGHT_END} **now**"
    html = snippet_html(raw)
    assert html == "say &lt;script&gt;alert(1)&lt;/script&gt; &amp; <b>sandbox</b> now"
    assert snippet_text(raw) == "say <script>alert(1)</script> & sandbox now"
    table = f"| ID | State |\n|---|---|\n| {HIGHLIGHT_START}abc{HIGHLIGHT_END} | up |"
    assert snippet_html(table) == "ID State <b>abc</b> up"


def test_pages_are_requested_as_the_view_needs_them(qtbot: QtBot, qapp: QApplication) -> None:
    model = ConversationListModel(page_size=3, clock=lambda: NOW)
    requests: list[tuple[int, int]] = []
    model.page_requested.connect(lambda offset, limit: requests.append((offset, limit)))
    root = QModelIndex()
    assert not model.canFetchMore(root)  # no store yet
    model.start()
    assert requests == [(0, 3)]
    assert not model.canFetchMore(root)  # one request at a time
    model.add_page(0, [summary(1), summary(2), summary(3)])
    assert model.rowCount() == 3 and model.canFetchMore(root)
    model.fetchMore(root)
    assert requests[-1] == (3, 3)
    model.put_first(summary(9))  # new activity meanwhile
    model.add_page(3, [summary(3), summary(4)])  # one already here: skipped; short: the end
    assert [model.conversation_id(r) for r in range(model.rowCount())] == [
        "c9",
        "c1",
        "c2",
        "c3",
        "c4",
    ]
    assert model.exhausted and not model.canFetchMore(root)


def test_activity_moves_a_row_to_the_top_keeping_its_index(
    qtbot: QtBot, qapp: QApplication
) -> None:
    model = ConversationListModel(page_size=10, clock=lambda: NOW)
    model.start()
    model.add_page(0, [summary(1), summary(2), summary(3)])
    tracked = QPersistentModelIndex(model.index(2))
    with qtbot.waitSignal(model.rowsMoved):
        model.put_first(summary(3, minutes_ago=0))
    assert tracked.row() == 0 and tracked.data(ID_ROLE) == "c3"
    model.put_first(ConversationSummary("c4", "New one", NOW, 1))
    assert model.conversation_id(0) == "c4" and model.rowCount() == 4
    assert model.remove("c1") and not model.remove("c1")
    assert model.row_of("c1") == -1


def test_renaming_in_place_emits_the_intent(qtbot: QtBot, qapp: QApplication) -> None:
    model = ConversationListModel(page_size=10, clock=lambda: NOW)
    model.start()
    model.add_page(0, [summary(1, minutes_ago=5)])
    index = model.index(0)
    assert index.data(TIME_ROLE) == "5 min ago"
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "Title 1, 5 min ago"
    assert index.flags() & Qt.ItemFlag.ItemIsEditable
    with qtbot.waitSignal(model.rename_requested) as renamed:
        assert model.setData(index, "  New   name ")
    assert renamed.args == ["c1", "New name"]
    assert index.data() == "New name"
    with qtbot.assertNotEmitted(model.rename_requested):
        assert not model.setData(index, "   ")
        assert not model.setData(index, "New name")


def test_search_results_carry_the_snippet_and_the_conversation(qapp: QApplication) -> None:
    model = SearchResultsModel()
    model.set_results(
        "gpu",
        [
            SearchHit("c1", "GPU sandboxes", f"{HIGHLIGHT_START}GPU{HIGHLIGHT_END}", None),
            SearchHit("c2", "Other", f"a <b> {HIGHLIGHT_START}gpu{HIGHLIGHT_END} box", 7),
        ],
    )
    title_hit, message_hit = model.index(0), model.index(1)
    assert title_hit.data(SNIPPET_ROLE) == ""  # the title itself matched
    assert message_hit.data(SNIPPET_ROLE) == "a &lt;b&gt; <b>gpu</b> box"
    assert message_hit.data(ID_ROLE) == "c2"
    assert message_hit.data(Qt.ItemDataRole.AccessibleTextRole) == "Other: a <b> gpu box"
    model.set_title("c2", "Renamed")
    assert message_hit.data() == "Renamed"
    model.remove("c1")
    assert model.rowCount() == 1 and model.query == "gpu"


def test_the_conversation_that_waits_for_a_decision_is_marked(
    qtbot: QtBot, qapp: QApplication
) -> None:
    model = ConversationListModel(clock=lambda: NOW)
    model.start()
    model.add_page(0, [summary(1, 5), summary(2, 10)])
    first, second = model.index(0), model.index(1)
    assert first.data(WAITING_ROLE) is False
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.set_waiting("c2")
    assert changed.args[0].row() == 1
    assert second.data(WAITING_ROLE) is True and first.data(WAITING_ROLE) is False
    accessible = Qt.ItemDataRole.AccessibleTextRole
    assert second.data(accessible) == "Title 2, waiting for your decision, 10 min ago"
    assert str(second.data(Qt.ItemDataRole.ToolTipRole)).endswith("\nWaiting for your decision")
    model.set_waiting(None)
    assert second.data(WAITING_ROLE) is False
    assert second.data(accessible) == "Title 2, 10 min ago"
    model.set_waiting("c3")  # not listed yet: marked once its row arrives
    model.put_first(summary(3))
    assert model.index(0).data(WAITING_ROLE) is True

    results = SearchResultsModel()
    results.set_waiting("c2")
    results.set_results(
        "gpu", [SearchHit("c2", "Other", f"{HIGHLIGHT_START}gpu{HIGHLIGHT_END}", 7)]
    )
    hit = results.index(0)
    assert hit.data(WAITING_ROLE) is True
    assert hit.data(accessible) == "Other, waiting for your decision: gpu"


def test_stored_turns_become_view_items() -> None:
    from desktop.core.agent.events import ToolAction, Usage
    from desktop.core.conversations.transcript import (
        AssistantItem,
        ErrorItem,
        NoticeItem,
        ToolCallItem,
        UserItem,
    )
    from desktop.core.store.records import ToolCardRecord, TurnRecord, TurnStatus

    def turn(
        status: TurnStatus,
        text: str = "",
        error: str | None = None,
        cards: tuple[ToolCardRecord, ...] = (),
    ) -> TurnRecord:
        return TurnRecord(
            id=1,
            conversation_id="c",
            prompt=f"{status} prompt",
            status=status,
            text=text,
            tool_cards=cards,
            error=error,
            usage=Usage(),
            created_at=NOW,
            completed_at=None,
        )

    card = ToolCardRecord(
        call_id="call1",
        tool_name="COMPOSIO_MULTI_EXECUTE_TOOL",
        actions=(ToolAction("E2B_LIST", {"a": 1}),),
        outcome="success",
        result_text="[]",
    )
    items = items_from_turns(
        [
            turn("complete", "done", cards=(card,)),
            turn("failed", "", "Rate limited."),
            turn("cancelled", "part"),
            turn("pending"),
        ]
    )
    assert [type(i) for i in items] == [
        UserItem,
        ToolCallItem,
        AssistantItem,
        UserItem,
        ErrorItem,
        UserItem,
        AssistantItem,
        NoticeItem,
        UserItem,
        NoticeItem,
    ]
    tool = items[1]
    assert isinstance(tool, ToolCallItem) and tool.finished is not None
    assert tool.started.arguments == {"a": 1} and tool.finished.outcome == "success"
    assert items[4] == ErrorItem("Rate limited.")
    assert items[7] == NoticeItem(STOPPED_NOTICE) and items[9] == NoticeItem(PENDING_NOTICE)
