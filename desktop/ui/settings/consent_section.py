"""The Settings dialog's Permissions: the ask-before-reads switch and the rules, revocable."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.config.settings import ApprovalRule, Settings
from desktop.core.consent.words import title_of_slug
from desktop.ui.settings.settings_fields import field_description, wrapped_label

NO_RULES = "No rules: the app asks before every change."
REVOKE_NOTE = "A revoked rule ends when you save; Cancel keeps it."
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SLUG_ROLE = Qt.ItemDataRole.UserRole


def made_text(made_at: datetime) -> str:
    """When a rule was made, in local time: "made 1 Dec 2026, 13:40" (English month names,
    like the rest of the window, whatever the system's locale)."""
    local = made_at.astimezone()
    return f"made {local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


class ConsentSection(QWidget):
    """Shows the switch and the rules of `settings`; a rule revoked here leaves the list and
    is remembered in `revoked` until the dialog saves (like the dialog's other fields)."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consentSection")
        self.revoked: frozenset[str] = frozenset()
        self._rules = settings.approval_rules
        self.ask_before_reads = QCheckBox("Ask before every action, reads too")
        self.ask_before_reads.setObjectName("askBeforeReadsCheck")
        self.ask_before_reads.setAccessibleName("Ask before every action, reads too")
        self.ask_before_reads.setToolTip(field_description("ask_before_reads"))
        self.ask_before_reads.setChecked(settings.ask_before_reads)

        self.rules_list = QListWidget()
        self.rules_list.setObjectName("approvalRulesList")
        self.rules_list.setAccessibleName("Actions always allowed")
        self.rules_list.setToolTip(field_description("approval_rules"))
        self.rules_list.setMaximumHeight(120)
        for rule in settings.approval_rules:
            # A list item shows its text as plain text: a slug cannot format anything.
            text = f"{title_of_slug(rule.slug)} — {rule.slug} · {made_text(rule.made_at)}"
            item = QListWidgetItem(text)
            item.setData(SLUG_ROLE, rule.slug)
            item.setToolTip(text)
            self.rules_list.addItem(item)
        self.empty_label = wrapped_label(NO_RULES, "approvalRulesEmptyLabel")
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.setObjectName("revokeRuleButton")
        self.revoke_button.setAccessibleName("Revoke the selected rule")
        self.revoke_button.setToolTip("Ask again before this action (once you save)")
        self.revoke_button.clicked.connect(self._on_revoke_button_clicked)
        self.rules_list.currentRowChanged.connect(self._on_rules_list_current_row_changed)
        self.note = wrapped_label(REVOKE_NOTE, "revokeNoteLabel")

        revoke_row = QHBoxLayout()
        revoke_row.addWidget(self.note, 1)
        revoke_row.addWidget(self.revoke_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(wrapped_label("Permissions", "sectionTitle"))
        layout.addWidget(self.ask_before_reads)
        layout.addWidget(wrapped_label("Always allowed, without asking:", "rulesLabel"))
        layout.addWidget(self.rules_list)
        layout.addWidget(self.empty_label)
        layout.addLayout(revoke_row)
        if self.rules_list.count():
            self.rules_list.setCurrentRow(0)
        self._update()

    def kept_rules(self) -> tuple[ApprovalRule, ...]:
        """The rules shown when the dialog opened, less those revoked here."""
        return tuple(rule for rule in self._rules if rule.slug not in self.revoked)

    def shown_slugs(self) -> tuple[str, ...]:
        """The rules still listed (not revoked here)."""
        items = (self.rules_list.item(row) for row in range(self.rules_list.count()))
        return tuple(str(item.data(SLUG_ROLE)) for item in items)

    def focus_order(self) -> tuple[QWidget, ...]:
        return (self.ask_before_reads, self.rules_list, self.revoke_button)

    def _on_revoke_button_clicked(self) -> None:
        item = self.rules_list.takeItem(self.rules_list.currentRow())
        if item is None:
            return
        self.revoked |= {str(item.data(SLUG_ROLE))}
        self._update()

    def _on_rules_list_current_row_changed(self, _row: int) -> None:
        self._update()

    def _update(self) -> None:
        has_rules = self.rules_list.count() > 0
        self.rules_list.setVisible(has_rules)
        self.empty_label.setVisible(not has_rules)
        self.revoke_button.setVisible(has_rules)
        self.note.setVisible(has_rules or bool(self.revoked))
        self.revoke_button.setEnabled(self.rules_list.currentRow() >= 0)
