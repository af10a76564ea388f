"""Logging set-up: a log file that cannot be written leaves the app running, logging to stderr."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.log_setup import configure_logging, hold_early_records
from desktop.paths import AppPaths


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_a_log_dir_that_cannot_be_made_falls_back_to_stderr_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "logs").write_text("a file where the log dir should be")
    log_file = tmp_path / "logs" / "e2b-agent.log"
    handler = configure_logging(log_file, lambda: ("sk-secret-value",))
    assert not isinstance(handler, logging.FileHandler)
    logging.getLogger("desktop.test").warning("a later warning with sk-secret-value")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert str(log_file) in lines[0] and "stderr" in lines[0]
    assert "[redacted]" in lines[1] and "sk-secret-value" not in lines[1]


def test_a_read_only_log_dir_falls_back_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / "e2b-agent.log"))

    monkeypatch.setattr(logging.handlers, "RotatingFileHandler", refuse)
    configure_logging(tmp_path / "e2b-agent.log", tuple)
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
    handler = configure_logging(log_file, lambda: ("sk-early-secret-value",))
    logging.getLogger("desktop.test").info("after the paint")
    handler.flush()
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "before the paint, key [redacted]",
        "after the paint",
    ]
    assert all("sk-early" not in line for line in lines)
