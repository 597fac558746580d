"""`clinic-desktop report` and `clinic-desktop print`: reports and printables from the command line,
against this PC's replica, so a manager can schedule them.

    clinic-desktop report NAME --from DATE --to DATE [--format pdf|csv] --out FILE
        [--doctor EMAIL ...] [--treatment NAME ...] [--category KIND ...] [--type TYPE ...]
        [--booking-mode MODE ...] [--method METHOD ...] [--inventory-category CAT ...]
        [--group-by day|week|month] [--section KEY] [--lang en|zh_TW|zh_CN|ja] [--paper A4|Letter]
    clinic-desktop report --list
    clinic-desktop print poster --base-url URL [--paper A4|Letter|A3] [--logo FILE] [--rotate] --out FILE
    clinic-desktop print patient-card --patient CODE --out FILE
    clinic-desktop print labels patient --patient CODE [--size 62x29|57x32|62x100] [--copies N] --out FILE
    clinic-desktop print labels treatments [--sheet L7160|L7163|5160] [--outlines] --out FILE
    clinic-desktop print labels inventory [--sheet L7160|L7163|5160] [--copies N] [--outlines] --out FILE
    clinic-desktop print receipt --payment ID --out FILE
    clinic-desktop print invoice --appointment RESERVATION --out FILE

The replica is the one the desk app uses (CLINIC_DATA_DIR, DATABASE_URL; on a first run, the demo
clinic). Runs as the system unless `--as EMAIL` names a staff member, whose role must allow it.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from common.barcodes.payload import normalize
from common.catalog.models import TreatmentCatalogItem, TreatmentKind
from common.config import load_settings
from common.context import Actor, ServiceContext
from common.database import Database
from common.errors import DomainError
from common.i18n import SUPPORTED_LOCALES, normalize_locale, translate
from common.inventory.models import InventoryCategory
from common.patients.models import Patient
from common.payments.models import PaymentMethod
from common.printing import service as printing
from common.printing.pages import SHEETS, LabelSize, Paper, paper_for
from common.printing.report_csv import report_csv
from common.printing.report_pdf import report_pdf
from common.registration.service import rotate_registration_key
from common.reports.model import Granularity, ReportFilters, ReportRange
from common.reports.registry import REPORTS, run_report
from common.scheduling.models import Appointment, AppointmentType, BookingMode
from common.staff.models import StaffUser
from common.storage.engine import create_database_engine
from desktop.actions import Intent, perform
from desktop.startup import create_demo_clinic, open_replica

EXIT_USAGE = 2


class CommandError(Exception):
    """A mistake in the command line, explained."""


class _Quiet:
    def report(self, done: int, total: int = 0, message: str = "") -> None:
        return None


@dataclass
class Session:
    db: Database
    clinic_id: uuid.UUID
    actor: Actor


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.run(args))
    except CommandError as error:
        print(f"clinic-desktop: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DomainError as error:
        print(f"clinic-desktop: {error.translated(getattr(args, 'lang', None))}", file=sys.stderr)
        return 1


# ---- parsing --------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinic-desktop", description="Reports and printing.")
    commands = parser.add_subparsers(required=True, metavar="report|print")

    report = commands.add_parser("report", help="a report as PDF or CSV")
    report.add_argument("name", nargs="?", choices=sorted(REPORTS), metavar="NAME", help=", ".join(REPORTS))
    report.add_argument("--list", action="store_true", help="list the reports and their sections")
    report.add_argument("--from", dest="first", type=_date, help="first day (YYYY-MM-DD), clinic time")
    report.add_argument("--to", dest="last", type=_date, help="last day (YYYY-MM-DD), included")
    report.add_argument("--format", choices=("pdf", "csv"), help="default: from the file's extension")
    report.add_argument("--out", type=Path, help="the file to write")
    report.add_argument("--section", help="CSV: only this section's table (see --list)")
    report.add_argument("--doctor", action="append", default=[], metavar="EMAIL", help="only this doctor")
    report.add_argument(
        "--treatment", action="append", default=[], metavar="NAME", help="only this treatment"
    )
    report.add_argument("--category", action="append", default=[], choices=[k.value for k in TreatmentKind])
    report.add_argument("--type", action="append", default=[], choices=[t.value for t in AppointmentType])
    report.add_argument("--booking-mode", action="append", default=[], choices=[m.value for m in BookingMode])
    report.add_argument("--method", action="append", default=[], choices=[m.value for m in PaymentMethod])
    report.add_argument(
        "--inventory-category", action="append", default=[], choices=[c.value for c in InventoryCategory]
    )
    report.add_argument(
        "--group-by", choices=[g.value for g in Granularity], help="default: by the period's length"
    )
    _common(report)
    report.set_defaults(run=run_report_command)

    printing_parser = commands.add_parser("print", help="posters, cards, labels, receipts and invoices")
    kinds = printing_parser.add_subparsers(required=True, metavar="WHAT")
    poster = kinds.add_parser("poster", help="the self-registration QR poster")
    poster.add_argument(
        "--base-url", required=True, help="the clinic server's address, e.g. https://clinic.example.com"
    )
    poster.add_argument("--logo", type=Path, help="a PNG or JPEG (default: the clinic's logo, if set)")
    poster.add_argument(
        "--rotate",
        action="store_true",
        help="retire the current link first, so every poster printed before stops working "
        "(an enrolled PC asks the server, which makes the new link: sync, then print)",
    )
    _common(poster, papers=[p.value for p in Paper])
    poster.set_defaults(run=run_poster)

    card = kinds.add_parser("patient-card", help="a patient's card (bank-card size)")
    card.add_argument("--patient", required=True, help="the patient's code (CQ1P-...) or id")
    _common(card)
    card.set_defaults(run=run_card)

    labels = kinds.add_parser("labels", help="patient labels, treatment barcode sheets, inventory labels")
    labels.add_argument("what", choices=("patient", "treatments", "inventory"))
    labels.add_argument("--patient", help="patient labels: the patient's code or id")
    labels.add_argument("--size", choices=[s.value for s in LabelSize], help="patient labels: the label size")
    labels.add_argument("--copies", type=int, default=1, help="labels of each patient or item (default 1)")
    labels.add_argument(
        "--sheet", choices=sorted(SHEETS), help="sheets: the label grid (default by paper size)"
    )
    labels.add_argument("--outlines", action="store_true", help="sheets: draw the label edges (test print)")
    _common(labels)
    labels.set_defaults(run=run_labels)

    receipt = kinds.add_parser("receipt", help="the receipt of a payment")
    receipt.add_argument("--payment", required=True, type=uuid.UUID, help="the payment's id")
    _common(receipt)
    receipt.set_defaults(run=run_receipt)

    invoice = kinds.add_parser("invoice", help="the invoice of a visit")
    invoice.add_argument(
        "--appointment", required=True, help="the reservation number, or the appointment's id"
    )
    _common(invoice)
    invoice.set_defaults(run=run_invoice)
    return parser


def _common(parser: argparse.ArgumentParser, papers: Sequence[str] = ("A4", "Letter")) -> None:
    if not any(action.dest == "out" for action in parser._actions):
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
    parser.add_argument("--lang", choices=SUPPORTED_LOCALES, help="language (default: the clinic's)")
    parser.add_argument("--paper", choices=papers, help="paper size (default: the clinic's setting)")
    parser.add_argument("--clinic", type=uuid.UUID, help="the clinic (default: the one on this PC)")
    parser.add_argument("--as", dest="as_email", metavar="EMAIL", help="act as this staff member")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


# ---- the replica ----------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> Session:
    settings = load_settings()
    settings.ensure_data_dir()
    db = Database(create_database_engine(settings.database_url), chain_id="report-cli")
    opened = open_replica(db, _Quiet())
    clinic_id = args.clinic or opened.clinic_id or create_demo_clinic(db, _Quiet())
    actor = Actor.system()
    if args.as_email:
        with db.session(clinic_id) as session:
            staff = session.execute(
                select(StaffUser.id, StaffUser.role).where(
                    func.lower(StaffUser.email) == args.as_email.strip().lower(),
                    StaffUser.is_active.is_(True),
                )
            ).one_or_none()
            session.rollback()
        if staff is None:
            raise CommandError(f"no active staff member {args.as_email} in this clinic")
        actor = Actor.staff(staff.id, staff.role)
    return Session(db, clinic_id, actor)


def _run(session: Session, action: Callable[[ServiceContext], Any]) -> Any:
    with session.db.context(session.clinic_id, session.actor) as ctx:
        return action(ctx)


def _write(path: Path, content: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    print(f"wrote {path}")


def _locale(ctx: ServiceContext, lang: str | None) -> str:
    return normalize_locale(lang or ctx.clinic.default_language)


def _paper(ctx: ServiceContext, paper: str | None) -> Paper:
    return Paper(paper) if paper else paper_for(ctx.clinic.paper_size)


# ---- report ---------------------------------------------------------------------------------------


def run_report_command(args: argparse.Namespace) -> int:
    if args.list:
        for spec in REPORTS.values():
            print(f"{spec.name:<18} {translate(spec.description, args.lang)}")
        return 0
    if args.name is None or args.first is None or args.last is None or args.out is None:
        raise CommandError("give a report NAME, --from, --to and --out (or --list)")
    output = args.format or ("csv" if args.out.suffix.lower() == ".csv" else "pdf")
    session = _open(args)

    def build(ctx: ServiceContext) -> bytes | str:
        filters = _filters(ctx, args)
        data = run_report(ctx, args.name, ReportRange(args.first, args.last), filters)
        locale = _locale(ctx, args.lang)
        if output == "csv":
            if args.section and args.section not in {s.key for s in data.sections}:
                raise CommandError(
                    f"report {args.name} has no section {args.section}; it has: "
                    + ", ".join(s.key for s in data.sections)
                )
            return report_csv(data, locale=locale, section=args.section)
        return report_pdf(data, locale=locale, paper=_paper(ctx, args.paper))

    _write(args.out, _run(session, build))
    return 0


def _filters(ctx: ServiceContext, args: argparse.Namespace) -> ReportFilters:
    doctors = set()
    for email in args.doctor:
        found = ctx.session.scalar(
            select(StaffUser.id).where(func.lower(StaffUser.email) == email.strip().lower())
        )
        if found is None:
            raise CommandError(f"no staff member {email} in this clinic")
        doctors.add(found)
    treatments = set()
    for name in args.treatment:
        found = ctx.session.scalar(
            select(TreatmentCatalogItem.id).where(
                func.lower(TreatmentCatalogItem.name) == name.strip().lower()
            )
        )
        if found is None:
            raise CommandError(f"no treatment called {name!r} in the catalog")
        treatments.add(found)
    return ReportFilters(
        doctor_ids=frozenset(doctors),
        treatment_type_ids=frozenset(treatments),
        treatment_kinds=frozenset(TreatmentKind(k) for k in args.category),
        appointment_types=frozenset(AppointmentType(t) for t in args.type),
        booking_modes=frozenset(BookingMode(m) for m in args.booking_mode),
        payment_methods=frozenset(PaymentMethod(m) for m in args.method),
        inventory_categories=frozenset(InventoryCategory(c) for c in args.inventory_category),
        granularity=Granularity(args.group_by) if args.group_by else None,
    )


# ---- print ----------------------------------------------------------------------------------------


def _patient_id(ctx: ServiceContext, given: str) -> uuid.UUID:
    try:
        return uuid.UUID(given)
    except ValueError:
        pass
    found = ctx.session.scalar(select(Patient.id).where(Patient.barcode_id == normalize(given)))
    if found is None:
        raise CommandError("no patient has that code in this clinic")
    return found


def run_poster(args: argparse.Namespace) -> int:
    logo = args.logo.read_bytes() if args.logo else None
    session = _open(args)
    if args.rotate:
        rotated = perform(
            session.db,
            session.clinic_id,
            session.actor,
            Intent(
                "rotate_registration_key",
                {},
                rotate_registration_key,
                changes=frozenset({"registration_keys"}),
            ),
        )
        print(
            "retired the poster's link"
            + (f"; new link version {rotated}" if rotated else ": sync, then print")
        )
        if not rotated:
            return 0
    pdf = _run(
        session,
        lambda ctx: printing.registration_poster(
            ctx, args.base_url, paper=_paper(ctx, args.paper), logo=logo
        ),
    )
    _write(args.out, pdf)
    return 0


def run_card(args: argparse.Namespace) -> int:
    session = _open(args)
    pdf = _run(
        session, lambda ctx: printing.patient_card(ctx, _patient_id(ctx, args.patient), locale=args.lang)
    )
    _write(args.out, pdf)
    return 0


def run_labels(args: argparse.Namespace) -> int:
    session = _open(args)

    def build(ctx: ServiceContext) -> bytes:
        if args.what == "patient":
            if not args.patient:
                raise CommandError("patient labels need --patient CODE")
            patient = _patient_id(ctx, args.patient)
            return printing.patient_labels(ctx, patient, size=args.size, copies=args.copies, locale=args.lang)
        if args.what == "treatments":
            return printing.treatment_sheet(ctx, sheet=args.sheet, locale=args.lang, outlines=args.outlines)
        return printing.inventory_sheet(
            ctx, copies=args.copies, sheet=args.sheet, locale=args.lang, outlines=args.outlines
        )

    _write(args.out, _run(session, build))
    return 0


def run_receipt(args: argparse.Namespace) -> int:
    session = _open(args)
    pdf = _run(
        session,
        lambda ctx: printing.receipt(ctx, args.payment, locale=args.lang, paper=_paper(ctx, args.paper)),
    )
    _write(args.out, pdf)
    return 0


def run_invoice(args: argparse.Namespace) -> int:
    session = _open(args)

    def build(ctx: ServiceContext) -> bytes:
        try:
            appointment_id = uuid.UUID(args.appointment)
        except ValueError:
            found = ctx.session.scalar(
                select(Appointment.id).where(Appointment.reservation_id == args.appointment.strip().upper())
            )
            if found is None:
                raise CommandError(f"no appointment with reservation number {args.appointment}") from None
            appointment_id = found
        return printing.invoice(ctx, appointment_id, locale=args.lang, paper=_paper(ctx, args.paper))

    _write(args.out, _run(session, build))
    return 0
