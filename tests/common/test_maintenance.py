"""VACUUM renumbers rowids; the maintenance path keeps patient search correct through it."""

from __future__ import annotations

from datetime import date

from common.database import Database
from common.patients.search import search_patients
from common.patients.service import NewPatient, register_patient
from common.storage.maintenance import vacuum
from tests.conftest import make_clinic


def test_search_still_finds_patients_after_vacuum(sqlite_engine, clock, staff_password_hash):
    world = make_clinic(Database(sqlite_engine, clock=clock), staff_password_hash)
    with world.ctx("receptionist") as ctx:
        for index in range(30):
            register_patient(
                ctx,
                NewPatient(
                    first_name=f"Person{index:02d}", last_name="Tanaka", date_of_birth=date(1990, 1, 1)
                ),
            )
        keep = register_patient(
            ctx, NewPatient(first_name="Yuki", last_name="佐藤", date_of_birth=date(1992, 2, 2))
        )
    vacuum(sqlite_engine)
    with world.ctx("receptionist") as ctx:
        found = search_patients(ctx, "Yuki 佐藤")
    assert [view.id for view in found] == [keep.id]
