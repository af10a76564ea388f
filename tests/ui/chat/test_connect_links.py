"""A card's Connect Links: the host on the button, a question before a host outside Composio's
(issue 10, item 1), "Action needed" and Copy link when no browser opens (item 17)."""

from __future__ import annotations

import httpx
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import ConnectLink, ToolCallFinished, ToolCallStarted
from desktop.core.conversations.transcript import ToolCallItem
from desktop.core.router.types import MANAGE_CONNECTIONS_TOOL
from desktop.ui.chat.chat_view import ChatView
from desktop.ui.chat.tool_card import ToolCardWidget
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.ui.app_support import WAIT_MS, AppHarness, send
from tests.ui.chat.test_chat_view import make_view
from tests.ui.conftest import RecordingOpener

EVIL = "https://evil.example/e2b-login"
COMPOSIO = "https://connect.composio.dev/link/lk_1"


class NoBrowser(RecordingOpener):
    """`QDesktopServices.openUrl` where no browser is found: it answers False."""

    def __call__(self, url: QUrl) -> bool:
        super().__call__(url)
        return False


def _started() -> ToolCallStarted:
    return ToolCallStarted("c1", MANAGE_CONNECTIONS_TOOL, {"toolkits": ["e2b"]}, ())


def _finished(*urls: str) -> ToolCallFinished:
    links = tuple(ConnectLink("e2b", url) for url in urls)
    return ToolCallFinished("c1", MANAGE_CONNECTIONS_TOOL, "success", "{}", links)


def _card(qtbot: QtBot, opener: RecordingOpener, *urls: str) -> tuple[ChatView, ToolCardWidget]:
    """A finished card, and the view that holds it (kept by the test while it looks)."""
    view = make_view(qtbot, opener)
    card = view.add_tool_call(_started())
    view.finish_tool_call(_finished(*urls))
    return view, card


def test_a_card_with_a_link_to_open_reads_action_needed(
    qtbot: QtBot, styled_app: object, url_opener: RecordingOpener
) -> None:
    _view1, card = _card(qtbot, url_opener, COMPOSIO)
    assert card.outcome_label.text() == "Action needed"
    assert card.property("outcome") == "action_needed"
    # A link that is not one to act on (a reloaded or imported card) leaves it "Succeeded".
    _view2, plain = _card(
        qtbot, url_opener, "javascript:alert(1)", "http://evil.example:80@127.0.0.1:9/"
    )
    assert plain.outcome_label.text() == "Succeeded" and plain.connect_buttons == []


def test_a_host_outside_composio_is_named_and_asked_about_first(
    qtbot: QtBot, styled_app: object, url_opener: RecordingOpener
) -> None:
    _view1, card = _card(qtbot, url_opener, EVIL)
    (button,) = card.connect_buttons
    assert button.text() == "Connect E2B (evil.example)"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    box = card.connect_links.confirm_box
    assert isinstance(box, QMessageBox) and box.objectName() == "foreignLinkConfirm"
    assert box.isVisible() and box.textFormat() is Qt.TextFormat.PlainText
    assert "evil.example" in box.text() and "not one of Composio's sites" in box.text()
    cancel = box.findChild(QWidget, "cancelForeignLinkButton")
    assert box.defaultButton() is cancel  # Enter does not open it
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.connect_links.confirm_box is None)
    assert url_opener.urls == []
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    box = card.connect_links.confirm_box
    assert box is not None
    qtbot.mouseClick(box.findChild(QWidget, "openForeignLinkButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: url_opener.urls == [EVIL])


def test_composio_links_open_at_once(
    qtbot: QtBot, styled_app: object, url_opener: RecordingOpener
) -> None:
    _view1, card = _card(qtbot, url_opener, COMPOSIO)
    qtbot.mouseClick(card.connect_buttons[0], Qt.MouseButton.LeftButton)
    assert url_opener.urls == [COMPOSIO] and card.connect_links.confirm_box is None
    assert not card.connect_links.copy_button.isVisibleTo(card)


def test_a_reloaded_card_is_checked_again(
    qtbot: QtBot, styled_app: object, url_opener: RecordingOpener
) -> None:
    view = make_view(qtbot, url_opener)
    finished = _finished("file:///etc/passwd", EVIL)
    view.load_history([ToolCallItem.of(_started(), finished, 0.5)])
    card = view.tool_card("c1")
    assert card is not None
    assert [b.text() for b in card.connect_buttons] == ["Connect E2B (evil.example)"]
    qtbot.mouseClick(card.connect_buttons[0], Qt.MouseButton.LeftButton)
    assert card.connect_links.confirm_box is not None and url_opener.urls == []


def test_without_a_browser_the_card_offers_copy_link(qtbot: QtBot, styled_app: object) -> None:
    opener = NoBrowser()
    _view1, card = _card(qtbot, opener, COMPOSIO)
    links = card.connect_links
    assert not links.copy_button.isVisibleTo(card)
    qtbot.mouseClick(card.connect_buttons[0], Qt.MouseButton.LeftButton)
    assert opener.urls == [COMPOSIO]
    assert links.copy_button.isVisibleTo(card) and links.notice.isVisibleTo(card)
    assert links.copy_button.text() == "Copy link"
    assert links.notice.text().startswith("No browser opened the link to connect.composio.dev.")
    qtbot.mouseClick(links.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == COMPOSIO
    assert links.notice.text().startswith("Copied the link to connect.composio.dev")


def test_the_fakes_connect_flow_in_the_window(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    """The whole window on the fakes, where no browser opens: the card says "Action needed",
    names the fakes' host (Composio's for this run: no question), and the copied link connects."""
    fake_services.e2b.disconnect()
    app = app_harness.start()
    opener = NoBrowser()
    app.window.chat_view.links.opener = opener
    fake_services.openai.script.push(
        Reply.tool_call(MANAGE_CONNECTIONS_TOOL, {"toolkits": ["e2b"]}),
        Reply.text("Open the link to connect E2B."),
    )
    send(qtbot, app, "connect e2b")  # it only reads: nobody is asked
    cards = app.window.findChildren(ToolCardWidget)
    (card,) = [c for c in cards if c.started.tool_name == MANAGE_CONNECTIONS_TOOL]
    assert card.outcome_label.text() == "Action needed"
    host = fake_services.composio_base_url.removeprefix("http://")
    (button,) = card.connect_buttons
    assert button.text() == f"Connect E2B ({host})"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert card.connect_links.confirm_box is None  # the configured COMPOSIO_BASE_URL's host
    qtbot.waitUntil(lambda: card.connect_links.copy_button.isVisibleTo(card), timeout=WAIT_MS)
    qtbot.mouseClick(card.connect_links.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert opener.urls == [copied] and copied.startswith(fake_services.composio_base_url)
    assert not fake_services.e2b.connected
    assert httpx.get(copied, timeout=10).status_code == 200  # what the person's browser does
    assert fake_services.e2b.connected
