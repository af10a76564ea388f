"""One actionable sentence for every failure the user can meet; no traceback, no key, ever
(keys are taken out by `desktop.core.redaction`)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from desktop.core.redaction import redact


class ErrorKind(StrEnum):
    """Why a turn (or a connection) failed; each kind has its own actionable message."""

    MISSING_KEY = "missing_key"
    KEYRING_UNREADABLE = "keyring_unreadable"  # locked, or not answering: retry once it is
    COMPOSIO_KEY_REJECTED = "composio_key_rejected"
    OPENAI_KEY_REJECTED = "openai_key_rejected"
    MCP_KEY_REJECTED = "mcp_key_rejected"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    MODEL_NOT_FOUND = "model_not_found"
    BAD_INPUT = "bad_input"
    MODEL_BEHAVIOUR = "model_behaviour"
    NOT_CONNECTED = "not_connected"  # a toolkit (E2B) is not connected to the Composio account
    NOT_FOUND = "not_found"  # the sandbox (or whatever was named) no longer exists
    BUDGET_REACHED = "budget_reached"  # the conversation spent its budget: the agent stopped
    UNEXPECTED = "unexpected"


class Service(StrEnum):
    """A remote service the app talks to; a failure names the one it concerns, and the faces
    show each one's state on its own."""

    MODEL = "model"  # OpenAI, or the model server OPENAI_BASE_URL names
    COMPOSIO = "composio"  # Composio's API: it creates and resumes the Tool Router session
    TOOL_ROUTER = "tool_router"  # the session's MCP endpoint: the agent's tools


SERVICE_NAMES = {
    Service.MODEL: "the model server",
    Service.COMPOSIO: "Composio",
    Service.TOOL_ROUTER: "the Tool Router",
}
# What else the user can check when a service cannot be reached: the variable naming its address.
_ADDRESS_VARIABLES = {Service.MODEL: "OPENAI_BASE_URL", Service.COMPOSIO: "COMPOSIO_BASE_URL"}
# Failures whose kind says which service refused.
_KIND_SERVICES = {
    ErrorKind.OPENAI_KEY_REJECTED: Service.MODEL,
    ErrorKind.MODEL_NOT_FOUND: Service.MODEL,
    ErrorKind.COMPOSIO_KEY_REJECTED: Service.COMPOSIO,
    ErrorKind.MCP_KEY_REJECTED: Service.TOOL_ROUTER,
}

_UNEXPECTED = "Something went wrong{}; the details are in the log file."
UNEXPECTED_MESSAGE = _UNEXPECTED.format(" in the app")
# A reply that stopped without saying how (no outcome arrived, or none was stored).
REPLY_ENDED_MESSAGE = "The reply ended unexpectedly; try again."


# The setting that lets a model provider's key travel in plain http to another machine (a LAN
# server): the providers it names, each by family.
PLAIN_HTTP_SETTING = "plain_http_model_providers"


class Remedy(StrEnum):
    """How the user can fix a failure, in neutral terms: each face words it for its controls."""

    PROVIDE = "provide"  # the credentials in `Fix.items` are not set
    CONFIGURE = "configure"  # nothing is set up yet: the app needs its credentials first
    CHECK_CREDENTIAL = "check_credential"  # the service refused the credential in `Fix.items`
    CHOOSE_MODEL = "choose_model"  # the model does not exist or the key cannot use it
    NEW_CONVERSATION = "new_conversation"  # only a fresh conversation gets past this
    UNLOCK_KEYRING = "unlock_keyring"  # the keyring holding `Fix.items` is locked: unlock, retry
    START_KEYRING = "start_keyring"  # the keyring did not answer: make it run and unlock, retry
    # the model server is plain http on another machine: https, or the user's explicit consent
    # for its provider, `Fix.provider`
    ALLOW_PLAIN_HTTP = "allow_plain_http"
    RAISE_BUDGET = "raise_budget"  # the conversation reached its budget: raise it, or start anew


KEYRING_EXAMPLES = "GNOME Keyring, KWallet"


@dataclass(frozen=True)
class CredentialSpec:
    """What a credential is called and where it can be set (never its value)."""

    name: str  # the Credentials field and the keyring entry: "openai_api_key"
    label: str  # "OpenAI API key"
    env_var: str  # "OPENAI_API_KEY"
    in_keyring: bool = True  # False: kept in the settings (the user id), not the keyring


@dataclass(frozen=True)
class Fix:
    """The structured half of a failure: what went wrong, without any face's wording of the
    remedy, and the credentials it concerns."""

    remedy: Remedy
    problem: str  # "No OpenAI API key is set": a clause, no full stop
    items: tuple[CredentialSpec, ...] = ()
    # The model provider family it concerns ("ollama"): whose plain-http opt-in is missing
    # (None: not known, as in a failure stored before it was said).
    provider: str | None = None


def join_labels(items: Iterable[str], conjunction: str = "and") -> str:
    """Names as a sentence lists them: "A", "A and B", "A, B and C" (or "or")."""
    names = list(items)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def neutral_text(fix: Fix) -> str:
    """The fix in words that name no control of either face (the log and any other face)."""
    env_vars = ", ".join(item.env_var for item in fix.items)
    labels = join_labels(item.label for item in fix.items)
    them = "it" if len(fix.items) == 1 else "them"
    match fix.remedy:
        case Remedy.PROVIDE:
            remedy = f"provide {them} ({env_vars})"
        case Remedy.CONFIGURE:
            remedy = f"provide the {labels} first"
        case Remedy.CHECK_CREDENTIAL:
            remedy = f"check the {labels} ({env_vars})"
        case Remedy.CHOOSE_MODEL:
            remedy = "choose another model"
        case Remedy.NEW_CONVERSATION:
            remedy = "start a new conversation"
        case Remedy.UNLOCK_KEYRING:
            remedy = f"unlock it ({KEYRING_EXAMPLES}...) and retry"
        case Remedy.START_KEYRING:
            remedy = f"check that it is running and unlocked ({KEYRING_EXAMPLES}...), then retry"
        case Remedy.ALLOW_PLAIN_HTTP:
            provider = f'"{fix.provider}"' if fix.provider else "its provider"
            remedy = (
                f"use an https:// address, or, for a server of your own on a network you trust, "
                f"add {provider} to {PLAIN_HTTP_SETTING} in the settings"
            )
        case Remedy.RAISE_BUDGET:
            remedy = "raise its budget or start a new one"
    return f"{fix.problem}: {remedy}."


class UserFacingError(Exception):
    """A failure with a message written for the user, safe to show and to log.

    `message` is complete and neutral; `fix`, when present, lets each face say the remedy in
    its own terms (the window's Settings, the terminal's environment variables). `service` is
    the remote service that failed or refused (None: nothing remote, or not known); a kind that
    names its service (a rejected key) implies it.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        fix: Fix | None = None,
        *,
        service: Service | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.fix = fix
        self.service = service or _KIND_SERVICES.get(kind)

    @classmethod
    def fixable(
        cls, kind: ErrorKind, fix: Fix, *, service: Service | None = None
    ) -> UserFacingError:
        return cls(kind, neutral_text(fix), fix, service=service)


def quoted(text: str, secrets: Iterable[str] = (), limit: int = 200) -> str:
    """A stranger's text (an error body, an exception's message), fit to quote in a sentence or
    a log line: keys redacted, on one line, without control characters, at most `limit` long.

    It is redacted whole before it is cut, so that a cut never leaves the start of a key.
    """
    kept: list[str] = []
    for char in redact(text, secrets):
        # Line breaks, tabs, escapes, bidi overrides (Unicode's C categories): a space.
        if char.isspace() or unicodedata.category(char).startswith("C"):
            if not kept or kept[-1] == " ":
                continue
            char = " "
        kept.append(char)
        if len(kept) > limit:
            return "".join(kept[: limit - 1]).rstrip() + "\u2026"
    return "".join(kept).rstrip()


def ending(text: str) -> str:
    """`text` as the end of a sentence: a full stop added unless it ends in one already."""
    return text if text.endswith((".", "!", "?", "\u2026")) else f"{text}."


def host_of(url: str | None, default: str) -> str:
    if not url:
        return default
    try:
        parts = urlsplit(url)
    except ValueError:  # an address `endpoint_problem` refuses
        return default
    return parts.netloc or default


def endpoint_problem(variable: str, url: str) -> UserFacingError | None:
    """Why the address in the environment variable `variable` cannot be used, as a refusal, or
    None when it can (an address that does not parse would otherwise raise deep in an SDK)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- the port is checked only when it is read
    except ValueError as exc:
        reason = quoted(str(exc), limit=80)
    else:
        if parts.scheme not in ("https", "http"):
            reason = "it must start with https:// or http://"
        elif not parts.hostname:
            reason = "it names no host"
        else:
            return None
    return UserFacingError(
        ErrorKind.BAD_INPUT,
        f"{variable} is not a usable address ({reason}): "
        "correct or unset it, then restart the app.",
    )


@dataclass(frozen=True)
class Remote:
    """A service as a sentence names it: "Composio at backend.composio.dev", "the model server
    at 127.0.0.1:8000", "OpenAI at api.openai.com". Every sentence about a remote service names
    it through `named` (where the address may be the problem: unreachable, no answer) or `label`
    (the service answered), so none names it twice or by another's name."""

    service: Service
    where: str = ""  # host[:port], when known
    name: str = ""  # instead of the service's generic name ("OpenAI" for OpenAI's own API)

    def named(self, *, start: bool = False) -> str:
        """The name and where it is; capitalised with `start` (at the head of a sentence)."""
        name = self.label()
        text = f"{name} at {self.where}" if self.where and self.where != name else name
        return text[:1].upper() + text[1:] if start else text

    def label(self, *, start: bool = False) -> str:
        """The name alone ("OpenAI", "the model server")."""
        name = self.name or SERVICE_NAMES[self.service]
        return name[:1].upper() + name[1:] if start else name


def unreachable(remote: Remote) -> UserFacingError:
    variable = _ADDRESS_VARIABLES.get(remote.service)
    checks = (
        f"your internet connection, proxy or {variable}"
        if variable
        else ("your internet connection or proxy")
    )
    return UserFacingError(
        ErrorKind.UNREACHABLE,
        f"Could not reach {remote.named()}: check {checks}, then try again.",
        service=remote.service,
    )


def timed_out(remote: Remote, seconds: float) -> UserFacingError:
    return UserFacingError(
        ErrorKind.TIMEOUT,
        f"{remote.named(start=True)} did not answer within {seconds:g} s: it may be overloaded "
        "or unreachable; try again in a moment.",
        service=remote.service,
    )


def rate_limited(remote: Remote, retry_after: float | None) -> UserFacingError:
    wait = f"wait {retry_after:g} s" if retry_after else "wait a little"
    return UserFacingError(
        ErrorKind.RATE_LIMITED,
        f"{remote.label(start=True)} is rate limiting this key: {wait} and send again, or "
        "check your plan's limits.",
        service=remote.service,
    )


def server_error(remote: Remote, status: int | None) -> UserFacingError:
    code = f" ({status})" if status else ""
    return UserFacingError(
        ErrorKind.SERVER_ERROR,
        f"{remote.label(start=True)} had a server error{code}: try again in a moment.",
        service=remote.service,
    )


def unexpected(exc: BaseException | None = None, secrets: Iterable[str] = ()) -> UserFacingError:
    """The one sentence for a failure nobody foresaw; with `exc`, its type and the start of its
    message (`quoted`: keys redacted, one line) so that a bug report can say which."""
    if exc is None:
        return UserFacingError(ErrorKind.UNEXPECTED, UNEXPECTED_MESSAGE)
    detail = quoted(str(exc), secrets)
    summary = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return UserFacingError(ErrorKind.UNEXPECTED, _UNEXPECTED.format(f" ({summary})"))
