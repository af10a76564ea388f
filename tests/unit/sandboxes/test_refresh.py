"""The refresh policy on a fake clock: 30 s while shown, never while hidden, backing off to
5 min on errors, at once after an agent call that changes sandboxes."""

from __future__ import annotations

from desktop.core.sandboxes.refresh import RefreshSchedule, changes_sandboxes

MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _refreshed(schedule: RefreshSchedule, error: str | None = None) -> None:
    schedule.started()
    if error is None:
        schedule.succeeded()
    else:
        schedule.failed(error)


def test_every_30_seconds_while_shown_and_never_while_hidden() -> None:
    clock = Clock()
    schedule = RefreshSchedule(clock)
    assert schedule.delay() == 0.0  # never read: at once, shown or not
    _refreshed(schedule)
    assert schedule.delay() is None  # hidden: nothing planned
    schedule.show()
    assert schedule.delay() == 30.0
    clock.now += 29
    assert not schedule.due()
    clock.now += 1
    assert schedule.due()
    _refreshed(schedule)
    schedule.hide()  # the panel closed or the window minimised
    clock.now += 3600
    assert schedule.delay() is None and not schedule.due()
    schedule.show()  # shown again after an hour: the list is old, read it now
    assert schedule.due()


def test_errors_back_off_to_five_minutes_and_a_success_resets() -> None:
    clock = Clock()
    schedule = RefreshSchedule(clock)
    schedule.show()
    waits = []
    for _ in range(6):
        _refreshed(schedule, "Could not reach the Tool Router.")
        waits.append(schedule.delay())
        clock.now += schedule.interval()
        assert schedule.due()
    assert waits == [60.0, 120.0, 240.0, 300.0, 300.0, 300.0]
    assert schedule.error == "Could not reach the Tool Router."
    _refreshed(schedule)
    assert schedule.error is None and schedule.delay() == 30.0


def test_an_agent_call_that_changes_sandboxes_asks_for_a_refresh_even_while_hidden() -> None:
    clock = Clock()
    schedule = RefreshSchedule(clock)
    _refreshed(schedule)
    create = {"tools": [{"tool_slug": "E2B_CREATE_SANDBOX", "arguments": {"templateID": "b"}}]}
    listing = {"tools": [{"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}}]}
    assert not schedule.after_tool_call(MULTI, listing)
    assert schedule.delay() is None
    assert schedule.after_tool_call(MULTI, create)
    assert schedule.due()
    schedule.started()
    assert schedule.delay() is None  # one at a time
    schedule.succeeded()
    assert schedule.delay() is None


def test_which_calls_change_sandboxes_follows_the_consent_policy() -> None:
    def one(slug: str) -> bool:
        return changes_sandboxes(MULTI, {"tools": [{"tool_slug": slug, "arguments": {}}]})

    assert one("E2B_PAUSE_SANDBOX") and one("E2B_DELETE_SANDBOXES") and one("E2B_CONNECT_SANDBOX")
    assert one("E2B_SET_SANDBOX_TIMEOUT") and one("E2B_SOMETHING_NEW")  # unknown: a change
    assert not one("E2B_GET_SANDBOX_METRICS") and not one("E2B_CREATE_WEBHOOK")
    assert changes_sandboxes("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": "x = 1"})
    assert not changes_sandboxes("COMPOSIO_SEARCH_TOOLS", {"queries": []})
