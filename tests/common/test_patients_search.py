"""Patient search: folding, CJK, phones, emails, barcodes, ranking, hostile input, tenancy, audit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.barcodes import payload
from common.context import Actor
from common.errors import PermissionDenied
from common.ids import new_id
from common.patients.merge import merge_patients
from common.patients.models import Patient
from common.patients.search import search_patients
from common.patients.search_keys import search_text
from common.patients.service import NewPatient, deactivate_patient, register_patient
from tests.common.patients_support import AuditWatch, register
from tests.conftest import ClinicWorld

PEOPLE: dict[str, dict[str, Any]] = {
    "jose": {
        "first_name": "José",
        "last_name": "Núñez",
        "contact_email": "jose.nunez@example.com",
        "contact_phone": "+886 912-345-678",
    },
    "anna": {"first_name": "ANNA", "last_name": "Müller", "contact_email": "anna@mueller.de"},
    "joanna": {"first_name": "Joanna", "last_name": "Smith", "contact_phone": "02 2345 6789"},
    "hannah": {"first_name": "Hannah", "last_name": "Ångström"},
    "wang": {"first_name": "小明", "last_name": "王"},
    "chen": {"first_name": "美玲", "last_name": "陳"},
    "sato": {"first_name": "さくら", "last_name": "佐藤"},
    "kobayashi": {"first_name": "翔", "last_name": "小林"},
    "zoe": {"first_name": "Zoë", "last_name": "O'Brien"},
}


@pytest.fixture
def people(world: ClinicWorld) -> dict[str, object]:
    with world.ctx("receptionist") as ctx:
        return {
            key: register_patient(ctx, NewPatient(date_of_birth=date(1990, 5, 17), **fields)).id
            for key, fields in PEOPLE.items()
        }


def check(world: ClinicWorld, people, cases: list[tuple[str, list[str]]], *, ordered: bool = True) -> None:
    """Run every case and report all the misses at once."""
    misses = []
    for query, expected in cases:
        found = keys(world, people, query)
        if (found if ordered else sorted(found)) != (expected if ordered else sorted(expected)):
            misses.append((query, expected, found))
    assert misses == []


def names(world: ClinicWorld, query: str, who: str = "receptionist", **options) -> list[str]:
    with world.ctx(who) as ctx:
        found = search_patients(ctx, query, **options)
    return [f"{view['last_name']}|{view['first_name']}" for view in found]


def keys(world: ClinicWorld, people, query: str, **options) -> list[str]:
    by_id = {patient_id: key for key, patient_id in people.items()}
    with world.ctx("receptionist") as ctx:
        return [by_id[view.id] for view in search_patients(ctx, query, **options)]


def test_names_match_without_case_accents_or_width(world, people):
    queries = [
        "jose",
        "JOSE",
        "José",
        "jOsÉ",
        "núñez",
        "NUNEZ",
        "nún",
        "josé núñez",
        "nunez jose",
        "ＪＯＳＥ",
    ]
    check(world, people, [(query, ["jose"]) for query in queries])


def test_substrings_inside_names(world, people):
    assert keys(world, people, "ülle") == ["anna"]
    assert keys(world, people, "mull") == ["anna"]
    assert keys(world, people, "angstr") == ["hannah"]
    assert keys(world, people, "o'bri") == ["zoe"]


def test_name_prefixes_rank_before_other_matches(world, people):
    assert keys(world, people, "ann") == ["anna", "hannah", "joanna"]


def test_a_query_without_digits_does_not_find_a_patient_by_the_letters_of_a_card_code(world, people):
    """Codes are random letters and digits: "ann" typed for a name must not bring Zoë because her
    card happens to read …ANN…; a fragment with a digit still finds the card."""
    code = "CQ1P-ANN7Q-0XKH-44SD-N01NC-FQ9R041"
    with world.ctx("admin") as ctx:
        zoe = ctx.session.get(Patient, (world.clinic_id, people["zoe"]))
        assert zoe is not None
        zoe.barcode_id = code
        zoe.search_text = search_text(zoe.first_name, zoe.last_name, barcode=code)
    assert keys(world, people, "ann") == ["anna", "hannah", "joanna"]
    assert keys(world, people, "ann7q") == ["zoe"]
    assert keys(world, people, "brien") == ["zoe"]


def test_cjk_names(world, people):
    cases = [
        ("王", ["wang"]),  # one CJK character: a surname
        ("小明", ["wang"]),  # two: a given name
        ("王小", ["wang"]),  # two: surname + the start of the given name
        ("王小明", ["wang"]),  # three or more: the full name, written without a space
        ("王 小明", ["wang"]),
        ("小明 王", ["wang"]),
        ("陳", ["chen"]),
        ("陳美玲", ["chen"]),
        ("美玲", ["chen"]),
        ("佐藤", ["sato"]),
        ("佐", ["sato"]),
        ("さくら", ["sato"]),
        ("佐藤さくら", ["sato"]),
        ("小", ["kobayashi", "wang"]),  # 小林 (surname) before 小明 (given name)
        ("翔", ["kobayashi"]),
        ("がくら", []),  # voicing marks are not folded away
    ]
    check(world, people, cases)


def test_one_and_two_letter_queries_are_name_prefixes(world, people):
    cases = [
        ("an", ["anna", "hannah"]),  # Ångström folds to angstrom
        ("jo", ["jose", "joanna"]),  # first names
        ("z", ["zoe"]),
        ("mü", ["anna"]),
        ("x", []),
    ]
    check(world, people, cases, ordered=False)


def test_phones_match_whatever_the_formatting(world, people):
    typed = ["0912-345-678", "0912345678", "+886 912 345 678", "(+886) 912-345678", "912 345", "886912345678"]
    cases = [(query, ["jose"]) for query in [*typed, "12 345 678", "０９１２３４５６７８"]]
    cases += [("(02) 2345-6789", ["joanna"]), ("23456789", ["joanna"])]
    check(world, people, cases)


def test_emails(world, people):
    cases = [("jose.nunez@example.com", ["jose"]), ("JOSE.NUNEZ@", ["jose"]), ("mueller.de", ["anna"])]
    check(world, people, cases)


def test_barcode_value_finds_its_patient_first(world, people):
    with world.ctx("receptionist") as ctx:
        [view] = search_patients(ctx, "jose")
    code = view["barcode_id"]
    for typed in (code, code.lower(), payload.display(code), f"  {payload.display(code)}  "):
        assert keys(world, people, typed)[0] == "jose"
    assert keys(world, people, code[4:16]) == ["jose"]  # a part of the code


def test_exact_barcode_ranks_above_name_matches(world, people):
    with world.ctx("receptionist") as ctx:
        [view] = search_patients(ctx, "joanna")
    code = view["barcode_id"]
    # A patient whose name contains the code (absurd, but it proves the order).
    impostor = register(world, first_name=code.lower(), last_name="Aaron").id
    with world.ctx("receptionist") as ctx:
        found = [v.id for v in search_patients(ctx, code)]
    assert found == [people["joanna"], impostor]


HOSTILE = [
    '"',
    '""',
    '"jose',
    "jose*",
    "*",
    "NEAR(",
    "NEAR(jose nunez, 2)",
    "OR",
    "jose OR anna",
    "AND",
    "NOT jose",
    "^jose",
    "first_name:jose",
    "(",
    ")",
    "'",
    "\\",
    "%",
    "_",
    "%%%",
    "a_b",
    "-",
    "+",
    "|",
    " | ",
    "\x00",
    "jo\x00se",
    "",
    "   ",
    "\u200b",
    "🙂",
    "ﷺ",
    "x" * 5000,
]


def test_hostile_input_never_fails_and_never_matches_everything(world, people):
    for query in HOSTILE:
        assert len(names(world, query)) <= 1, query


def test_like_wildcards_are_literal(world, people):
    assert names(world, "%") == []
    assert names(world, "_nna") == []
    assert names(world, "a%a") == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=40) | st.sampled_from(['"', "NEAR(", "*", "OR", "%_", "a\"b'c"]))
def test_search_never_raises(world, query):
    with world.ctx("nurse") as ctx:
        found = search_patients(ctx, query, limit=5)
    assert isinstance(found, list)


def test_tombstoned_merged_and_foreign_patients_are_never_found(world, other_world, people):
    register(other_world, first_name="José", last_name="Núñez", contact_phone="+886 912-345-678")
    duplicate = register(world, first_name="Josefina", last_name="Núñez").id
    with world.ctx("admin") as ctx:
        merge_patients(ctx, people["jose"], duplicate)
    for query in ("jose", "nunez", "josefina", "0912345678", "n", "nú"):
        found = keys(world, people, query)
        assert found.count("jose") <= 1 and all(key in people for key in found)
    assert names(world, "josefina") == []
    with other_world.ctx("receptionist") as ctx:
        assert [v["first_name"] for v in search_patients(ctx, "jose")] == ["José"]


def test_results_show_only_what_the_role_may_see(world):
    register(
        world, "doctor", allergies=["latex"], medical_history={"asthma": True}, current_medications=["x"]
    )
    for who in ("receptionist", "doctor", "admin"):
        with world.ctx(who) as ctx:
            [view] = search_patients(ctx, "ana")
        assert "medical_history" not in view and "current_medications" not in view
        assert view["allergies"] == ["latex"]
        assert "search_text" not in view and "notes" not in view


def test_inactive_patients_are_found_unless_excluded(world, people):
    with world.ctx("receptionist") as ctx:
        deactivate_patient(ctx, people["anna"])
    assert keys(world, people, "müller") == ["anna"]
    assert keys(world, people, "müller", active_only=True) == []


def test_limit(world):
    for number in range(7):
        register(world, first_name=f"Lin{number}", last_name="Lee")
    assert len(names(world, "lee", limit=5)) == 5
    assert len(names(world, "le", limit=3)) == 3
    assert len(names(world, "lee")) == 7


def test_each_search_writes_one_audit_row_without_ids(world, people):
    watch = AuditWatch(world).start()
    names(world, "jose")
    names(world, "王")
    names(world, '"')
    rows = watch.new()
    assert [(r.action, r.entity_type, r.entity_id, r.patient_id) for r in rows] == [
        ("patient.search", "patient", None, None)
    ] * 3


def test_a_kiosk_cannot_search(world, db):
    with pytest.raises(PermissionDenied), db.context(world.clinic_id, Actor.kiosk(new_id())) as ctx:
        search_patients(ctx, "ana")


def test_dates_are_not_searched(world):
    register(world, date_of_birth=date(1990, 5, 17))
    assert names(world, "1990") == []
