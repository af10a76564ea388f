"""A tool card's Connect Links: a button per link naming the host it opens, a question before a
host outside Composio's, and Copy link when no browser opens it.

Which links are offered and which are foreign is the core's decision (`ComposioHosts`); this
only shows and asks.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget

from desktop.core.agent.connect_links import LinkOffer
from desktop.core.conversations.transcript import toolkit_display_name
from desktop.ui.chat.labels import keeps_focus, plain_label
from desktop.ui.confirm import Choice, ask_to_confirm
from desktop.ui.links import Links, open_web_url


def button_text(offer: LinkOffer) -> str:
    return f"Connect {toolkit_display_name(offer.toolkit)} ({offer.host})"


def no_browser_text(offer: LinkOffer) -> str:
    return (
        f"No browser opened the link to {offer.host}. Copy the link, open it in a browser to "
        "connect, then ask the agent to go on."
    )


class ConnectLinksWidget(QWidget):
    """The Connect buttons of one card, and the Copy link fallback (hidden until needed)."""

    def __init__(self, links: Links, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectLinks")
        self._links = links
        self.buttons: list[QPushButton] = []
        self._buttons_row = QHBoxLayout()
        self._buttons_row.setContentsMargins(0, 0, 0, 0)
        self._buttons_row.setSpacing(8)
        self._buttons_row.addStretch(1)
        self.notice = plain_label("", "connectLinkNotice", self)
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy link", self)
        self.copy_button.setObjectName("copyLinkButton")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        keeps_focus(self.copy_button)
        fallback = QHBoxLayout()
        fallback.setContentsMargins(0, 0, 0, 0)
        fallback.addWidget(self.notice, 1)
        fallback.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self._buttons_row)
        layout.addLayout(fallback)
        self._unopened: LinkOffer | None = None
        self.confirm_box: QMessageBox | None = None  # the question before a foreign host
        self._show_fallback(None)
        self.hide()

    def show_offers(self, offers: Sequence[LinkOffer]) -> None:
        """One button per link (a repeated result replaces the links)."""
        for old in self.buttons:
            self._buttons_row.removeWidget(old)
            old.deleteLater()
        self.buttons = []
        self._show_fallback(None)
        for offer in offers:
            button = QPushButton(button_text(offer), self)
            button.setObjectName("connectButton")
            leaves = " (not one of Composio's sites: asked first)" if offer.foreign else ""
            button.setToolTip(f"Opens {offer.url} in your browser{leaves}")
            button.setAccessibleName(f"{button.text()}: opens {offer.host} in your browser")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            keeps_focus(button)
            button.clicked.connect(lambda _=False, o=offer: self._on_connect_clicked(o))
            self._buttons_row.insertWidget(len(self.buttons), button)
            self.buttons.append(button)
        self.setVisible(bool(offers))

    def _on_connect_clicked(self, offer: LinkOffer) -> None:
        if not offer.foreign:
            self._open(offer)
            return
        self.confirm_box = ask_to_confirm(
            self,
            name="foreignLinkConfirm",
            title="Open a page outside Composio?",
            text=f"This link opens {offer.host}, which is not one of Composio's sites.",
            detail=(
                "Composio's Connect Links open composio.dev. Open this one only if you expected "
                f"{offer.host}: a page there could ask for your E2B API key.\n\n{offer.url}"
            ),
            act=Choice("Open anyway", "openForeignLinkButton", f"Open {offer.host} anyway"),
            safe=Choice("Cancel", "cancelForeignLinkButton", "Do not open the link"),
            on_answer=lambda yes: self._on_confirm_answered(offer, yes),
        )

    def _on_confirm_answered(self, offer: LinkOffer, yes: bool) -> None:
        self.confirm_box = None
        if yes:
            self._open(offer)

    def _open(self, offer: LinkOffer) -> None:
        self._show_fallback(None if open_web_url(offer.url, self._links.opener) else offer)

    def _show_fallback(self, offer: LinkOffer | None) -> None:
        self._unopened = offer
        self.notice.setText(no_browser_text(offer) if offer is not None else "")
        self.notice.setVisible(offer is not None)
        self.copy_button.setVisible(offer is not None)
        if offer is not None:
            self.copy_button.setAccessibleName(f"Copy the link to {offer.host}")

    def _on_copy_button_clicked(self) -> None:
        if self._unopened is None:
            return
        QGuiApplication.clipboard().setText(self._unopened.url)
        self.notice.setText(
            f"Copied the link to {self._unopened.host}: paste it into a browser's address bar "
            "to connect, then ask the agent to go on."
        )
