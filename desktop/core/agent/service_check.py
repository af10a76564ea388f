"""What Settings' "Test connection" found, one result per service, each said in one sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from desktop.core.errors import ErrorKind, UserFacingError

Outcome = Literal["ok", "failed", "not_checked"]

KEY_REFUSED = frozenset(
    {ErrorKind.OPENAI_KEY_REJECTED, ErrorKind.COMPOSIO_KEY_REJECTED, ErrorKind.MCP_KEY_REJECTED}
)


@dataclass(frozen=True)
class ServiceCheck:
    """One service's answer: `service` names it ("OpenAI", "Composio", "Tool Router"),
    `detail` says what was found ("connected", "the key was refused (401)"): a clause, or a
    whole sentence for a failure only the service's own words describe. Never a key."""

    service: str
    outcome: Outcome
    detail: str
    tool_names: tuple[str, ...] = ()
    models: tuple[str, ...] = ()  # the model provider's list, when it answered with one

    @property
    def sentence(self) -> str:
        return f"{self.service}: {self.detail.rstrip('.')}."

    @classmethod
    def ok(
        cls,
        service: str,
        detail: str,
        tool_names: tuple[str, ...] = (),
        *,
        models: tuple[str, ...] = (),
    ) -> ServiceCheck:
        return cls(service, "ok", detail, tool_names, models)

    @classmethod
    def failed(cls, service: str, detail: str) -> ServiceCheck:
        return cls(service, "failed", detail)

    @classmethod
    def not_checked(cls, service: str, why: str) -> ServiceCheck:
        return cls(service, "not_checked", f"not checked ({why})")

    @classmethod
    def from_error(cls, service: str, error: UserFacingError) -> ServiceCheck:
        """A failure the service's requests raised (`open_router_session` and the like)."""
        if error.kind in KEY_REFUSED:
            return cls.failed(service, "the key was refused")
        return cls.failed(service, error.message)


@dataclass(frozen=True)
class ConnectionReport:
    """Every service checked, in the order shown; `ok` when all of them answered as needed."""

    checks: tuple[ServiceCheck, ...]

    @property
    def ok(self) -> bool:
        return all(check.outcome == "ok" for check in self.checks)

    @property
    def tool_names(self) -> tuple[str, ...]:
        return tuple(name for check in self.checks for name in check.tool_names)

    @property
    def models(self) -> tuple[str, ...]:
        """The model provider's list of models, if it answered with one."""
        return tuple(name for check in self.checks for name in check.models)

    def text(self) -> str:
        """One sentence per service (the log, the terminal, a test's failure message)."""
        return " ".join(check.sentence for check in self.checks)
