"""The seed's REST API doing the clinic's work, end to end through HTTP: registering and finding
patients, booking in both modes, rescheduling and cancelling, check-in to check-out with a
treatment, stock and payment, the catalog, stock control, licensing and staff."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tests.sync_server.api_world import populate
from tests.sync_server.conftest import bearer, sign_in


@pytest.fixture
def clinic(world):
    return populate(world, "Flow")


@pytest.fixture
def as_(app, world):
    cache: dict[str, dict[str, str]] = {}

    def headers(who: str) -> dict[str, str]:
        if who not in cache:
            cache[who] = bearer(sign_in(app, world, who))
        return cache[who]

    return headers


def ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


def test_register_find_and_edit_a_patient(client, as_):
    desk = as_("receptionist")
    created = ok(
        client.post(
            "/api/patients",
            json={
                "first_name": "陳",
                "last_name": "小明",
                "date_of_birth": "1990-05-05",
                "contact_phone": "0912 000 111",
            },
            headers=desk,
        ),
        201,
    )
    assert created["barcode_id"]
    found = ok(client.get("/api/patients/search", params={"q": "0912000111"}, headers=desk))
    assert [p["id"] for p in found] == [created["id"]]

    edited = ok(
        client.put(f"/api/patients/{created['id']}", json={"notes": "prefers mornings"}, headers=desk)
    )
    assert edited["notes"] == "prefers mornings"
    assert edited["version"] == created["version"] + 1

    # A stale edit of the same field is a conflict; of another field, it merges.
    stale = client.put(
        f"/api/patients/{created['id']}",
        json={"notes": "other", "base_version": created["version"]},
        headers=desk,
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "patient_edit_conflict"
    merged = ok(
        client.put(
            f"/api/patients/{created['id']}",
            json={"contact_email": "mei@example.com", "base_version": created["version"]},
            headers=desk,
        )
    )
    assert merged["notes"] == "prefers mornings"
    assert merged["contact_email"] == "mei@example.com"

    deactivated = ok(client.put(f"/api/patients/{created['id']}", json={"is_active": False}, headers=desk))
    assert deactivated["is_active"] is False


def test_book_both_ways_reschedule_and_cancel(client, as_, clinic, world):
    desk = as_("receptionist")
    doctor = str(world.staff["doctor"])
    free = ok(
        client.get(
            "/api/appointments/availability",
            params={"start_date": "2026-11-24", "end_date": "2026-11-24", "doctor_id": doctor},
            headers=desk,
        )
    )
    assert any(
        slot["start_time"].startswith("2026-11-24T02:00") for slot in free["available_slots"]
    )  # 10:00 Taipei
    assert {p["period"] for p in free["periods"]} == {"morning", "afternoon", "evening"}

    exact = ok(
        client.post(
            "/api/appointments",
            json={
                "patient_id": str(clinic.patient_id),
                "doctor_id": doctor,
                "appointment_date": "2026-11-24",
                "start_time": "10:00",
                "end_time": "10:45",
                "appointment_type": "Treatment",
                "reason_for_visit": "peel",
            },
            headers=desk,
        ),
        201,
    )
    assert (exact["start_time"], exact["end_time"], exact["duration_minutes"]) == ("10:00:00", "10:45:00", 45)
    assert exact["patient_name"] == "FlowMei FlowLin"
    period = ok(
        client.post(
            "/api/appointments",
            json={
                "patient_id": str(clinic.patient_id),
                "doctor_id": doctor,
                "booking_mode": "Time Period",
                "appointment_date": "2026-11-25",
                "period": "afternoon",
                "duration_minutes": 30,
            },
            headers=desk,
        ),
        201,
    )
    assert period["time_assigned"] is False

    taken = client.post(
        "/api/appointments",
        json={
            "patient_id": str(clinic.duplicate_id),
            "doctor_id": doctor,
            "appointment_date": "2026-11-24",
            "start_time": "10:15",
            "duration_minutes": 30,
        },
        headers=desk,
    )
    assert taken.status_code == 409

    moved = ok(
        client.put(
            f"/api/appointments/{exact['id']}",
            json={"appointment_date": "2026-11-24", "start_time": "14:00", "status": "Confirmed"},
            headers=desk,
        )
    )
    assert (moved["start_time"], moved["status"], moved["reservation_id"]) == (
        "14:00:00",
        "Confirmed",
        exact["reservation_id"],
    )
    listed = ok(client.get("/api/appointments", params={"patient_id": str(clinic.patient_id)}, headers=desk))
    assert {a["id"] for a in listed} >= {exact["id"], period["id"]}
    calendar = ok(client.get("/api/appointments/calendar", params={"start_date": "2026-11-23"}, headers=desk))
    assert calendar["end_date"] == "2026-12-06"
    assert exact["id"] in {a["id"] for a in calendar["appointments"]}

    cancelled = ok(
        client.request("DELETE", f"/api/appointments/{exact['id']}", json={"reason": "ill"}, headers=desk)
    )
    assert cancelled["status"] == "Cancelled"
    assert cancelled["cancellation_reason"] == "ill"


def test_a_visit_from_check_in_to_payment(client, as_, clinic, world):
    desk, doctor = as_("receptionist"), as_("doctor")
    scanned = ok(
        client.post("/api/barcodes/scan", json={"barcode_value": clinic.barcode_value}, headers=desk)
    )
    assert scanned["action_required"] == "check_in"
    assert scanned["appointment_id"] == str(clinic.appointment_id)
    checked_in = ok(client.post(f"/api/appointments/{clinic.appointment_id}/check-in", headers=desk))
    assert checked_in["status"] == "Checked-in"

    recorded = ok(
        client.post(
            "/api/treatments",
            json={
                "patient_id": str(clinic.patient_id),
                "treatment_type_id": str(clinic.catalog_item_id),
                "doctor_id": str(world.staff["doctor"]),
                "appointment_id": str(clinic.appointment_id),
                "discount_percent": "10",
                "materials_used": [{"item_id": str(clinic.inventory_item_id), "quantity": 2}],
            },
            headers=doctor,
        ),
        201,
    )
    treatment = recorded["treatment"]
    assert Decimal(treatment["final_amount"]) == Decimal("900")
    more = ok(
        client.post(
            f"/api/treatments/{treatment['id']}/inventory",
            json={"materials": [{"item_id": str(clinic.inventory_item_id), "quantity": 1}]},
            headers=doctor,
        ),
        201,
    )
    assert len(more["treatment"]["inventory_items_used"]) == 2
    item = ok(client.get(f"/api/inventory/items/{clinic.inventory_item_id}", headers=desk))
    assert item["current_quantity"] == 50 - 3
    ok(client.get(f"/api/treatments/{treatment['id']}/suggestions", headers=doctor))
    completed = ok(client.post(f"/api/treatments/{treatment['id']}/complete", json={}, headers=doctor))
    assert completed["completed_at"]
    checked_out = ok(client.post(f"/api/appointments/{clinic.appointment_id}/check-out", headers=desk))
    assert checked_out["status"] == "Completed"

    paid = ok(
        client.post(
            "/api/payments",
            json={
                "patient_id": str(clinic.patient_id),
                "amount": "400",
                "payment_method": "Card",
                "treatment_id": treatment["id"],
            },
            headers=desk,
        ),
        201,
    )
    refunded = ok(
        client.post(
            f"/api/payments/{paid['id']}/refund",
            json={"amount": "100", "reason": "goodwill"},
            headers=as_("admin"),
        ),
        201,
    )
    assert Decimal(refunded["final_amount"]) == Decimal("-100")
    cash_up = ok(client.get("/api/payments/cash-up", headers=desk))
    card = next(line for line in cash_up["lines"] if line["method"] == "Card")
    assert Decimal(card["net_total"]) == Decimal("300")
    history = ok(client.get(f"/api/patients/{clinic.patient_id}/records", headers=desk))
    assert treatment["id"] in {t["id"] for t in history["treatments"]}


def test_catalog_and_stock_control(client, as_):
    manager, desk = as_("manager"), as_("receptionist")
    category = ok(
        client.post("/api/catalog/categories", json={"name": "Lasers", "kind": "Cosmetic"}, headers=manager),
        201,
    )
    item = ok(
        client.post(
            "/api/catalog/treatments",
            json={
                "name": "Laser toning",
                "duration_minutes": 45,
                "base_price": "3000",
                "category_id": category["id"],
            },
            headers=manager,
        ),
        201,
    )
    assert item["category"] == "Cosmetic"
    priced = ok(
        client.put(f"/api/catalog/pricing/{item['id']}", json={"base_price": "3200"}, headers=manager)
    )
    assert Decimal(priced["base_price"]) == Decimal("3200")
    pricing = ok(client.get("/api/catalog/pricing", headers=desk))
    assert any(entry["item_id"] == item["id"] for entry in pricing)
    gone = ok(client.delete(f"/api/catalog/treatments/{item['id']}", headers=manager))
    assert gone["is_active"] is False
    assert item["id"] not in {t["id"] for t in ok(client.get("/api/catalog/treatments", headers=desk))}

    stock = ok(
        client.post(
            "/api/inventory/items",
            json={"name": "Cannula 25G", "sku": "CAN-25", "category": "Consumable", "minimum_quantity": 5},
            headers=manager,
        ),
        201,
    )
    ok(
        client.post(
            "/api/inventory/adjust",
            json={"item_id": stock["id"], "quantity": 8, "kind": "receive"},
            headers=desk,
        ),
        201,
    )
    code = ok(client.post(f"/api/barcodes/inventory/{stock['id']}", headers=manager), 201)
    used = ok(
        client.post(
            "/api/inventory/scan", json={"barcode_value": code["barcode_value"], "quantity": 4}, headers=desk
        )
    )
    assert used["stock_change"]["stock_after"] == 4
    assert used["item"]["current_quantity"] == 4
    low = ok(client.get("/api/inventory/low-stock", headers=desk))
    assert stock["id"] in {level["item_id"] for level in low}
    reorder = ok(
        client.post("/api/inventory/reorder", json={"item_id": stock["id"], "quantity": 20}, headers=desk),
        201,
    )
    assert reorder["status"] == "Requested"
    counted = ok(
        client.post(
            "/api/inventory/adjust",
            json={"item_id": stock["id"], "quantity": -1, "kind": "adjust", "reason": "count"},
            headers=desk,
        ),
        201,
    )
    assert counted["stock_after"] == 3


def test_licensing_and_staff_administration(client, as_, world):
    admin = as_("admin")
    tiers = ok(client.get("/api/licensing/tiers", headers=admin))
    assert [t["tier"] for t in tiers] == ["Tier S", "Tier M", "Tier L", "Tier XL"]
    usage = ok(client.get("/api/licensing/usage", params={"clinic_id": str(world.clinic_id)}, headers=admin))
    assert usage["current_users"] == 6
    assert usage["max_users"] == 15
    current = ok(client.get("/api/licensing/current", headers=admin))
    assert current["subscription_status"] == "Active"
    assert ok(client.get("/api/licensing/alerts", headers=admin)) == []

    created = ok(
        client.post(
            "/api/staff",
            json={
                "email": "new.manager@clinic.example",
                "password": "copper willow signal 3391",
                "first_name": "Nana",
                "last_name": "Mori",
                "role": "Manager",
            },
            headers=admin,
        ),
        201,
    )
    assert created["totp"]["secret"]  # shown once, to enrol the authenticator
    person = created["staff"]["id"]
    assert "password" not in str(created["staff"])
    renewed = ok(client.post(f"/api/staff/{person}/reset-2fa", headers=admin))
    assert renewed["secret"] != created["totp"]["secret"]
    ok(
        client.post(
            f"/api/staff/{person}/reset-password",
            json={"new_password": "copper willow signal 3392"},
            headers=admin,
        )
    )
    deactivated = ok(client.post(f"/api/staff/{person}/deactivate", headers=admin))
    assert deactivated["is_active"] is False
    everyone = ok(client.get("/api/staff", params={"include_inactive": True}, headers=admin))
    assert person in {s["id"] for s in everyone}


def test_merging_a_duplicate_and_renewing_a_card(client, as_, clinic):
    admin, desk = as_("admin"), as_("receptionist")
    merged = ok(
        client.post(
            f"/api/patients/{clinic.patient_id}/merge",
            json={"duplicate_id": str(clinic.duplicate_id)},
            headers=admin,
        )
    )
    assert merged["survivor_id"] == str(clinic.patient_id)
    assert client.get(f"/api/patients/{clinic.duplicate_id}", headers=desk).status_code == 404

    card = ok(
        client.post(f"/api/patients/{clinic.patient_id}/barcode", json={"reason": "lost"}, headers=desk), 201
    )
    assert card["barcode_value"] != clinic.barcode_value
    old = client.post("/api/barcodes/scan", json={"barcode_value": clinic.barcode_value}, headers=desk)
    assert old.status_code == 422
    assert old.json()["error"]["code"] == "barcode_deactivated"
    scans = ok(client.get(f"/api/barcodes/scans/{clinic.barcode_id}", headers=desk))
    assert [s["outcome"] for s in scans][:1] == ["deactivated"]  # the refused scan was kept
    info = ok(client.get(f"/api/barcodes/{card['barcode_value']}", headers=desk))
    assert info["entity_id"] == str(clinic.patient_id)
    unknown = client.get(f"/api/barcodes/{uuid.uuid4().hex}", headers=desk)
    assert unknown.status_code in (404, 422)
