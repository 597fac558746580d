"""A real server, real engines: another desk's push reaches a desk on its poke stream as a page,
applied without a pull; a change still pending on the desk keeps its row; a kiosk and a device that
did not ask for pages hear the plain poke."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from common.patients.models import Patient
from common.sync.client import SyncClient
from common.sync.engine import MAX_WAITING_PAGES
from common.sync.models import DeviceKind
from common.sync.protocol import PokePage
from common.sync.replica import PageFate, apply_poke_page
from sync_server.sync import endpoints, pokes
from sync_server.sync.enrollment import withdraw_device
from tests.e2e.conftest import SyncWorld, assert_converged, register_patient, two_synced_desks
from tests.e2e.support import Device


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def _patient(device: Device, patient_id: uuid.UUID) -> Patient | None:
    with device.database.session(device.info.clinic_id) as session:
        return session.get(Patient, (device.info.clinic_id, patient_id))


def test_another_desks_push_arrives_as_a_page_without_a_pull(
    sync_world: SyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    sw = sync_world
    desk1, desk2 = two_synced_desks(sw)
    pulls: list[Any] = []
    pull = desk2.sync_engine.client.pull

    def counted(*args: Any, **kwargs: Any) -> Any:
        pulls.append(args)
        return pull(*args, **kwargs)

    monkeypatch.setattr(desk2.sync_engine.client, "pull", counted)
    for desk in (desk1, desk2):
        desk.sync_engine.poll_seconds = 600  # only the poke stream brings another desk's change
        desk.sync_engine.events_client = SyncClient(desk.server_url, desk.credential, "head")
        desk.sync_engine.start()
    try:
        time.sleep(1.0)  # the poke streams connected: their hello asked for a pull
        _wait_for(lambda: bool(pulls) and not desk2.sync_engine.status.syncing, "desk2's first pull")
        before = len(pulls)
        for round_number in range(3):
            registered = register_patient(sw, desk1, f"Paged{round_number}")
            _wait_for(lambda: _patient(desk2, registered) is not None, "the other desk did not get it")  # noqa: B023
    finally:
        desk1.sync_engine.stop()
        desk2.sync_engine.stop()
    assert len(pulls) == before  # the three changes came as pages
    assert_converged(sw, desk1, desk2)


def test_a_page_keeps_the_row_of_a_change_still_pending_on_the_desk(
    sync_world: SyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    sw = sync_world
    desk1, desk2 = two_synced_desks(sw)
    pages: list[str] = []
    publish = pokes.BROADCASTER.publish

    def kept(clinic_id: uuid.UUID, origin: uuid.UUID | None = None, page: str | None = None) -> None:
        if page is not None:
            pages.append(page)
        publish(clinic_id, origin, page)

    monkeypatch.setattr(pokes.BROADCASTER, "publish", kept)
    patient_id = sw.sched.patients[0]
    desk2.run(
        sw.staff("receptionist", desk2),
        "update_patient",
        {"patient_id": str(patient_id), "changes": {"contact_phone": "0912 345 678"}},
    )
    desk1.run(
        sw.staff("receptionist", desk1),
        "update_patient",
        {"patient_id": str(patient_id), "changes": {"notes": "Prefers mornings"}},
    )
    desk1.sync()
    _wait_for(lambda: bool(pages), "no page was published")

    page = PokePage.model_validate_json(pages[0])
    assert page.after == desk2.cursor()
    fate = apply_poke_page(desk2.engine, page, sw.clinic_id, datetime.now(UTC))

    assert fate is PageFate.APPLIED
    assert desk2.cursor() == page.cursor
    held = _patient(desk2, patient_id)
    assert held is not None
    assert (held.contact_phone, held.notes) == ("0912 345 678", None)  # desk2's own, still pending
    assert apply_poke_page(desk2.engine, page, sw.clinic_id, datetime.now(UTC)) is PageFate.HELD
    desk2.sync()
    merged = _patient(desk2, patient_id)
    assert merged is not None
    assert (merged.contact_phone, merged.notes) == ("0912 345 678", "Prefers mornings")
    desk1.sync()
    assert_converged(sw, desk1, desk2)


def test_a_kiosk_and_a_device_that_did_not_ask_hear_plain_pokes(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk = sw.device("desk")
    desk.sync()
    listeners = {
        "kiosk": (sw.device("kiosk", DeviceKind.KIOSK), True),
        "older desk": (sw.device("older"), False),
        "desk": (sw.device("newer"), True),
    }
    heard: dict[str, list[str]] = {name: [] for name in listeners}
    clients: list[SyncClient] = []

    def listen(name: str, device: Device, pages: bool) -> None:
        client = SyncClient(device.server_url, device.credential, "head")
        clients.append(client)
        try:
            for event, _data in client.events(timeout=30.0, pages=pages):
                heard[name].append(event)
        except Exception:  # closed at the end of the test
            return

    threads = [
        threading.Thread(target=listen, args=(name, device, pages), daemon=True)
        for name, (device, pages) in listeners.items()
    ]
    for thread in threads:
        thread.start()
    try:
        _wait_for(lambda: all(events == ["hello"] for events in heard.values()), "the streams did not open")
        register_patient(sw, desk, "Heard")
        desk.sync()
        _wait_for(lambda: all(len(events) >= 2 for events in heard.values()), "a device was not poked")
        time.sleep(0.3)  # anything more would show
    finally:
        for client in clients:
            client.close()
        for thread in threads:
            thread.join(5)
    # The push, then the audit upload (its page is empty): each poked, or each a page.
    assert {name: set(events[1:]) for name, events in heard.items()} == {
        "kiosk": {"poke"},
        "older desk": {"poke"},
        "desk": {"page"},
    }


def test_a_desk_withdrawn_while_its_stream_is_open_gets_no_more_rows(
    sync_world: SyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(endpoints, "PAGE_RECHECK_SECONDS", 0.0)
    sw = sync_world
    desk, withdrawn = sw.device("desk"), sw.device("withdrawn")
    desk.sync()
    heard: list[str] = []
    client = SyncClient(withdrawn.server_url, withdrawn.credential, "head")

    def listen() -> None:
        try:
            for event, _data in client.events(timeout=30.0, pages=True):
                heard.append(event)
        except Exception:
            return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: heard == ["hello"], "the stream did not open")
        assert withdraw_device(sw.server_db, sw.clinic_id, withdrawn.info.device_id)
        register_patient(sw, desk, "Unseen")
        desk.sync()
        thread.join(20)
        assert not thread.is_alive()  # the server ended the stream
    finally:
        client.close()
    assert "page" not in heard  # a poke (the withdrawal's own audit link) carries no rows


def test_a_desk_with_too_many_pages_waiting_pulls_instead(sync_world_sqlite: SyncWorld) -> None:
    """Pages pile up while a long pull runs; past a hundred the cycle pulls and they are dropped."""
    engine = sync_world_sqlite.device("desk").sync_engine
    page = PokePage(after="0", cursor="1", changes=[])
    for _ in range(MAX_WAITING_PAGES):
        engine._receive(page)
    assert engine._take_pokes() == ([page] * MAX_WAITING_PAGES, False)
    for _ in range(MAX_WAITING_PAGES + 1):
        engine._receive(page)
    engine._receive(page)  # after a poke: the pull brings it
    assert engine._take_pokes() == ([], True)
