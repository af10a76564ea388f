"""Logging to a rotating file in the per-user log dir, with keys redacted from every record.

Importing this module costs only `logging`: the window opens its log file once it has painted
(issue 8), and holds what was logged before (`hold_early_records`) until then.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.core.redaction import Redactor


class RedactingFilter(logging.Filter):
    """Formats each record once and takes the keys the redactor knows (in all their forms),
    URL passwords and key-shaped strings out of it."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = self._redactor.text(message)
        record.args = None
        return True


class EarlyRecords(logging.Handler):
    """Keeps the records logged before the log file is open; `configure_logging` writes them."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def hold_early_records(level: int = logging.INFO) -> None:
    """Keep what is logged from now until `configure_logging` (the window's first paint)."""
    root = logging.getLogger()
    root.addHandler(EarlyRecords())
    root.setLevel(level)


def configure_logging(
    log_file: Path, redactor: Redactor, *, level: int = logging.INFO
) -> logging.Handler:
    """Install the file handler on the root logger before any SDK import can add its own; when
    the log file cannot be written (a read-only log dir), warnings go to stderr instead.
    Records kept by `hold_early_records` are written first, in order."""
    import logging.handlers

    handler: logging.Handler
    problem: OSError | None = None
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:
        problem = exc
        # Warnings only: the terminal mode's chat shares stderr's screen.
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(max(level, logging.WARNING))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(redactor))
    root = logging.getLogger()
    early: list[logging.LogRecord] = []
    for old in list(root.handlers):
        if isinstance(old, EarlyRecords):
            early += old.records
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for record in early:
        if record.levelno >= max(level, handler.level):
            handler.handle(record)
    if problem is not None:
        logging.getLogger(__name__).warning(
            "cannot write the log file %s (%s): logging warnings to stderr only", log_file, problem
        )
    # Chatty libraries: their debug lines carry request bodies (qasync's: the arguments and the
    # result of every call it runs in a thread, keys read from the keyring among them).
    for noisy in (
        "httpx",
        "httpx2",
        "httpcore",
        "httpcore2",
        "mcp",
        "fastmcp",
        "openai",
        "composio",
        "qasync",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return handler
