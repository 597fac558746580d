"""A few conversations with patients for the demo clinic's Chat screen: some answered and read on
both sides, some waiting for the front desk (in each department), one marked high priority.

Each script is written in one language and goes to a patient who prefers it. Times are minutes
before the demo's `now`; a patient's messages before the last staff reply count as read by staff.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from common.chat.models import Department, MessagePriority, MessageType, RecipientType, SenderType
from common.patients.models import PreferredLanguage

RowMaker = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Line:
    minutes_ago: int
    text: str
    from_patient: bool = True
    seen: bool = True  # by the other side
    priority: MessagePriority = MessagePriority.NORMAL


@dataclass(frozen=True)
class Script:
    language: PreferredLanguage
    department: Department
    lines: tuple[Line, ...]


D, L = Department, PreferredLanguage
DAY: Final = 24 * 60

SCRIPTS: Final = (
    Script(
        L.ZH_TW,
        D.APPOINTMENT,
        (
            Line(14, "您好，我週四下午的預約可以改到週五嗎？", seen=False),
            Line(11, "如果週五不行，下週一早上也可以。謝謝！", seen=False),
        ),
    ),
    Script(
        L.EN,
        D.BILLING,
        (
            Line(
                26,
                "Hi, I think I was charged twice for my laser session on Saturday. Could you check?",
                seen=False,
                priority=MessagePriority.HIGH,
            ),
        ),
    ),
    Script(
        L.EN,
        D.MEDICAL,
        (Line(41, "Can I take ibuprofen the night before my Botox appointment tomorrow?", seen=False),),
    ),
    Script(
        L.ZH_TW,
        D.MEDICAL,
        (
            Line(190, "打完玻尿酸第二天還有一點腫，這樣正常嗎？"),
            Line(
                178,
                "輕微腫脹在 48 小時內是正常的。請冰敷，每次 10 分鐘。如果越來越腫或發熱，請馬上來電。",
                from_patient=False,
            ),
            Line(170, "好的，謝謝護理師！"),
        ),
    ),
    Script(
        L.ZH_TW,
        D.BILLING,
        (
            Line(6 * 60, "可以幫我開上次療程的收據嗎？要報保險用。"),
            Line(5 * 60 + 40, "已經寄到您的電子信箱了，請查收。", from_patient=False, seen=False),
        ),
    ),
    Script(
        L.JA,
        D.GENERAL,
        (
            Line(DAY + 120, "駐車場はありますか？"),
            Line(
                DAY + 95,
                "はい、建物の地下に駐車場があります。受付で駐車券をお渡しします。",
                from_patient=False,
            ),
            Line(DAY + 90, "ありがとうございます。助かります。"),
        ),
    ),
    Script(
        L.EN,
        D.APPOINTMENT,
        (
            Line(
                DAY + 60,
                "Reminder: your follow-up with Dr. Lin is tomorrow at 14:30. "
                "Reply here if you need to change it.",
                from_patient=False,
            ),
            Line(DAY + 20, "Thanks, see you then!"),
        ),
    ),
    Script(
        L.ZH_TW,
        D.GENERAL,
        (
            Line(2 * DAY + 30, "請問週日有營業嗎？"),
            Line(2 * DAY + 10, "週日公休，週六營業到下午五點。歡迎預約！", from_patient=False, seen=False),
        ),
    ),
)


def conversations(
    record: RowMaker,
    now: datetime,
    patients: Sequence[dict[str, Any]],
    answered_by: dict[Department, uuid.UUID],
) -> list[dict[str, Any]]:
    """The scripts' messages as `chat_messages` rows (`record` makes a row's key and times)."""
    rows: list[dict[str, Any]] = []
    used: set[uuid.UUID] = set()
    for script in SCRIPTS:
        earliest = now - timedelta(minutes=max(line.minutes_ago for line in script.lines) + DAY)
        patient = next(
            (
                p
                for p in patients
                if p["preferred_language"] == script.language
                and p["id"] not in used
                and p["created_at"] <= earliest
            ),
            None,
        )
        if patient is None:
            continue
        used.add(patient["id"])
        staff_id = answered_by[script.department]
        for line in script.lines:
            at = now - timedelta(minutes=line.minutes_ago)
            read_at = at + timedelta(minutes=2) if line.seen else None
            rows.append(
                record(
                    at,
                    patient_id=patient["id"],
                    sender_type=SenderType.PATIENT if line.from_patient else SenderType.STAFF,
                    sender_id=patient["id"] if line.from_patient else staff_id,
                    recipient_type=RecipientType.DEPARTMENT if line.from_patient else RecipientType.PATIENT,
                    recipient_id=None if line.from_patient else patient["id"],
                    message_type=MessageType.TEXT,
                    content=line.text,
                    media_url=None,
                    is_read=line.seen,
                    read_at=min(read_at, now) if read_at is not None else None,
                    department=script.department,
                    priority=line.priority,
                    related_appointment_id=None,
                    related_treatment_id=None,
                    edited_at=None,
                )
            )
    return rows
