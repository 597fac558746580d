"""A push that sends the desk's cursor gets its own changes back as a page: when nothing else
committed between the cursor and the push, the answer moves the cursor past the push's change
numbers and carries every row they stamped, exactly what the pull after the push would bring."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.patients import service as patients
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushRequest, TableRows
from sync_server.sync import push
from sync_server.sync.enrollment import create_enrollment_code, redeem
from sync_server.sync.pull import pull_page
from sync_server.sync.push import apply_push
from tests.sync_server.push_support import Desk, mixed_batch

RowStates = dict[tuple[str, str], dict[str, Any]]


def _states(tables: list[TableRows]) -> RowStates:
    return {
        (rows.table, str(values["id"])): values
        for rows in tables
        for values in (dict(zip(rows.columns, row, strict=True)) for row in rows.rows)
    }


def _pull(desk: Desk, cursor: str) -> PullResponse:
    with desk.db.session(desk.world.clinic_id) as session, session.begin():
        return pull_page(session, desk.device, cursor, 5_000, desk.db.clock.now())


def _up_to_date(desk: Desk) -> str:
    page = _pull(desk, "")
    assert not page.has_more
    return page.cursor


def test_a_push_from_an_up_to_date_cursor_carries_what_the_pull_would(desk: Desk, chunk: int) -> None:
    """Applied, refused and conflicting mutations, in one chunk or in chunks of three: the cursor
    moves to where a pull would leave it, with the same rows in the same states."""
    batch, _ = mixed_batch(desk)
    cursor = _up_to_date(desk)
    response = apply_push(desk.db, desk.device, PushRequest(mutations=batch, cursor=cursor))
    assert {answer.status for answer in response.answers} == {"applied", "conflict", "rejected"}
    pulled = _pull(desk, cursor)
    assert response.cursor == pulled.cursor
    assert int(response.cursor) > int(cursor)
    assert _states(response.changes) == _states(pulled.tables)
    assert {"inventory_movements", "sync_conflicts", "patients"} <= {
        table for table, _ in _states(response.changes)
    }


def test_a_write_in_between_leaves_the_cursor_to_the_pull(desk: Desk) -> None:
    cursor = _up_to_date(desk)
    with desk.world.ctx("receptionist") as ctx:
        patients.update_patient(ctx, desk.sched.patients[1], {"first_name": "Between"})
    response = apply_push(desk.db, desk.device, PushRequest(mutations=[desk.use_stock()], cursor=cursor))
    assert [answer.status for answer in response.answers] == ["applied"]
    assert response.cursor is None
    assert response.changes == []


def test_a_later_chunk_after_a_write_in_between_stops_the_cursor_at_the_earlier(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of two: a write commits between the first chunk and the second. The cursor moves
    through the first chunk only, with the first chunk's rows."""
    monkeypatch.setattr(push, "CHUNK_MUTATIONS", 2)
    original = push._Chunk.run
    runs = 0

    def run_then_write(chunk: Any, mutations: Any) -> Any:
        nonlocal runs
        done = original(chunk, mutations)
        runs += 1
        if runs == 1:
            with desk.world.ctx("receptionist") as ctx:
                patients.update_patient(ctx, desk.sched.patients[6], {"first_name": "Meanwhile"})
        return done

    monkeypatch.setattr(push._Chunk, "run", run_then_write)
    cursor = _up_to_date(desk)
    mutations = [desk.note(0, "one"), desk.note(1, "two"), desk.note(2, "three")]
    response = apply_push(desk.db, desk.device, PushRequest(mutations=mutations, cursor=cursor))
    assert [answer.status for answer in response.answers] == ["applied"] * 3
    assert response.cursor == str(int(cursor) + 1)
    moved = _states(response.changes)
    assert set(moved) == {("patients", str(desk.sched.patients[p])) for p in (0, 1)}
    assert sorted(row["notes"] for row in moved.values()) == ["one", "two"]
    # The pull from the moved cursor brings the rest: the other writer's row and the third note.
    rest = _states(_pull(desk, response.cursor).tables)
    assert {("patients", str(desk.sched.patients[p])) for p in (2, 6)} <= set(rest)


def test_a_repeated_push_takes_no_number_and_moves_nothing(desk: Desk) -> None:
    mutations = [desk.note(0, "once")]
    apply_push(desk.db, desk.device, PushRequest(mutations=mutations))
    cursor = _up_to_date(desk)
    again = apply_push(desk.db, desk.device, PushRequest(mutations=mutations, cursor=cursor))
    assert [answer.status for answer in again.answers] == ["duplicate"]
    assert again.cursor is None


def test_a_device_that_sends_no_cursor_gets_the_answer_it_knows(client: TestClient, desk: Desk) -> None:
    """Older devices refuse unknown fields: without a cursor in the push, the answer has neither
    `cursor` nor `changes`; with one, it has both."""
    code, _ = create_enrollment_code(desk.db, desk.world.clinic_id, "front-desk")
    credential = redeem(desk.db, code, "desk").credential
    headers = {"Authorization": f"Device {credential}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    first = {"n": 1, "intent": "use_stock", "args": {"item_id": str(desk.item_id), "quantity": 1}}
    first["actor_staff_id"] = str(desk.staff_id)
    older = client.post("/sync/push", json={"mutations": [first]}, headers=headers)
    assert older.status_code == 200, older.text
    assert "cursor" not in older.json() and "changes" not in older.json()
    cursor = client.get("/sync/pull", params={"cursor": ""}, headers=headers).json()["cursor"]
    second = {**first, "n": 2}
    newer = client.post("/sync/push", json={"mutations": [second], "cursor": cursor}, headers=headers)
    assert newer.status_code == 200, newer.text
    body = newer.json()
    assert body["cursor"] == str(int(cursor) + 1)
    [used] = [rows for rows in body["changes"] if rows["table"] == "inventory_movements"]
    assert uuid.UUID(used["rows"][0][used["columns"].index("item_id")]) == desk.item_id


def test_rows_under_a_number_the_chunk_no_longer_holds_stop_the_cursor() -> None:
    """A number taken inside a savepoint is forgotten when the savepoint ends: a chunk that
    stamped rows but cannot name its number moves the cursor no further (the pull brings them)."""
    from types import SimpleNamespace

    move = push._CursorMove("7")
    move.follow(SimpleNamespace(seq=8, unnumbered=False, changes=[]))  # type: ignore[arg-type]
    move.follow(SimpleNamespace(seq=None, unnumbered=False, changes=[]))  # type: ignore[arg-type]
    assert move.cursor() == "8"  # a chunk that wrote nothing changes nothing
    move.follow(SimpleNamespace(seq=None, unnumbered=True, changes=[]))  # type: ignore[arg-type]
    move.follow(SimpleNamespace(seq=9, unnumbered=False, changes=[]))  # type: ignore[arg-type]
    assert move.cursor() == "8"
