"""Name folding: the ways a person may type the same name fold to one key, and both the kiosk's
“No code?” look-up and the desk's patient search use it (one function, common/text/folding.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select, update

from common.checkin.flow import Found
from common.clock import FrozenClock
from common.database import Database
from common.patients.models import Patient
from common.patients.search import search_patients
from common.patients.search_keys import fold as patients_fold
from common.storage.migrate import downgrade, upgrade
from common.text.folding import _table, fold
from tests.conftest import make_clinic
from tests.kiosk.support import KioskWorld, at

DOB = date(1990, 5, 17)
SURNAMES = (
    "陳陈 張张 黃黄 劉刘 吳吴 鄭郑 楊杨 謝谢 許许 趙赵 林林 蕭萧 鍾钟 葉叶 蘇苏 盧卢 呂吕 鄧邓 馮冯 蔣蒋"
)


@pytest.mark.parametrize(("traditional", "simplified"), [tuple(pair) for pair in SURNAMES.split()])
def test_traditional_and_simplified_surnames_fold_together(traditional, simplified):
    assert fold(traditional) == fold(simplified)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ＣＨＥＮ", "Chen"),  # full width
        ("chen", "CHEN"),  # case
        ("José", "jose"),  # Latin accents
        ("ｻﾄｳ", "サトウ"),  # half-width katakana
        ("さとう", "サトウ"),  # hiragana and katakana
        ("すずき", "スズキ"),
        ("渡辺", "渡邊"),  # Japanese and traditional kanji
        ("渡边", "渡邉"),
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),
        ("锺", "鍾"),  # a simplified variant with its traditional form
        ("吳 怡君", "吴  怡君"),  # spaces collapse
    ],
)
def test_the_same_name_typed_differently_folds_the_same(typed, stored):
    assert fold(typed) == fold(stored)


@pytest.mark.parametrize(
    ("one", "other"),
    [("が", "か"), ("ガ", "カ"), ("ば", "ぱ"), ("乾", "干"), ("予", "豫"), ("斎藤", "斉藤"), ("陳", "陣")],
)
def test_different_names_stay_different(one, other):
    assert fold(one) != fold(other)


def test_the_patients_keys_and_search_use_the_same_function():
    assert patients_fold is fold


def test_folding_twice_changes_nothing_for_every_character_it_maps():
    for code, target in _table().items():
        assert fold(fold(chr(code))) == fold(chr(code)) == target


@given(st.text(max_size=30))
def test_folding_is_idempotent(text):
    once = fold(text)
    assert fold(once) == once


@pytest.fixture
def kiosk(world, clock) -> KioskWorld:
    return KioskWorld.build(world, clock)


@pytest.mark.parametrize(
    ("stored", "typed"), [("陳", "陈"), ("张", "張"), ("サトウ", "さとう"), ("渡邊", "渡辺")]
)
def test_no_code_finds_a_patient_by_either_form_of_their_last_name(kiosk, stored, typed):
    patient = kiosk.patient("怡君", stored, DOB)
    kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow()
    flow.no_code()
    state = flow.submit_details(typed, DOB)
    assert isinstance(state, Found)
    assert state.appointment.first_name == "怡君"


@pytest.mark.parametrize(
    ("stored", "typed"), [("陳 怡君", "陈"), ("黃 志明", "黄志明"), ("渡邊 健太", "渡辺健太")]
)
def test_the_desk_search_finds_either_form(kiosk, stored, typed):
    last, first = stored.split()
    patient = kiosk.patient(first, last, DOB)
    with kiosk.world.ctx("receptionist") as ctx:
        found = [view.id for view in search_patients(ctx, typed)]
    assert found == [patient]


def test_the_migration_refolds_keys_stored_by_the_older_folding(
    sqlite_engine: Engine, clock: FrozenClock, staff_password_hash: str
):
    world = KioskWorld.build(make_clinic(Database(sqlite_engine, clock=clock), staff_password_hash), clock)
    patient = world.patient("ケンタ", "渡邊")
    with world.world.db.session(world.clinic_id) as session, session.begin():
        session.execute(
            update(Patient)
            .where(Patient.id == patient)
            .values(first_name_key="ケンタ", last_name_key="渡邊", search_text="ケンタ 渡邊 | 渡邊 ケンタ")
        )
    downgrade(sqlite_engine, "0005")
    upgrade(sqlite_engine)
    with world.world.db.session(world.clinic_id) as session:
        keys = session.execute(
            select(Patient.first_name_key, Patient.last_name_key, Patient.search_text).where(
                Patient.id == patient
            )
        ).one()
    assert tuple(keys) == ("けんた", "渡边", "けんた 渡边 | 渡边 けんた")
    with world.world.ctx("receptionist") as ctx:
        assert [view.id for view in search_patients(ctx, "渡辺 けん")] == [patient]  # the FTS index too
