"""Per-user config, data, state and log directories, and where bundled resources live."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

from desktop import APP_NAME


@dataclass(frozen=True)
class AppPaths:
    """The directories the app writes to. Built once in the composition root and passed down."""

    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def window_state_file(self) -> Path:
        """Where the window was last closed (`desktop.ui.window.geometry`)."""
        return self.config_dir / "window.ini"

    @property
    def database_file(self) -> Path:
        return self.data_dir / "conversations.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "e2b-agent.log"

    def ensure(self) -> None:
        # Not the log dir: `log_setup.configure_logging` makes it, and falls back to stderr
        # when it cannot.
        for directory in (self.config_dir, self.data_dir):
            directory.mkdir(parents=True, exist_ok=True)


def default_paths() -> AppPaths:
    """The platform's per-user dirs; `E2B_AGENT_HOME` puts everything under one folder instead."""
    home = os.environ.get("E2B_AGENT_HOME")
    if home:
        root = Path(home)
        return AppPaths(root / "config", root / "data", root / "logs")
    dirs = PlatformDirs(APP_NAME, appauthor=False)
    return AppPaths(Path(dirs.user_config_dir), Path(dirs.user_data_dir), Path(dirs.user_log_dir))


def resources_dir() -> Path:
    """The `resources/` folder: beside the package from source, inside the bundle when frozen."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
