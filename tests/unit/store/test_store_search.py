"""Full-text search over titles, prompts and replies, kept in sync by triggers; hostile input."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.store.highlight import HIGHLIGHT_END, HIGHLIGHT_START
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import MODEL, FakeClock, add_turn, answered, dump


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", clock=FakeClock()) as s:
        yield s


def _ids(store: ConversationStore, query: str) -> list[str]:
    return [hit.conversation_id for hit in store.search(query, limit=50)]


def test_finds_words_in_prompts_replies_and_titles(store: ConversationStore) -> None:
    in_prompt = store.create_conversation(MODEL)
    add_turn(store, in_prompt, "please spin up a fresh sandbox", "done")
    in_reply = store.create_conversation(MODEL)
    add_turn(store, in_reply, "what is running?", "Two templates are running: base and gpu.")
    in_title = store.create_conversation(MODEL, title="Quarterly cleanup")
    add_turn(store, in_title, "hi", "hello")

    assert _ids(store, "fresh") == [in_prompt]
    assert _ids(store, "templates") == [in_reply]
    assert _ids(store, "quarterly") == [in_title]
    assert _ids(store, "nothing-like-this") == []


def test_a_hit_carries_title_snippet_and_turn(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = add_turn(store, cid, "kill sandbox sb-42 now", "Sandbox sb-42 was killed.")

    (hit,) = store.search("killed")

    assert (hit.conversation_id, hit.title, hit.turn_id) == (cid, "kill sandbox sb-42 now", turn)
    assert f"{HIGHLIGHT_START}killed{HIGHLIGHT_END}" in hit.snippet


def test_title_hits_have_no_turn(store: ConversationStore) -> None:
    store.create_conversation(MODEL, title="Budget review")
    (hit,) = store.search("budget")
    assert hit.turn_id is None
    assert hit.snippet == f"{HIGHLIGHT_START}Budget{HIGHLIGHT_END} review"


def test_the_last_term_matches_as_a_prefix(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    add_turn(store, cid, "list all sandboxes", "none")

    assert _ids(store, "sandb") == [cid]
    assert _ids(store, "list sandb") == [cid]
    assert _ids(store, "sandb list") == []  # only the last term is a prefix


def test_all_terms_must_match(store: ConversationStore) -> None:
    both = store.create_conversation(MODEL)
    add_turn(store, both, "alpha and beta", "x")
    one = store.create_conversation(MODEL)
    add_turn(store, one, "alpha only", "x")

    assert _ids(store, "alpha beta") == [both]
    assert sorted(_ids(store, "alpha")) == sorted([both, one])


def test_one_hit_per_conversation_best_first(store: ConversationStore) -> None:
    weak = store.create_conversation(MODEL)
    add_turn(store, weak, "tell me a long story " + "filler words " * 50 + "about gpu", "ok")
    strong = store.create_conversation(MODEL)
    for _ in range(3):
        add_turn(store, strong, "gpu gpu", "gpu sandbox")

    assert _ids(store, "gpu") == [strong, weak]


def test_accents_and_case_do_not_matter(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    add_turn(store, cid, "Créer un bac à sable", "C'est fait")
    assert _ids(store, "creer") == [cid]
    assert _ids(store, "CRÉER") == [cid]


def test_pending_prompt_then_reply_are_indexed(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "first question")
    assert _ids(store, "question") == [cid]
    assert _ids(store, "answer") == []

    store.complete_turn(turn, dump(answered("first question", "the answer")), "the answer")
    assert _ids(store, "answer") == [cid]


def test_rename_updates_the_index(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL, title="Old name")
    store.rename(cid, "Shiny title")

    assert _ids(store, "old") == []
    assert _ids(store, "shiny") == [cid]


def test_a_derived_title_is_searchable(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    add_turn(store, cid, "Zebra migration plan\nmore details here", "ok")
    hits = store.search("zebra")
    assert [h.conversation_id for h in hits] == [cid]


def test_delete_removes_from_the_index(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL, title="Ephemeral chat")
    add_turn(store, cid, "unicorn prompt", "unicorn reply")
    store.delete(cid)

    assert _ids(store, "unicorn") == []
    assert _ids(store, "ephemeral") == []


def test_deleting_turns_removes_them_from_the_index(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL, title="Kept")
    first = add_turn(store, cid, "walrus", "one")
    add_turn(store, cid, "narwhal", "two")
    add_turn(store, cid, "beluga", "three")

    store.delete_last_turn(cid)
    assert _ids(store, "beluga") == []
    store.truncate_after(first)
    assert _ids(store, "narwhal") == []
    assert _ids(store, "walrus") == [cid]


@pytest.mark.parametrize(
    "query",
    [
        'foo"',
        '"',
        '""',
        "AND (",
        "*",
        "* *",
        "OR",
        "NOT foo",
        "NEAR(a b)",
        "-",
        "^foo",
        "title:foo",
        "prompt : x",
        "{a b}",
        "a*b",
        "foo)",
        "'; DROP TABLE turns; --",
        "",
        "   ",
        "\x00",
        "\x02\x03",
        "🦄",
        "a" * 5000,
    ],
)
def test_hostile_queries_never_raise(store: ConversationStore, query: str) -> None:
    cid = store.create_conversation(MODEL, title="foo AND bar")
    add_turn(store, cid, "foo (bar) * baz", 'he said "foo"')

    hits = store.search(query)

    assert isinstance(hits, list)
    assert store.turns(cid)  # and nothing was harmed


def test_operator_words_are_searched_as_words(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    add_turn(store, cid, "rock AND roll", "NOT a problem")
    assert _ids(store, "and") == [cid]
    assert _ids(store, "NOT") == [cid]
    assert _ids(store, 'roll"') == [cid]


def test_limit(store: ConversationStore) -> None:
    for n in range(8):
        cid = store.create_conversation(MODEL)
        add_turn(store, cid, f"common word {n}", "x")
    assert len(store.search("common", limit=5)) == 5


_FULL_RANKING = """
WITH hits AS (
    SELECT t.conversation_pk AS cpk, bm25(turns_fts) AS score
    FROM turns_fts JOIN turns AS t ON t.id = turns_fts.rowid WHERE turns_fts MATCH :q
    UNION ALL
    SELECT rowid, bm25(conversations_fts) FROM conversations_fts WHERE conversations_fts MATCH :q
)
SELECT c.id, min(score) FROM hits JOIN conversations AS c ON c.pk = hits.cpk
GROUP BY c.id ORDER BY min(score)
"""


@pytest.mark.parametrize("limit", [1, 5, 20, 70, 300])
def test_ranking_equals_a_full_ranking(tmp_path: Path, limit: int) -> None:
    # Enough matches that the search has to look deeper than its first batch.
    path = tmp_path / "many.sqlite3"
    with ConversationStore(path, clock=FakeClock()) as store:
        for n in range(300):
            title = f"otter notes {n}" if n % 9 == 0 else None
            cid = store.create_conversation(MODEL, title=title)
            for m in range(n % 3 + 1):
                otters = ["otter"] * ((n * 7 + m) % 5 + 1) if n % 5 else []
                prompt = " ".join([*otters, "filler", *(["words"] * (n % 37 + m * 11))])
                add_turn(store, cid, prompt, "reply " * (n % 13))
        for _ in range(4):  # a few conversations with many strong hits crowd the first batch
            cid = store.create_conversation(MODEL)
            for m in range(60):
                add_turn(store, cid, "otter otter otter " + "words " * (m % 4), "otter")
        got = [h.conversation_id for h in store.search("otter", limit=limit)]
    conn = sqlite3.connect(path)
    try:
        ranking: list[tuple[str, float]] = conn.execute(_FULL_RANKING, {"q": '"otter"*'}).fetchall()
    finally:
        conn.close()
    best = dict(ranking)
    assert len(ranking) > 200
    assert len(set(got)) == len(got)
    # Compared by score: conversations whose best hits score the same may come in either order.
    assert [best[cid] for cid in got] == [score for _, score in ranking[:limit]]
