"""Logging set-up: a log file that cannot be written leaves the app running, logging to stderr."""

from __future__ import annotations

import base64
import logging
import logging.handlers
from pathlib import Path
from urllib.parse import quote

import pytest

from desktop.core.redaction import Redactor
from desktop.log_setup import configure_logging, hold_early_records
from desktop.paths import AppPaths

pytestmark = pytest.mark.usefixtures("restore_root_logger")


def test_a_log_dir_that_cannot_be_made_falls_back_to_stderr_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "logs").write_text("a file where the log dir should be")
    log_file = tmp_path / "logs" / "e2b-agent.log"
    handler = configure_logging(log_file, Redactor(["secret-value"]))
    assert not isinstance(handler, logging.FileHandler)
    logging.getLogger("desktop.test").warning("a later warning with secret-value")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert str(log_file) in lines[0] and "stderr" in lines[0]
    assert "[redacted]" in lines[1] and "secret-value" not in lines[1]


def test_a_read_only_log_dir_falls_back_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / "e2b-agent.log"))

    monkeypatch.setattr(logging.handlers, "RotatingFileHandler", refuse)
    configure_logging(tmp_path / "e2b-agent.log", Redactor())
    assert "Permission denied" in capsys.readouterr().err


def test_making_the_dirs_leaves_the_log_dir_to_the_logging_set_up(tmp_path: Path) -> None:
    (tmp_path / "logs").write_text("not a directory")
    AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs").ensure()
    assert (tmp_path / "config").is_dir() and (tmp_path / "data").is_dir()


def test_records_logged_before_the_log_file_opens_are_written_to_it_first_and_redacted(
    tmp_path: Path,
) -> None:
    # The window opens its log file once it has painted (issue 8); nothing logged before is lost.
    hold_early_records(logging.INFO)
    logging.getLogger("desktop.test").info("before the paint, key sk-early-secret-value")
    logging.getLogger("desktop.test").debug("below the level: not kept")
    log_file = tmp_path / "e2b-agent.log"
    handler = configure_logging(log_file, Redactor(("sk-early-secret-value",)))
    logging.getLogger("desktop.test").info("after the paint")
    handler.flush()
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "before the paint, key [redacted]",
        "after the paint",
    ]
    assert all("sk-early" not in line for line in lines)


def test_the_log_takes_every_form_of_a_known_key_out(tmp_path: Path) -> None:
    """The one redactor: the key the app read, also base64- or percent-encoded, and a URL's
    password, in the message and in the traceback alike."""
    key = "composio-key/with+odd=chars"
    redactor = Redactor()
    log_file = tmp_path / "logs" / "e2b-agent.log"
    handler = configure_logging(log_file, redactor)
    redactor.add(key)  # read from the keyring after logging started
    encoded = base64.b64encode(key.encode()).decode()
    try:
        raise ValueError(f"body {quote(key, safe='')} via https://u:pw-1234@proxy.example/")
    except ValueError:
        logging.getLogger("desktop.test").exception("echoed %s", encoded)
    handler.flush()
    text = log_file.read_text()
    assert "echoed [redacted]" in text and "ValueError: body [redacted]" in text
    for leaked in (key, encoded, quote(key, safe=""), "pw-1234"):
        assert leaked not in text
