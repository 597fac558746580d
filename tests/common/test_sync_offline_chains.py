"""Chains of offline changes keep the ids the desk gave them, on the server and on every replica.

A desk records a treatment, takes a payment for it and refunds part of that payment, all before it
reconnects: the payment names the treatment and the refund the payment by ids made on the desk,
so the server applies the three in order with the same ids and a second desk pulls the same rows.
Sent again (a lost answer, or the same change under a new number) nothing is applied twice.

The desk's other changes sync the same way: merging and unmerging patients, joining and leaving
the waitlist, scans, and later edits and completion of a treatment record. Each takes exactly the
arguments the desk's own intents (desktop/actions.py) send.

Real server (uvicorn in a thread) on SQLite and PostgreSQL; each desk a replica in its own file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from common.barcodes.models import BarcodeScanEvent
from common.clock import FrozenClock
from common.patients.models import Patient, PatientMerge
from common.payments.models import PaymentKind, PaymentRecord
from common.scheduling.models import WaitlistEntry, WaitlistStatus
from common.sync.client import SyncClient
from common.sync.models import MergeReview, OutboxStatus
from common.sync.protocol import MutationIn, PushRequest
from common.treatments.models import TreatmentRecord
from tests.e2e.conftest import SyncWorld, assert_converged, build_sync_world, outbox_answers
from tests.e2e.support import Device


@pytest.fixture
def sync_world(
    engine: Engine, clock: FrozenClock, tmp_path: Path, staff_password_hash: str, sqlite_template: Path
) -> Iterator[SyncWorld]:
    yield from build_sync_world(engine, clock, tmp_path, staff_password_hash, sqlite_template)


def _count(sw: SyncWorld, model: type[Any]) -> int:
    with sw.server_db.session(sw.clinic_id) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _resend(desk: Device, renumber_from: int | None = None) -> list[str]:
    """Push the desk's outbox again, as it is (a lost answer) or under new numbers."""
    rows = desk.outbox()
    mutations = [
        MutationIn(
            n=row.n if renumber_from is None else renumber_from + index,
            intent=row.intent,
            args=row.args,
            actor_staff_id=row.actor_staff_id,
        )
        for index, row in enumerate(rows)
    ]
    client = SyncClient(desk.server_url, desk.credential, "")
    try:
        return [answer.status for answer in client.push(PushRequest(mutations=mutations)).answers]
    finally:
        client.close()


def test_a_treatment_its_payment_and_a_refund_made_offline_keep_their_ids(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk = sw.device("desk1")
    desk.sync()
    patient = sw.sched.patients[0]

    # ---- offline: the desk's intents leave the new rows' ids out; the desk makes them ----
    recorded = desk.run(
        sw.staff("doctor", desk),
        "record_treatment",
        {
            "patient_id": str(patient),
            "catalog_item_id": str(sw.sched.treatment_id),
            "doctor_id": str(sw.world.staff["doctor"]),
            "appointment_id": None,
            "materials": [{"item_id": str(sw.item_id), "quantity": 2}],
            "discount": "0",
            "discount_percent": None,
            "notes": None,
            "barcode_scanned": False,
        },
    )
    treatment_id = recorded.record.id
    paid = desk.run(
        sw.staff("receptionist", desk),
        "take_payment",
        {
            "patient_id": str(patient),
            "amount": "3000",
            "method": "Cash",
            "treatment_id": str(treatment_id),
            "appointment_id": None,
            "discount": "0",
            "notes": None,
            "transaction_id": None,
        },
    )
    refunded = desk.run(
        sw.staff("admin", desk),
        "refund",
        {"payment_id": str(paid.id), "amount": "500", "reason": "Partly unhappy"},
    )
    assert [
        row.args.get(key)
        for row, key in zip(desk.outbox(), ("treatment_id", "payment_id", "refund_id"), strict=True)
    ] == [
        str(treatment_id),
        str(paid.id),
        str(refunded.id),
    ]
    assert _count(sw, TreatmentRecord) == 0

    desk.sync()
    assert outbox_answers(desk) == [
        ("record_treatment", OutboxStatus.APPLIED),
        ("take_payment", OutboxStatus.APPLIED),
        ("refund", OutboxStatus.APPLIED),
    ]
    with sw.server_db.session(sw.clinic_id) as session:
        record = session.get(TreatmentRecord, (sw.clinic_id, treatment_id))
        payment = session.get(PaymentRecord, (sw.clinic_id, paid.id))
        refund = session.get(PaymentRecord, (sw.clinic_id, refunded.id))
        assert record is not None and record.patient_id == patient
        assert payment is not None and payment.treatment_id == treatment_id
        assert refund is not None and refund.kind is PaymentKind.REFUND and refund.refund_of_id == paid.id
        assert refund.final_amount == Decimal("-500")

    # A second desk pulls the same rows, under the same ids.
    other = sw.device("desk2")
    other.sync()
    with other.database.session(other.info.clinic_id) as session:
        assert session.get(PaymentRecord, (sw.clinic_id, refunded.id)) is not None
    assert_converged(sw, desk, other)

    # Sent again (the answers lost): answered as duplicates, nothing applied twice.
    before = (_count(sw, TreatmentRecord), _count(sw, PaymentRecord))
    assert _resend(desk) == ["duplicate"] * 3
    # The same changes under new numbers (a device restored from a backup): the rows exist already.
    assert _resend(desk, renumber_from=4) == ["applied"] * 3
    assert (_count(sw, TreatmentRecord), _count(sw, PaymentRecord)) == before == (1, 2)
    desk.sync()
    other.sync()
    assert_converged(sw, desk, other)


def test_merge_waitlist_scan_and_treatment_edits_sync_from_an_offline_desk(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk, other = sw.device("desk1"), sw.device("desk2")
    desk.sync()
    other.sync()
    admin, clerk, doctor = sw.staff("admin", desk), sw.staff("receptionist", desk), sw.staff("doctor", desk)
    survivor, duplicate, waiting = sw.sched.patients[0], sw.sched.patients[1], sw.sched.patients[2]
    treatment = desk.run(
        doctor,
        "record_treatment",
        {
            "patient_id": str(survivor),
            "catalog_item_id": str(sw.sched.treatment_id),
            "doctor_id": str(sw.world.staff["doctor"]),
            "materials": [],
        },
    ).record.id
    desk.sync()
    other.sync()

    # ---- both desks offline ----
    other.run(
        sw.staff("doctor", other),
        "update_treatment",
        {"treatment_id": str(treatment), "changes": {"notes": "Mild redness"}},
    )
    # The desk's own arguments (desktop/actions.py): merge, unmerge, join, leave, scan.
    merged = desk.run(admin, "merge_patients", {"survivor_id": str(survivor), "duplicate_id": str(duplicate)})
    desk.run(admin, "unmerge_patients", {"merge_id": str(merged.merge_id)})
    entry = desk.run(
        clerk,
        "add_to_waitlist",
        {
            "patient_id": str(waiting),
            "wanted_date": "2026-11-25",
            "doctor_id": None,
            "period": None,
            "treatment_type_id": None,
            "duration_minutes": 30,
            "appointment_type": "Consultation",
            "notes": None,
        },
    )
    desk.run(clerk, "cancel_waitlist_entry", {"entry_id": str(entry.id)})
    scanned = desk.run(
        clerk,
        "resolve_scan",
        {"value": "NOT-A-CLINIC-CODE", "scanner_type": "keyboard_wedge", "location": "front_desk"},
    )
    assert scanned.refusal is not None  # a refused scan is still a recorded scan
    desk.run(
        doctor,
        "update_treatment",
        {"treatment_id": str(treatment), "changes": {"notes": "Redness gone", "follow_up_required": True}},
    )
    desk.run(doctor, "complete_treatment", {"treatment_id": str(treatment), "complications": None})
    other.run(sw.staff("doctor", other), "complete_treatment", {"treatment_id": str(treatment)})

    other.sync()
    desk.sync()
    other.sync()
    assert {status for _, status in outbox_answers(desk)} == {OutboxStatus.APPLIED}
    assert {status for _, status in outbox_answers(other)} == {OutboxStatus.APPLIED}
    with sw.server_db.session(sw.clinic_id) as session:
        merge = session.get(PatientMerge, (sw.clinic_id, merged.merge_id))
        assert merge is not None and merge.reverted_at is not None
        restored = session.get(Patient, (sw.clinic_id, duplicate))
        assert restored is not None and restored.merged_into_id is None
        kept = session.get(WaitlistEntry, (sw.clinic_id, entry.id))
        assert kept is not None and kept.status is WaitlistStatus.CANCELLED
        scan = session.get(BarcodeScanEvent, (sw.clinic_id, scanned.scan_id))
        assert scan is not None and scan.outcome is scanned.outcome
        record = session.get(TreatmentRecord, (sw.clinic_id, treatment))
        assert record is not None and record.completed_at is not None
        assert (record.notes, record.follow_up_required) == ("Redness gone", True)
        # The other desk's note, overwritten by the later edit, waits in the review list.
        [review] = session.scalars(select(MergeReview).where(MergeReview.entity_id == treatment)).all()
        assert (review.entity_type, review.field, review.overwritten_value) == (
            "treatment",
            "notes",
            {"value": "Mild redness"},
        )
    assert_converged(sw, desk, other)


def test_a_desk_intent_naming_a_foreign_or_malformed_id_is_refused(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk = sw.device("desk1")
    desk.sync()
    client = SyncClient(desk.server_url, desk.credential, "")
    staff = sw.world.staff["receptionist"]
    try:
        answers = client.push(
            PushRequest(
                mutations=[
                    MutationIn(
                        n=1,
                        intent="cancel_waitlist_entry",
                        args={"entry_id": str(uuid.uuid4())},
                        actor_staff_id=staff,
                    ),
                    MutationIn(n=2, intent="accept_offer", args={"offer_id": "x"}, actor_staff_id=staff),
                    MutationIn(
                        n=3,
                        intent="update_treatment",
                        args={"treatment_id": str(uuid.uuid4()), "changes": {"cost": "0"}},
                        actor_staff_id=staff,
                    ),
                ]
            )
        ).answers
    finally:
        client.close()
    assert [(a.status, a.code) for a in answers] == [
        ("rejected", "waitlist_entry_not_found"),
        ("rejected", "invalid_arguments"),
        ("rejected", "invalid_arguments"),
    ]
