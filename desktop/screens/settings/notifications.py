"""Settings › Notifications: what the clinic sends to its patients and its staff, per channel."""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout

from common.clinics.service import (
    CHANNELS,
    PATIENT_NOTIFICATIONS,
    STAFF_NOTIFICATIONS,
    NotificationKey,
    clinic_notification_preferences,
)
from common.context import ServiceContext
from common.i18n import N_
from common.notifications.models import Channel, NotificationKind, RecipientKind
from common.qt.i18n import _
from desktop.actions import Intent
from desktop.screens.settings.actions import update_notifications
from desktop.screens.settings.page import SettingsPage
from desktop.widgets.common import label

KIND_NAMES: Final[dict[NotificationKind, str]] = {
    NotificationKind.APPOINTMENT_CONFIRMATION: N_("Booking confirmed"),
    NotificationKind.APPOINTMENT_REMINDER: N_("Appointment reminder"),
    NotificationKind.APPOINTMENT_RESCHEDULE: N_("Appointment moved"),
    NotificationKind.APPOINTMENT_CANCELLATION: N_("Appointment cancelled"),
    NotificationKind.WAITLIST_OFFER: N_("A waitlist place is free"),
    NotificationKind.TREATMENT_FOLLOW_UP: N_("Treatment follow-up"),
    NotificationKind.CHAT_MESSAGE: N_("New chat message"),
    NotificationKind.CHECK_IN: N_("A patient checked in"),
    NotificationKind.LOW_STOCK: N_("Stock is running low"),
    NotificationKind.LICENSE_ALERT: N_("Licence and seats"),
}
CHANNEL_NAMES: Final[dict[Channel, str]] = {
    Channel.IN_APP: N_("In the app"),
    Channel.PUSH: N_("Push"),
    Channel.EMAIL: N_("Email"),
    Channel.SMS: N_("SMS"),
}
AUDIENCES: Final = (
    (RecipientKind.PATIENT, PATIENT_NOTIFICATIONS, "notify_card_patients"),
    (RecipientKind.STAFF, STAFF_NOTIFICATIONS, "notify_card_staff"),
)


class NotificationsPage(SettingsPage):
    key = "notifications"
    title_msgid = N_("Notifications")
    description_msgid = N_(
        "Which messages the clinic sends, and how. Messages to patients name no treatment unless "
        "the patient agreed to it; a patient's own choices still come first."
    )
    icon_name = "chat"
    watches = frozenset({"notification_preferences"})

    def build(self) -> None:
        self.boxes: dict[NotificationKey, QCheckBox] = {}
        self.kind_labels: list[tuple[Any, NotificationKind]] = []
        self.channel_labels: list[tuple[Any, Channel]] = []
        for audience, kinds, card_name in AUDIENCES:
            card = self.card(card_name)
            grid = QGridLayout()
            grid.setHorizontalSpacing(22)
            grid.setVerticalSpacing(8)
            grid.setColumnStretch(len(CHANNELS) + 1, 1)
            grid.setColumnMinimumWidth(0, 240)
            for column in range(1, len(CHANNELS) + 1):
                grid.setColumnMinimumWidth(column, 84)
            for column, channel in enumerate(CHANNELS, start=1):
                header = label("", "muted")
                grid.addWidget(header, 0, column, Qt.AlignmentFlag.AlignHCenter)
                self.channel_labels.append((header, channel))
            for row, kind in enumerate(kinds, start=1):
                name = label()
                grid.addWidget(name, row, 0)
                self.kind_labels.append((name, kind))
                for column, channel in enumerate(CHANNELS, start=1):
                    box = QCheckBox()
                    box.setObjectName(f"notify_{audience.value}_{kind.value}_{channel.value}")
                    self.boxes[(audience, kind, channel)] = box
                    grid.addWidget(box, row, column, Qt.AlignmentFlag.AlignHCenter)
                    self.watch(box)
            card.body.addLayout(grid)
        self.body.addWidget(self.field("notifications"))

    def read(self, ctx: ServiceContext) -> dict[NotificationKey, bool]:
        return clinic_notification_preferences(ctx)

    def fill(self, data: Any) -> None:
        for key, box in self.boxes.items():
            box.setChecked(bool(data.get(key, True)))

    def changes(self) -> list[Intent]:
        if not isinstance(self.data, dict):
            return []
        changed = [
            (*key, box.isChecked())
            for key, box in self.boxes.items()
            if box.isChecked() != self.data.get(key, True)
        ]
        return [update_notifications(changed)] if changed else []

    def retranslate_page(self) -> None:
        self.title_cards({"notify_card_patients": _("To patients"), "notify_card_staff": _("To staff")})
        for widget, kind in self.kind_labels:
            widget.setText(_(KIND_NAMES[kind]))
        for widget, channel in self.channel_labels:
            widget.setText(_(CHANNEL_NAMES[channel]))
        for (audience, kind, channel), box in self.boxes.items():
            who = _("To patients") if audience is RecipientKind.PATIENT else _("To staff")
            box.setAccessibleName(f"{who}: {_(KIND_NAMES[kind])}, {_(CHANNEL_NAMES[channel])}")
