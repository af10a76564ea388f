"""Which URLs the UI may hand to the system browser, and the one place that hands them over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from PySide6.QtCore import QUrl

    from desktop.core.agent.connect_links import ComposioHosts

UrlOpener: TypeAlias = "Callable[[QUrl], object]"  # QUrl: not a type the first paint needs
"""Opens a URL outside the app; `QDesktopServices.openUrl` in the app, a recorder in tests.
It answers False when nothing opened it (no browser)."""

SAFE_SCHEMES = frozenset({"http", "https"})


@dataclass
class Links:
    """How the chat opens links: the opener, and Composio's hosts for this run (the core's rule
    for Connect Links; the real service's until the app knows its endpoints)."""

    opener: UrlOpener | None = None
    hosts: ComposioHosts | None = None


def is_web_url(url: QUrl | str) -> bool:
    """True only for absolute http(s) URLs with a host: never file:, javascript:, data: ..."""
    from PySide6.QtCore import QUrl

    qurl = QUrl(url) if isinstance(url, str) else url
    return qurl.isValid() and qurl.scheme().lower() in SAFE_SCHEMES and bool(qurl.host())


def open_web_url(url: QUrl | str, opener: UrlOpener | None = None) -> bool:
    """Open an http(s) URL in the system browser; anything else is refused. False when it was
    refused or nothing opened it (`QDesktopServices.openUrl` finds no browser)."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    qurl = QUrl(url) if isinstance(url, str) else url
    if not is_web_url(qurl):
        return False
    return (opener or QDesktopServices.openUrl)(qurl) is not False
