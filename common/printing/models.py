"""A clinic's print settings: its logo, whether patient names go on cards and labels, and the
receipt printer's paper."""

from __future__ import annotations

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord

MAX_LOGO_BYTES = 512 * 1024


class PrintSettings(ClinicRecord, Base):
    """One row per clinic (absent: the defaults)."""

    __tablename__ = "print_settings"
    __table_args__ = (UniqueConstraint("clinic_id"),)

    # Off by default: a card or label that falls out of a bag names nobody.
    names_on_patient_cards: Mapped[bool] = mapped_column(default=False)
    # PNG or JPEG, shown on posters, receipts and invoices.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary(MAX_LOGO_BYTES))
    label_size: Mapped[str] = mapped_column(String(16), default="62x29")
    # "page" (the clinic's A4 or Letter) or "80mm" (a till printer's roll): see printing/till.py.
    receipt_paper: Mapped[str] = mapped_column(String(16), default="page")
