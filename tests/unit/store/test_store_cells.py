"""Code cells in the store and the exports: kept whole (code, outputs, images, files left),
exported as JSON completely and as Markdown with code blocks and image files beside it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from desktop.core.agent.cell_outputs import (
    ImageOutput,
    MarkupOutput,
    TextOutput,
    UnreadableOutput,
    read_image,
)
from desktop.core.agent.code_runs import CellError, CodeRun, OutputFile
from desktop.core.agent.events import ToolAction
from desktop.core.agent.tool_calls import RESULT_TEXT_LIMIT, TRUNCATION_MARK
from desktop.core.store.codec import cards_from_json, cards_to_json
from desktop.core.store.export import render_markdown_export
from desktop.core.store.export_cells import images_folder, write_markdown_export
from desktop.core.store.records import StoreError, ToolCardRecord
from desktop.core.store.sqlite import ConversationStore
from tests.unit.agent.test_code_runs import b64, png
from tests.unit.store.test_store_messages import MODEL, FakeClock, answered, dump

CHART = read_image("png", b64(png(8, 5)))
assert isinstance(CHART, ImageOutput)
FENCE = "```\n<script>alert(1)</script>\n````"


def _run(**changes: object) -> CodeRun:
    values: dict[str, object] = {
        "language": "python",
        "code": "import pandas\nprint(df.describe())",
        "stdout": "mean 98.75\n",
        "stderr": "DeprecationWarning: old\n",
        "outputs": (
            CHART,
            TextOutput(text="<Figure size 640x480>"),
            MarkupOutput(text="<b>table</b><script>x()</script>", language="html"),
            UnreadableOutput(reason="The PNG image is 30.0 MB: too big.", source="png"),
        ),
        "output_files": (
            OutputFile(
                name="summary.csv",
                mount_relative_path="summary.csv",
                sandbox_path="/mnt/files/summary.csv",
                size=2048,
            ),
        ),
    }
    return CodeRun(**{**values, **changes})  # type: ignore[arg-type]


def _cell(call_id: str = "c1", run: CodeRun | None = None) -> ToolCardRecord:
    run = run or _run()
    return ToolCardRecord(
        call_id=call_id,
        tool_name="COMPOSIO_REMOTE_WORKBENCH",
        actions=(ToolAction("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": run.code}),),
        outcome="success",
        result_text='{"data": {"stdout": "mean 98.75\\n", "results": [{"png": "iVBO',
        seconds=1.5,
        code_run=run,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", clock=FakeClock()) as s:
        yield s


def _conversation(store: ConversationStore, *cards: ToolCardRecord) -> str:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "analyze this csv")
    store.complete_turn(turn, dump(answered("analyze this csv", "Done.")), "Done.", list(cards))
    return cid


def test_a_cell_is_stored_and_read_back_whole(store: ConversationStore) -> None:
    cid = _conversation(store, _cell())
    (turn,) = store.turns(cid)
    (card,) = turn.tool_cards
    assert card == _cell()
    started, finished = card.events()
    assert started.code_run == finished.code_run == _run()


def test_a_card_without_a_cell_is_stored_as_before() -> None:
    plain = ToolCardRecord(call_id="c1", tool_name="X", outcome="success")
    assert "code_run" not in json.loads(cards_to_json([plain]))[0]
    assert cards_from_json(cards_to_json([plain])) == (plain,)


def test_the_json_export_keeps_the_cell_and_imports_it_again(store: ConversationStore) -> None:
    cid = _conversation(store, _cell())
    exported = json.loads(store.export_json(cid))
    cell = exported["turns"][0]["tool_cards"][0]["code_run"]
    assert cell["outputs"][0]["data_base64"] == CHART.data_base64
    assert cell["output_files"][0]["sandbox_path"] == "/mnt/files/summary.csv"
    copy = store.import_json(json.dumps(exported))
    assert store.turns(copy)[0].tool_cards == (_cell(),)


def test_an_imported_cell_is_bounded_as_a_live_one(store: ConversationStore) -> None:
    huge = "y" * (3 * RESULT_TEXT_LIMIT)
    cid = _conversation(
        store,
        _cell(run=_run(stdout=huge, error=CellError(name="E", value=huge, traceback=huge))),
    )
    exported = store.export_json(cid)
    stored = store.turns(store.import_json(exported))[0].tool_cards[0].code_run
    assert stored is not None and stored.error is not None
    assert stored.stdout.endswith(TRUNCATION_MARK) and len(stored.stdout) == RESULT_TEXT_LIMIT
    assert len(stored.error.traceback) == RESULT_TEXT_LIMIT


def test_the_markdown_export_has_code_blocks_and_images_beside_it(
    store: ConversationStore, tmp_path: Path
) -> None:
    hostile = _run(code=f"print('''{FENCE}''')", stdout=FENCE + "\n")
    cid = _conversation(store, _cell("c1"), _cell("c2", hostile))
    conversation, turns = store.export_data(cid)
    path = tmp_path / "out" / "My chat.md"
    export = render_markdown_export(conversation, [t for t, _ in turns], images_folder(path))
    write_markdown_export(path, export)
    text = path.read_text("utf-8")
    assert "```python\n  import pandas\n  print(df.describe())\n  ```" in text
    assert "Output:" in text and "mean 98.75" in text
    assert "Errors (stderr):" in text and "DeprecationWarning: old" in text
    assert "![image 1-1: 8x5 PNG](My%20chat_files/cell-1-1.png)" in text
    assert (tmp_path / "out" / "My chat_files" / "cell-1-1.png").read_bytes() == png(8, 5)
    assert (tmp_path / "out" / "My chat_files" / "cell-2-1.png").is_file()
    assert "Result (HTML source, not rendered):" in text
    assert "`The PNG image is 30.0 MB: too big.`" in text
    assert "`/mnt/files/summary.csv` (2.0 KB)" in text
    html = MarkdownIt("commonmark", {"html": True}).render(text)
    assert "<script" not in html and "<b>" not in html  # code and results stay code
    assert len(re.findall(r"<img ", html)) == 2


def test_the_markdown_text_alone_names_images_in_words(store: ConversationStore) -> None:
    cid = _conversation(store, _cell())
    text = store.export_markdown(cid)
    assert "[image: 8x5 PNG]" in text and "cell-1-1" not in text


@pytest.mark.parametrize(("width", "height"), [(0, 5), (-3, 5), (8, 0), (30_000, 30_000)])
def test_an_image_record_claiming_an_impossible_size_is_refused(width: int, height: int) -> None:
    """A record read back (an imported export) with a width of 0 reached a layout that divides
    by it (the process crashed); it is refused as the stored cards are invalid."""
    raw = json.loads(cards_to_json([_cell()]))
    image = next(o for o in raw[0]["code_run"]["outputs"] if o["kind"] == "image")
    image["width"], image["height"] = width, height
    with pytest.raises(StoreError):
        cards_from_json(json.dumps(raw))
