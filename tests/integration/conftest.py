"""Widget fixtures for whole-app tests (the qasync loop pattern lives with the UI tests)."""

from tests.ui.conftest import qasync_loop, styled_app

__all__ = ["qasync_loop", "styled_app"]
