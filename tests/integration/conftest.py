"""Widget fixtures for whole-app tests (the qasync loop pattern lives with the UI tests)."""

from tests.ui.conftest import app_harness, app_paths, qasync_loop, styled_app

__all__ = ["app_harness", "app_paths", "qasync_loop", "styled_app"]
