"""A desk's push reaches the clinic's other desks on the poke stream as pages: each committed
chunk's change number with every row it stamped, exactly what a pull from the number before brings.
A kiosk, a device that did not ask, a REST write and a page too big for a notification get the
plain poke (pull)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest

from common.patients import service as patients
from common.sync.models import DeviceKind
from common.sync.protocol import MutationIn, PokePage, PullResponse, PushRequest, TableRows
from sync_server.sync import pokes
from sync_server.sync.devices import DeviceIdentity
from sync_server.sync.enrollment import create_enrollment_code, redeem
from sync_server.sync.pull import pull_page
from sync_server.sync.push import apply_push
from tests.sync_server.push_support import Desk, mixed_batch

Published = list[tuple[uuid.UUID, uuid.UUID | None, str | None]]


def _published(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Published:
    """What each commit hands to this worker's subscribers."""
    published: Published = []

    def keep(clinic_id: uuid.UUID, origin: uuid.UUID | None = None, page: str | None = None) -> None:
        published.append((clinic_id, origin, page))

    pokes.serve_pokes(desk.db.engine)  # as the server's app does
    monkeypatch.setattr(pokes.BROADCASTER, "publish", keep)
    return published


def _pull(desk: Desk, cursor: str) -> PullResponse:
    with desk.db.session(desk.world.clinic_id) as session, session.begin():
        return pull_page(session, desk.device, cursor, 5_000, desk.db.clock.now())


def _states(tables: list[TableRows]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (rows.table, str(values["id"])): values
        for rows in tables
        for values in (dict(zip(rows.columns, row, strict=True)) for row in rows.rows)
    }


def test_each_chunk_pokes_with_the_page_a_pull_brings(
    desk: Desk, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Applied, refused and conflicting mutations, in one chunk or in chunks of three: the pages
    follow on from one another, and applied in turn they leave what the pull leaves."""
    batch, _ = mixed_batch(desk)
    cursor = _pull(desk, "").cursor
    published = _published(desk, monkeypatch)

    response = apply_push(desk.db, desk.device, PushRequest(mutations=batch))

    assert {answer.status for answer in response.answers} == {"applied", "conflict", "rejected"}
    assert {(clinic, origin) for clinic, origin, _ in published} == {
        (desk.world.clinic_id, desk.device.device_id)
    }
    pages = [PokePage.model_validate_json(page or "") for _, _, page in published]
    assert len(pages) >= 2  # a refusal splits even one chunk: what came before it commits first
    assert pages[0].after == cursor
    assert all(later.after == earlier.cursor for earlier, later in pairwise(pages))
    held: dict[tuple[str, str], dict[str, Any]] = {}
    for page in pages:
        held.update(_states(page.changes))
    pulled = _pull(desk, cursor)
    assert pages[-1].cursor == pulled.cursor
    assert held == _states(pulled.tables)
    assert {"inventory_movements", "sync_conflicts", "patients"} <= {table for table, _ in held}


def test_a_kiosk_push_and_a_rest_write_poke_without_a_page(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _ = create_enrollment_code(desk.db, desk.world.clinic_id, DeviceKind.KIOSK)
    enrolled = redeem(desk.db, code, "lobby")
    kiosk = DeviceIdentity(enrolled.clinic_id, enrolled.device_id, DeviceKind.KIOSK)
    soon = desk.sched.insert_appointment(desk.db.clock.now() + timedelta(minutes=15), patient=2)
    published = _published(desk, monkeypatch)

    check_in = MutationIn(n=1, intent="kiosk_check_in", args={"appointment_id": str(soon)}, touched=[])
    answer = apply_push(desk.db, kiosk, PushRequest(mutations=[check_in], cursor="")).answers[0]
    with desk.world.ctx("receptionist") as ctx:
        patients.update_patient(ctx, desk.sched.patients[1], {"first_name": "Rested"})

    assert answer.status == "applied", answer
    assert published == [
        (desk.world.clinic_id, kiosk.device_id, None),
        (desk.world.clinic_id, None, None),
    ]


def test_a_page_too_big_for_the_stream_goes_by_pull(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pokes, "MAX_PAGE_BYTES", 1_000)
    published = _published(desk, monkeypatch)
    apply_push(desk.db, desk.device, PushRequest(mutations=[desk.note(0, "x" * 1_000)]))
    apply_push(desk.db, desk.device, PushRequest(mutations=[desk.use_stock()]))
    assert [page is None for _, _, page in published] == [True, False]


def _subscribed(pages: bool, offers: list[str | None]) -> tuple[list[str], bool]:
    async def scenario() -> tuple[list[str], bool]:
        broadcaster = pokes.Broadcaster()
        clinic, pusher = uuid.uuid4(), uuid.uuid4()
        inbox = broadcaster.subscribe(clinic, uuid.uuid4(), pages=pages)
        for page in offers:
            broadcaster.publish(clinic, pusher, page)
        await asyncio.sleep(0)
        assert inbox.ready.is_set()
        return inbox.take()

    return asyncio.run(scenario())


def test_a_desk_that_asked_gets_the_pages_in_order() -> None:
    assert _subscribed(True, ["one", "two"]) == (["one", "two"], False)


def test_a_plain_poke_or_too_many_pages_waiting_turn_into_one_poke() -> None:
    """A pull brings everything the pages would: they are not sent as well."""
    assert _subscribed(True, ["one", None, "two"]) == ([], True)
    assert _subscribed(True, [str(n) for n in range(pokes.MAX_PENDING_PAGES + 1)]) == ([], True)


def test_a_device_that_did_not_ask_for_pages_is_poked() -> None:
    assert _subscribed(False, ["one"]) == ([], True)


def test_other_workers_hear_ids_and_their_desks_get_the_page_read_there(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A LISTEN passes by row-level security: the notification holds the clinic, the pushing
    device, the worker and the change number. Another worker reads the page for its own desks
    that take pages, once; its other devices are poked; a worker skips its own notifications."""
    if desk.db.engine.dialect.name != "postgresql":
        pytest.skip("notifications: PostgreSQL")
    sent: list[str] = []
    monkeypatch.setattr(
        pokes.notifier_for(desk.db.engine), "send", lambda *poke: sent.append(pokes.notification(*poke))
    )
    monkeypatch.setattr(pokes, "BROADCASTER", pokes.Broadcaster())
    pokes.serve_pokes(desk.db.engine)
    cursor = _pull(desk, "").cursor

    apply_push(desk.db, desk.device, PushRequest(mutations=[desk.note(0, "Prefers mornings")]))

    clinic, device = desk.world.clinic_id, desk.device.device_id
    assert sent == [f"{clinic}:{device}:{pokes.WORKER}:{int(cursor) + 1}"]
    assert "Prefers mornings" not in sent[0]
    listener = pokes.PostgresListener(desk.db)  # not started: heard by hand

    async def heard(payload: str) -> list[tuple[list[str], bool]]:
        inboxes = [pokes.BROADCASTER.subscribe(clinic, uuid.uuid4(), pages=pages) for pages in (True, False)]
        await asyncio.to_thread(listener.hear, payload)
        await asyncio.sleep(0)
        return [inbox.take() for inbox in inboxes]

    (pages, poked), plain = asyncio.run(heard(sent[0].replace(pokes.WORKER, "another-worker")))
    assert not poked
    assert plain == ([], True)
    page = PokePage.model_validate_json(pages[0])
    pulled = _pull(desk, cursor)
    assert (page.after, page.cursor) == (cursor, pulled.cursor)
    assert _states(page.changes) == _states(pulled.tables)
    assert asyncio.run(heard(sent[0])) == [([], False), ([], False)]


def test_a_notification_reads_back_and_refuses_what_is_not_one() -> None:
    clinic, origin = uuid.uuid4(), uuid.uuid4()
    assert pokes.parse_notification(pokes.notification(clinic, origin, 42)) == pokes.Notification(
        clinic, origin, pokes.WORKER, 42
    )
    assert pokes.parse_notification(f"{clinic}::w:") == pokes.Notification(clinic, None, "w", None)
    with pytest.raises(ValueError, match="UUID"):
        pokes.parse_notification("not a clinic::w:")
