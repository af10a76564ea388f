"""When the sandbox list is read again: the policy the panel's timer follows.

- Every 30 s while the list is on screen (the panel visible and the window not minimised: the
  face says which, `show` / `hide`); never while it is not, and at once when it is shown again
  if the list is older than that.
- After any agent tool call that may change sandboxes (`changes_sandboxes`), at once, shown or
  not: the conversation header and the quit question count the sandboxes too, and one listing
  costs no tokens. A refresh the button asks for runs at once as well.
- After a failure the wait doubles, 60 s, 120 s, 240 s, up to 5 min, and the failure is kept as
  its sentence for the panel to show; the next success goes back to 30 s.

It only decides; the face's timer asks `delay()` and runs `SandboxService.refresh`, which
reports back through `started` / `succeeded` / `failed`. Times come from the clock it is
given, so tests step a fake clock instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from desktop.core.consent.policy import Kind, actions_of

REFRESH_SECONDS = 30.0
BACKOFF_LIMIT_SECONDS = 300.0

# Changes that leave every sandbox as it was: templates and webhooks.
_NOT_SANDBOXES = frozenset(
    {
        "E2B_CREATE_TEMPLATE",
        "E2B_UPDATE_TEMPLATE",
        "E2B_START_TEMPLATE_BUILD",
        "E2B_CREATE_WEBHOOK",
        "E2B_UPDATE_WEBHOOK_CONFIGURATION",
        "E2B_DELETE_WEBHOOK",
    }
)


def changes_sandboxes(tool_name: str, arguments: Mapping[str, object]) -> bool:
    """Whether a call may have changed the team's sandboxes: any of its actions the consent
    policy does not call a read (code in the workbench can create sandboxes too), except the
    template and webhook tools."""
    return any(
        action.kind is not Kind.READS and action.slug not in _NOT_SANDBOXES
        for action in actions_of(tool_name, arguments)
    )


class RefreshSchedule:
    """The refresh policy of one sandbox list (see the module)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._visible = False
        self._last_success: float | None = None
        self._last_attempt: float | None = None
        self._failures = 0
        self._running = False
        self._wanted = True  # a refresh is owed regardless of the timer (never read yet)
        self.error: str | None = None  # the last failure's sentence, until a success

    @property
    def visible(self) -> bool:
        return self._visible

    @property
    def running(self) -> bool:
        return self._running

    def show(self) -> None:
        """The list is on screen (the panel opened, the window restored)."""
        self._visible = True

    def hide(self) -> None:
        """The list is not on screen (the panel closed, the window minimised)."""
        self._visible = False

    def request(self) -> None:
        """Refresh at once (the button; a change the app made itself)."""
        self._wanted = True

    def after_tool_call(self, tool_name: str, arguments: Mapping[str, object]) -> bool:
        """An agent tool call finished; True when it may have changed sandboxes (a refresh is
        then due at once)."""
        if changes_sandboxes(tool_name, arguments):
            self._wanted = True
            return True
        return False

    def interval(self) -> float:
        """The wait between refreshes now: 30 s, doubling per failure up to 5 min."""
        if not self._failures:
            return REFRESH_SECONDS
        return min(REFRESH_SECONDS * float(2**self._failures), BACKOFF_LIMIT_SECONDS)

    def delay(self) -> float | None:
        """Seconds until the next refresh is due (0: now); None when none is planned (the list
        is not on screen and nothing asked for one) or one is running."""
        if self._running:
            return None
        if self._wanted and not self._failures:
            return 0.0
        if not self._visible and not self._wanted:
            return None
        last = self._last_attempt if self._failures else self._last_success
        if last is None:
            return 0.0
        return max(0.0, last + self.interval() - self._clock())

    def due(self) -> bool:
        delay = self.delay()
        return delay is not None and delay <= 0.0

    def started(self) -> None:
        self._running = True
        self._wanted = False
        self._last_attempt = self._clock()

    def succeeded(self) -> None:
        self._running = False
        self._failures = 0
        self._last_success = self._clock()
        self.error = None

    def failed(self, error: str) -> None:
        self._running = False
        self._failures += 1
        self.error = error
