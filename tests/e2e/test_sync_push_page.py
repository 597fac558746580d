"""A push that nothing else preceded brings its own page: the engine moves its cursor with the
answer and makes no pull; after another desk's write it pulls as before. Either way the replica
equals the server. A real server, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.e2e.conftest import SyncWorld, register_patient
from tests.e2e.support import Device, differences, replica_tables, server_tables


def _equals_server(sw: SyncWorld, device: Device) -> bool:
    return differences(server_tables(sw.server_db, sw.clinic_id), replica_tables(device)) == {}


def test_a_push_with_nothing_before_it_needs_no_pull(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk1, desk2 = sw.device("desk1"), sw.device("desk2")
    desk1.sync()  # the first cycle pulls (and compares checksums)
    desk2.sync()

    before = desk1.cursor()
    register_patient(sw, desk1, "Alone")
    alone = desk1.sync()
    assert alone.caught_up_by_push and alone.pages == 0 and alone.pushed == 1
    assert int(desk1.cursor()) > int(before)
    assert _equals_server(sw, desk1)

    register_patient(sw, desk2, "Between")
    desk2.sync()
    register_patient(sw, desk1, "After")
    after = desk1.sync()  # desk2's write came first: the push cannot bring it, the pull does
    assert not after.caught_up_by_push and after.pages >= 1
    assert _equals_server(sw, desk1)
    desk2.sync()
    assert _equals_server(sw, desk2)
