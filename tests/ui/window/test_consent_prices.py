"""The whole app on the fakes: the approval card prices a sandbox at the settings' rates, the
figure the cost meter gives it once it runs, also after the prices are changed and saved."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.core.config.settings import Settings, save_settings
from desktop.core.money import hourly_text
from desktop.desktop_app import DesktopApp
from desktop.paths import AppPaths
from tests.fakes.harness import FakeServices
from tests.ui.app_support import AppHarness, send, wait_for

OWN_PRICES = Settings(
    user_id="test-user", sandbox_vcpu_price=Decimal("0.0001"), sandbox_ram_price=Decimal("0.00002")
)
PROMPT = "Start a sandbox from the base template"


def _effects(app: DesktopApp) -> list[str]:
    return [
        label.text().replace("\u200b", "")
        for label in app.window.chat_view.findChildren(QLabel, "approvalEffect")
    ]


def _start_one(qtbot: QtBot, app: DesktopApp, services: FakeServices) -> str:
    """Asks for a sandbox, allows it on the card; what the meter prices the new one at."""
    before = {box["sandboxID"] for box in services.e2b.sandboxes()}
    send(qtbot, app, PROMPT, approve=True)
    [created] = [box for box in services.e2b.sandboxes() if box["sandboxID"] not in before]
    rates = app.sandboxes.service.rates  # the meter's
    return hourly_text(rates.per_hour(created["cpuCount"], created["memoryMB"]))


def test_the_card_prices_a_sandbox_at_the_settings_rates_as_the_meter_does(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    save_settings(app_paths.settings_file, OWN_PRICES)
    app = app_harness.start()
    meter = _start_one(qtbot, app, fake_services)
    assert meter == "$0.76/hour"  # 2 vCPU x 0.0001 + 0.5 GiB x 0.00002, an hour
    [effect] = _effects(app)
    assert effect == f"Starts a sandbox from template base: about {meter} while it runs"

    # Prices changed in Settings: the next card says the new figure, as the meter does.
    dearer = OWN_PRICES.model_copy(update={"sandbox_vcpu_price": Decimal("0.001")})
    wait_for(qtbot, app.settings_flow.save(dearer, {}))
    meter = _start_one(qtbot, app, fake_services)
    assert meter == "$7.24/hour"
    assert _effects(app)[-1] == f"Starts a sandbox from template base: about {meter} while it runs"
