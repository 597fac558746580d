"""The demo kiosk: the demo clinic, a kiosk replica of it, and patients set up for every outcome.

Files in the kiosk's data directory:
- `demo-clinic.db`: the whole demo clinic (common.demo), standing in for the clinic's server;
  seeded once, so the demo patients' codes stay the same and a printed sheet keeps working;
- `kiosk-replica.db`: what a kiosk holds (common.checkin.replica), rebuilt from it;
- `demo-kiosk.json`: which patients play which part, and when the replica was built.

The demo clinic's own calendar follows its opening hours, so at night nobody could check in.
So a few patients get appointments around the time the kiosk starts (one ready now, one early,
one late, one already checked in, one cancelled...), placed again whenever the replica is older
than `FRESH_FOR` or from another day. Qt-free: the kiosk runs it on a worker, tests call it.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, update

from common.barcodes import payload
from common.barcodes.models import BarcodeEntityType, BarcodeMapping, BarcodePurpose
from common.checkin.models import QuestionKind
from common.checkin.questions import QuestionSpec, set_arrival_questions
from common.checkin.replica import copy_kiosk_scope
from common.clinics.models import Clinic
from common.clock import FrozenClock
from common.context import Actor
from common.database import Database
from common.demo import DemoSpec, find_demo_clinic, seed_demo_clinic
from common.i18n import N_
from common.ids import new_id
from common.patients.models import Patient
from common.patients.service import NewPatient, register_patient
from common.scheduling.models import Appointment, AppointmentStatus, AppointmentType, BookingMode
from common.scheduling.reservation_ids import new_reservation_id
from common.staff.models import Role, StaffUser
from common.storage.engine import create_database_engine, sqlite_url
from common.storage.migrate import upgrade

SOURCE_FILE: Final = "demo-clinic.db"
REPLICA_FILE: Final = "kiosk-replica.db"
MANIFEST_FILE: Final = "demo-kiosk.json"
FRESH_FOR: Final = timedelta(minutes=20)
DEMO_PATIENTS: Final = 1_000
APPOINTMENT_MINUTES: Final = 30

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Part:
    """A role a demo patient plays: when their appointment is (minutes from now) and in what state."""

    key: str
    label: str  # msgid
    expect: str  # msgid: what the kiosk answers
    offsets: tuple[int, ...]  # minutes from now; the first that stays on today is used
    status: AppointmentStatus = AppointmentStatus.CONFIRMED
    days_ahead: int = 0


PARTS: Final = (
    Part("ready", N_("Ready to check in"), N_("Found: check in, answer two questions"), (10, -5, -10)),
    Part("ready_2", N_("Ready to check in"), N_("Found: check in, answer two questions"), (25, 5, -12)),
    Part("ready_3", N_("Ready to check in"), N_("Found: check in, answer two questions"), (40, 0, -14)),
    Part(
        "twin",
        N_("Same last name and birthday"),
        N_("“No code?” asks for the phone's last 4 digits"),
        (15, -3, -8),
    ),
    Part("early", N_("Comes too early"), N_("“You are early”, with the time check-in opens"), (150, 120, 90)),
    Part("late", N_("Comes too late"), N_("“Please see reception”"), (-60, -45, -30)),
    Part(
        "checked_in",
        N_("Already checked in"),
        N_("“You are already checked in”"),
        (-5, 5),
        AppointmentStatus.CHECKED_IN,
    ),
    Part(
        "cancelled",
        N_("Appointment cancelled"),
        N_("“Your appointment was cancelled”"),
        (30, -30, 5),
        AppointmentStatus.CANCELLED,
    ),
    Part("tomorrow", N_("Appointment tomorrow"), N_("“No appointment today”"), (0,), days_ahead=1),
    Part("lost_card", N_("Old card (code replaced)"), N_("“This code is no longer valid”"), (20, -5, 1)),
)
FOREIGN_KEY: Final = "foreign"
FOREIGN_LABEL: Final = N_("Another clinic's code")
FOREIGN_EXPECT: Final = N_("“We do not recognise this code”")
DEMO_QUESTIONS: Final = (
    QuestionSpec(
        prompts={
            "en": "Any change in your medications or allergies since your last visit?",
            "zh_TW": "自上次就診後，您的用藥或過敏狀況有任何變化嗎？",
            "zh_CN": "自上次就诊后，您的用药或过敏情况有任何变化吗？",
            "ja": "前回の来院以降、服用中のお薬やアレルギーに変更はありますか？",
        }
    ),
    QuestionSpec(kind=QuestionKind.PHONE_ENDING),
)


@dataclass(frozen=True)
class DemoCard:
    """One line of the demo sheet."""

    key: str
    label: str
    expect: str
    code: str
    first_name: str = ""
    last_name: str = ""
    date_of_birth: str = ""
    phone_last4: str = ""
    starts_at: str = ""  # ISO instant, empty when the part has no appointment today


@dataclass
class DemoKiosk:
    data_dir: Path
    clinic_id: uuid.UUID
    built_at: datetime
    cards: list[DemoCard] = field(default_factory=list)

    @property
    def replica_path(self) -> Path:
        return self.data_dir / REPLICA_FILE

    @property
    def source_path(self) -> Path:
        return self.data_dir / SOURCE_FILE

    def card(self, key: str) -> DemoCard:
        return next(card for card in self.cards if card.key == key)


def _no_progress(_text: str, _fraction: float) -> None:
    pass


def _engine(path: Path) -> Engine:
    return create_database_engine(sqlite_url(path))


def load_manifest(data_dir: Path) -> dict[str, object] | None:
    path = data_dir / MANIFEST_FILE
    if not path.exists() or not (data_dir / SOURCE_FILE).exists():
        return None
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def is_fresh(data_dir: Path, now: datetime) -> bool:
    manifest = load_manifest(data_dir)
    if manifest is None or not (data_dir / REPLICA_FILE).exists():
        return False
    built = datetime.fromisoformat(str(manifest["built_at"]))
    zone = ZoneInfo(str(manifest["timezone"]))
    same_day = built.astimezone(zone).date() == now.astimezone(zone).date()
    return same_day and timedelta(0) <= now - built < FRESH_FOR


def open_demo_kiosk(
    data_dir: Path,
    now: datetime,
    progress: Progress = _no_progress,
    *,
    patients: int = DEMO_PATIENTS,
    template: Path | None = None,
) -> DemoKiosk:
    """The demo kiosk's files, built or refreshed if needed."""
    if is_fresh(data_dir, now):
        return _from_manifest(data_dir)
    return build_demo_kiosk(data_dir, now, progress, patients=patients, template=template)


def build_demo_kiosk(
    data_dir: Path,
    now: datetime,
    progress: Progress = _no_progress,
    *,
    patients: int = DEMO_PATIENTS,
    template: Path | None = None,
) -> DemoKiosk:
    """Build (or refresh) the demo kiosk. `template`: an empty database already at the latest
    schema, copied instead of running the migrations (tests make one per session)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if template is not None and not (data_dir / SOURCE_FILE).exists():
        shutil.copyfile(template, data_dir / SOURCE_FILE)
    source = _engine(data_dir / SOURCE_FILE)
    try:
        progress(N_("Preparing the demo clinic…"), 0.1)
        upgrade(source)
        manifest = load_manifest(data_dir)
        clinic_id = find_demo_clinic(source)
        if clinic_id is None or manifest is None or manifest.get("clinic_id") != str(clinic_id):
            progress(N_("Creating the demo clinic: patients, doctors and appointments…"), 0.2)
            clinic_id = clinic_id or seed_demo_clinic(source, DemoSpec(now=now, patients=patients)).clinic_id
            manifest = _cast_parts(source, clinic_id, now)
        progress(N_("Placing today's demo appointments…"), 0.6)
        cards = _place_appointments(source, clinic_id, manifest, now)
        progress(N_("Copying what the kiosk needs…"), 0.8)
        _build_replica(source, data_dir, clinic_id, now, template)
        timezone = _timezone(source, clinic_id)
    finally:
        source.dispose()
    manifest["built_at"] = now.isoformat()
    manifest["timezone"] = timezone
    manifest["cards"] = [asdict(card) for card in cards]
    (data_dir / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    progress(N_("Ready"), 1.0)
    return _from_manifest(data_dir)


def _from_manifest(data_dir: Path) -> DemoKiosk:
    manifest = load_manifest(data_dir)
    assert manifest is not None
    raw_cards = manifest.get("cards", [])
    assert isinstance(raw_cards, list)
    return DemoKiosk(
        data_dir=data_dir,
        clinic_id=uuid.UUID(str(manifest["clinic_id"])),
        built_at=datetime.fromisoformat(str(manifest["built_at"])),
        cards=[DemoCard(**card) for card in raw_cards],
    )


def _timezone(source: Engine, clinic_id: uuid.UUID) -> str:
    with source.connect() as connection:
        return str(connection.scalar(select(Clinic.timezone).where(Clinic.id == clinic_id)))


def _system(source: Engine, now: datetime) -> Database:
    return Database(source, clock=FrozenClock(now), chain_id="demo-kiosk")


def _cast_parts(source: Engine, clinic_id: uuid.UUID, now: datetime) -> dict[str, object]:
    """Once per demo clinic: pick patients who have no appointments of their own, add a twin,
    replace one card, and set the arrival questions."""
    db = _system(source, now)
    with db.context(clinic_id, Actor.system()) as ctx:
        booked = select(Appointment.patient_id)
        free = list(
            ctx.session.scalars(
                select(Patient)
                .where(
                    Patient.id.not_in(booked), Patient.is_active.is_(True), Patient.phone_digits.is_not(None)
                )
                .order_by(Patient.id)
                .limit(len(PARTS))
            )
        )
        cast = {part.key: str(patient.id) for part, patient in zip(PARTS, free, strict=True)}
        ready = free[0]
        twin = register_patient(
            ctx,
            NewPatient(
                first_name="Mei" if ready.first_name != "Mei" else "Lan",
                last_name=ready.last_name,
                date_of_birth=ready.date_of_birth,
                contact_phone="0987-654-321",
            ),
        )
        cast["twin"] = str(twin.id)
        set_arrival_questions(ctx, list(DEMO_QUESTIONS))
        lost = uuid.UUID(cast["lost_card"])
        clinic = ctx.clinic
        old_code = payload.generate(payload.CodeKind.PATIENT, clinic.id, clinic.barcode_secret).value
        ctx.session.add(
            BarcodeMapping(
                clinic_id=clinic_id,
                barcode_value=old_code,
                entity_type=BarcodeEntityType.PATIENT,
                entity_id=lost,
                purpose=BarcodePurpose.IDENTIFICATION,
                generated_at=now - timedelta(days=200),
                is_active=False,
                deactivated_reason="lost card (demo)",
            )
        )
    foreign = payload.generate(payload.CodeKind.PATIENT, uuid.uuid4(), os.urandom(32)).value
    return {
        "clinic_id": str(clinic_id),
        "cast": cast,
        "old_code": old_code,
        "foreign_code": foreign,
        "appointments": [],
    }


def _fit(now: datetime, zone: ZoneInfo, offsets: tuple[int, ...], days_ahead: int) -> datetime | None:
    today = now.astimezone(zone).date()
    for minutes in offsets:
        start = (now + timedelta(days=days_ahead, minutes=minutes)).replace(second=0, microsecond=0)
        if start.astimezone(zone).date() == today + timedelta(days=days_ahead):
            return start
    return None


def _place_appointments(
    source: Engine, clinic_id: uuid.UUID, manifest: dict[str, object], now: datetime
) -> list[DemoCard]:
    """Tombstone the last run's demo appointments and place this run's around `now`."""
    cast = manifest["cast"]
    assert isinstance(cast, dict)
    db = _system(source, now)
    cards: list[DemoCard] = []
    placed: list[str] = []
    with db.context(clinic_id, Actor.system()) as ctx:
        previous = manifest.get("appointments") or []
        assert isinstance(previous, list)
        old = [uuid.UUID(str(value)) for value in previous]
        if old:
            ctx.session.execute(update(Appointment).where(Appointment.id.in_(old)).values(deleted_at=now))
        zone = ctx.tz
        doctors = list(
            ctx.session.scalars(
                select(StaffUser.id).where(StaffUser.role == Role.DOCTOR).order_by(StaffUser.id)
            )
        )
        patients = {
            patient.id: patient
            for patient in ctx.session.scalars(
                select(Patient).where(Patient.id.in_([uuid.UUID(str(v)) for v in cast.values()]))
            )
        }
        for index, part in enumerate(PARTS):
            patient = patients[uuid.UUID(str(cast[part.key]))]
            starts_at = _fit(now, zone, part.offsets, part.days_ahead)
            if starts_at is not None:
                appointment = _appointment(
                    patient.id, doctors[index % len(doctors)], starts_at, zone, part, now
                )
                ctx.session.add(appointment)
                placed.append(str(appointment.id))
            code = str(manifest["old_code"]) if part.key == "lost_card" else patient.barcode_id
            cards.append(
                DemoCard(
                    key=part.key,
                    label=part.label,
                    expect=part.expect,
                    code=code,
                    first_name=patient.first_name,
                    last_name=patient.last_name,
                    date_of_birth=patient.date_of_birth.isoformat(),
                    phone_last4=(patient.phone_digits or "")[-4:],
                    starts_at=starts_at.isoformat() if starts_at is not None and part.days_ahead == 0 else "",
                )
            )
    cards.append(DemoCard(FOREIGN_KEY, FOREIGN_LABEL, FOREIGN_EXPECT, str(manifest["foreign_code"])))
    manifest["appointments"] = placed
    return cards


def _appointment(
    patient_id: uuid.UUID,
    doctor_id: uuid.UUID,
    starts_at: datetime,
    zone: ZoneInfo,
    part: Part,
    now: datetime,
) -> Appointment:
    ends_at = starts_at + timedelta(minutes=APPOINTMENT_MINUTES)
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return Appointment(
        id=new_id(),
        patient_id=patient_id,
        doctor_id=doctor_id,
        reservation_id=new_reservation_id(local_start.date()),
        starts_at=starts_at,
        ends_at=ends_at,
        appointment_date=local_start.date(),
        start_time=local_start.time(),
        end_time=local_end.time(),
        duration_minutes=APPOINTMENT_MINUTES,
        appointment_type=AppointmentType.CONSULTATION,
        status=part.status,
        booking_mode=BookingMode.SPECIFIC_TIME,
        check_in_time=now - timedelta(minutes=3) if part.status is AppointmentStatus.CHECKED_IN else None,
        cancelled_at=now - timedelta(days=1) if part.status is AppointmentStatus.CANCELLED else None,
        cancellation_reason="demo" if part.status is AppointmentStatus.CANCELLED else None,
    )


def rebuild_replica(data_dir: Path, clinic_id: uuid.UUID, now: datetime) -> None:
    """Copy the kiosk's scope from the demo clinic again (after changing the demo clinic)."""
    source = _engine(data_dir / SOURCE_FILE)
    try:
        _build_replica(source, data_dir, clinic_id, now, None)
    finally:
        source.dispose()


def _build_replica(
    source: Engine, data_dir: Path, clinic_id: uuid.UUID, now: datetime, template: Path | None
) -> None:
    building = data_dir / (REPLICA_FILE + ".building")
    for stale in _with_sidecars(building):
        stale.unlink(missing_ok=True)
    if template is not None:
        shutil.copyfile(template, building)
    target = _engine(building)
    try:
        upgrade(target)
        copy_kiosk_scope(source, target, clinic_id, now)
    finally:
        target.dispose()  # the last connection checkpoints the WAL into the file
    final = data_dir / REPLICA_FILE
    for stale in _with_sidecars(final):
        stale.unlink(missing_ok=True)
    os.replace(building, final)


def _with_sidecars(path: Path) -> Iterator[Path]:
    yield path
    for suffix in ("-wal", "-shm", "-journal"):
        yield path.with_name(path.name + suffix)


def timezone_of(demo: DemoKiosk) -> str:
    manifest = load_manifest(demo.data_dir)
    return str(manifest["timezone"]) if manifest is not None else "UTC"
