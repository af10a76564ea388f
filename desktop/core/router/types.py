"""What the Tool Router's parts share: a session, what a connection lists, timeouts, expiry,
an answer too long."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from desktop.core.errors import ErrorKind, Fix, Remedy, UserFacingError, neutral_text

# The Tool Router's own (meta) tools the app treats specially.
MULTI_EXECUTE_TOOL = "COMPOSIO_MULTI_EXECUTE_TOOL"
WORKBENCH_TOOL = "COMPOSIO_REMOTE_WORKBENCH"
BASH_TOOL = "COMPOSIO_REMOTE_BASH_TOOL"
MANAGE_CONNECTIONS_TOOL = "COMPOSIO_MANAGE_CONNECTIONS"

WHERE_CODE_RUNS = "Composio workbench for this chat"
"""Where both code tools run code, as a code cell and a consent question say it (never the
user's E2B sandbox)."""


@dataclass(frozen=True)
class Timeouts:
    """Every network call has a bound. Tests shorten these to exercise dead servers quickly."""

    composio_request: float = 20.0
    mcp_init: float = 20.0
    mcp_read: float = 180.0  # one MCP request, which includes the E2B action it runs
    model_connect: float = 10.0
    model_read: float = 120.0  # between two bytes of a model's stream (reasoning can be slow)
    model_list: float = 20.0  # the provider's model list (Settings' Test connection)
    # A file's upload or download to the session's files mount: each step of it (connect, a
    # write, a read), not the whole transfer, which takes as long as the file needs.
    file_transfer: float = 60.0


@dataclass(frozen=True)
class RouterSession:
    """A Tool Router session: its id and how to reach its MCP endpoint. `headers` holds the key."""

    session_id: str
    mcp_url: str
    headers: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class ConnectionInfo:
    session_id: str
    tool_names: tuple[str, ...]


class SessionExpiredError(UserFacingError):
    """The Tool Router no longer knows the session (404): a new one must be created."""

    def __init__(self) -> None:
        fix = Fix(Remedy.NEW_CONVERSATION, "The Tool Router session has expired")
        super().__init__(ErrorKind.SERVER_ERROR, neutral_text(fix), fix)


class ResponseTooLargeError(Exception):
    """An answer's body went past the shared client's bound (`router.http.MAX_RESPONSE_BYTES`)."""
