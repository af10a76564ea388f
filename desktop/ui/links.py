"""Which URLs the UI may hand to the system browser, and the one place that hands them over."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

UrlOpener = Callable[[QUrl], object]
"""Opens a URL outside the app; `QDesktopServices.openUrl` in the app, a recorder in tests."""

SAFE_SCHEMES = frozenset({"http", "https"})


def is_web_url(url: QUrl | str) -> bool:
    """True only for absolute http(s) URLs with a host: never file:, javascript:, data: ..."""
    qurl = QUrl(url) if isinstance(url, str) else url
    return qurl.isValid() and qurl.scheme().lower() in SAFE_SCHEMES and bool(qurl.host())


def open_web_url(url: QUrl | str, opener: UrlOpener | None = None) -> bool:
    """Open an http(s) URL in the system browser; anything else is refused."""
    qurl = QUrl(url) if isinstance(url, str) else url
    if not is_web_url(qurl):
        return False
    (opener or QDesktopServices.openUrl)(qurl)
    return True
