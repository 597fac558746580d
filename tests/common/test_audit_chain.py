"""SECURITY.md rows 16-17: the audit log is append-only and tamper-evident."""

from __future__ import annotations

from itertools import pairwise

import pytest
from sqlalchemy import Uuid, bindparam, insert, select, text
from sqlalchemy.exc import DBAPIError

from common.access.permissions import Permission
from common.audit.chain import GENESIS_HASH, verify_chain
from common.audit.models import AuditLog, AuditOutcome
from common.errors import PermissionDenied


def write_links(world, count: int = 6) -> None:
    for index in range(count):
        with world.ctx("receptionist") as ctx:
            ctx.audit("patient.read", "patient", world.staff["doctor"], changed_fields=[f"f{index}"])


def chain(world):
    with world.system() as ctx:
        return verify_chain(ctx.session, world.clinic_id, "test-desk")


def test_links_form_a_valid_chain(world):
    write_links(world)
    report = chain(world)
    assert report.ok and report.rows_checked == 6
    with world.system() as ctx:
        rows = ctx.session.scalars(select(AuditLog).order_by(AuditLog.chain_seq)).all()
    assert rows[0].prev_hash == GENESIS_HASH
    assert [r.chain_seq for r in rows] == [1, 2, 3, 4, 5, 6]
    assert all(r.prev_hash == p.row_hash for p, r in pairwise(rows))


def test_update_and_delete_are_refused_by_the_database(world):
    write_links(world, 2)
    for statement in ("UPDATE audit_logs SET action = 'x'", "DELETE FROM audit_logs"):
        with pytest.raises(DBAPIError, match="append-only"), world.db.engine.begin() as connection:
            connection.execute(text(statement))


def _tamper(world, statement: str) -> None:
    """What an attacker with direct database access could do, bypassing the guard triggers."""
    engine = world.db.engine
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_logs_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_logs_no_delete")
        else:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for part in statement.split(";"):
            clause = text(part).bindparams(bindparam("clinic", type_=Uuid()))
            connection.execute(clause, {"clinic": world.clinic_id})


@pytest.mark.parametrize(
    ("statement", "first_bad"),
    [
        ("UPDATE audit_logs SET entity_type = 'staff' WHERE chain_seq = 3 AND clinic_id = :clinic", 3),
        ("DELETE FROM audit_logs WHERE chain_seq = 4 AND clinic_id = :clinic", 4),
        (
            (
                "UPDATE audit_logs SET chain_seq = -(chain_seq + 1) WHERE chain_seq >= 5 AND clinic_id = :clinic;"
                "UPDATE audit_logs SET chain_seq = -chain_seq WHERE chain_seq < 0 AND clinic_id = :clinic"
            ),
            5,
        ),
        ("DELETE FROM audit_logs WHERE chain_seq = 6 AND clinic_id = :clinic", 6),
    ],
    ids=["edited", "deleted", "inserted-gap", "truncated-tail"],
)
def test_the_checker_names_the_first_bad_number(world, statement, first_bad):
    write_links(world)
    _tamper(world, statement)
    report = chain(world)
    assert not report.ok
    assert report.first_bad_seq == first_bad


def test_an_inserted_forged_row_breaks_the_chain(world):
    write_links(world, 4)
    with world.system() as ctx:
        row = ctx.session.scalars(select(AuditLog).where(AuditLog.chain_seq == 2)).one()
        values = {c.name: getattr(row, c.name) for c in AuditLog.__table__.columns}
    _tamper(
        world,
        "UPDATE audit_logs SET chain_seq = -(chain_seq + 1) WHERE chain_seq >= 3 AND clinic_id = :clinic;"
        "UPDATE audit_logs SET chain_seq = -chain_seq WHERE chain_seq < 0 AND clinic_id = :clinic",
    )
    from common.ids import new_id

    values.update(id=new_id(), chain_seq=3, action="patient.export")
    with world.db.engine.begin() as connection:
        connection.execute(insert(AuditLog).values(**values))
    report = chain(world)
    assert report.first_bad_seq == 3


def test_a_refused_access_is_audited_although_the_operation_rolled_back(world):
    with pytest.raises(PermissionDenied), world.ctx("receptionist") as ctx:
        ctx.authorize(Permission.STAFF_MANAGE, entity_type="staff")
    with world.system() as ctx:
        rows = ctx.session.scalars(select(AuditLog)).all()
    assert [(r.action, r.outcome, r.actor_id) for r in rows] == [
        ("denied:staff.manage", AuditOutcome.DENIED, world.staff["receptionist"])
    ]
    assert chain(world).ok
