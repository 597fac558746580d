"""One well-formed request per API operation, aimed at a clinic's objects.

The role-matrix and tenancy tests walk the OpenAPI document and take each operation's request
from here; an operation without a probe fails those tests, so no route can be added untested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.sync_server.api_world import ClinicObjects

# Signing in is tested on its own (test_api_auth.py); health says nothing about any clinic.
UNGUARDED = frozenset({"/api/health", "/api/auth/staff/login", "/api/auth/refresh"})
STAFF_ONLY = frozenset({"/api/auth/logout", "/api/auth/password"})


@dataclass(frozen=True)
class Probe:
    path: dict[str, str] = field(default_factory=dict)
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    # Ids of the clinic's objects carried in the body (not the path) - for the tenancy test.
    body_refers: bool = False


def api_operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every REST operation under /api that needs a clinic."""
    found = []
    for path, item in openapi["paths"].items():
        if not path.startswith("/api/") or path in UNGUARDED or path in STAFF_ONLY:
            continue
        for method, operation in item.items():
            if method in {"get", "post", "put", "delete", "patch"}:
                found.append((method, path, operation))
    return found


def url_of(path: str, probe: Probe) -> str:
    return path.format(**probe.path)


def probes(o: ClinicObjects, unique: str) -> dict[tuple[str, str], Probe]:
    """Requests against the objects of `o`; `unique` keeps names created by repeated calls apart."""
    patient = {"patient_id": str(o.patient_id)}
    appointment = {"appointment_id": str(o.appointment_id)}
    catalog_item = {"item_id": str(o.catalog_item_id)}
    stock_item = {"item_id": str(o.inventory_item_id)}
    treatment = {"treatment_id": str(o.treatment_id)}
    payment = {"payment_id": str(o.payment_id)}
    target = {"user_id": str(o.staff_target_id)}
    doctor = str(o.world.staff["doctor"])
    today = "2026-11-23"
    return {
        # appointments
        ("get", "/api/appointments/availability"): Probe(
            query={"start_date": today, "end_date": "2026-11-27", "clinic_id": str(o.clinic_id)}
        ),
        ("get", "/api/appointments/calendar"): Probe(query={"start_date": today}),
        ("post", "/api/appointments"): Probe(
            body={
                "patient_id": str(o.patient_id),
                "doctor_id": doctor,
                "appointment_date": "2026-11-24",
                "start_time": "15:00",
                "duration_minutes": 30,
            },
            body_refers=True,
        ),
        ("get", "/api/appointments"): Probe(query={"start_date": today, "end_date": "2026-11-30"}),
        ("get", "/api/appointments/{appointment_id}"): Probe(path=appointment),
        ("put", "/api/appointments/{appointment_id}"): Probe(path=appointment, body={"status": "Confirmed"}),
        ("delete", "/api/appointments/{appointment_id}"): Probe(path=appointment, body={"reason": "probe"}),
        ("post", "/api/appointments/{appointment_id}/check-in"): Probe(path=appointment),
        ("post", "/api/appointments/{appointment_id}/check-out"): Probe(path=appointment),
        # patients
        ("get", "/api/patients"): Probe(),
        ("get", "/api/patients/search"): Probe(query={"q": o.canary}),
        ("post", "/api/patients"): Probe(
            body={"first_name": f"New{unique}", "last_name": "Probe", "date_of_birth": "1990-05-05"}
        ),
        ("get", "/api/patients/{patient_id}"): Probe(path=patient),
        ("put", "/api/patients/{patient_id}"): Probe(path=patient, body={"notes": "updated by a probe"}),
        ("get", "/api/patients/{patient_id}/records"): Probe(path=patient),
        ("post", "/api/patients/{patient_id}/barcode"): Probe(path=patient),
        ("post", "/api/patients/{patient_id}/merge"): Probe(
            path=patient, body={"duplicate_id": str(o.duplicate_id)}
        ),
        # barcodes
        ("post", "/api/barcodes/scan"): Probe(body={"barcode_value": o.barcode_value}, body_refers=True),
        ("post", "/api/barcodes/generate"): Probe(
            body={"entity_type": "Treatment", "entity_id": str(o.catalog_item_id)}, body_refers=True
        ),
        ("post", "/api/barcodes/patient/{patient_id}"): Probe(path=patient),
        ("post", "/api/barcodes/treatment/{treatment_id}"): Probe(
            path={"treatment_id": str(o.catalog_item_id)}
        ),
        ("post", "/api/barcodes/inventory/{item_id}"): Probe(path=stock_item),
        ("get", "/api/barcodes/scans/{barcode_id}"): Probe(path={"barcode_id": str(o.barcode_id)}),
        ("get", "/api/barcodes/{value}"): Probe(path={"value": o.barcode_value}),
        # catalog
        ("get", "/api/catalog/treatments"): Probe(),
        ("post", "/api/catalog/treatments"): Probe(
            body={
                "name": f"Probe {unique}",
                "duration_minutes": 30,
                "base_price": "900",
                "category": "Cosmetic",
            }
        ),
        ("get", "/api/catalog/treatments/{item_id}"): Probe(path=catalog_item),
        ("put", "/api/catalog/treatments/{item_id}"): Probe(path=catalog_item, body={"description": "probe"}),
        ("delete", "/api/catalog/treatments/{item_id}"): Probe(path=catalog_item),
        ("get", "/api/catalog/categories"): Probe(),
        ("post", "/api/catalog/categories"): Probe(body={"name": f"Probe {unique}", "kind": "Cosmetic"}),
        ("get", "/api/catalog/pricing"): Probe(),
        ("put", "/api/catalog/pricing/{item_id}"): Probe(path=catalog_item, body={"base_price": "1200"}),
        # inventory
        ("get", "/api/inventory/items"): Probe(),
        ("post", "/api/inventory/items"): Probe(
            body={"name": f"Probe {unique}", "sku": f"PROBE-{unique}", "category": "Supply"}
        ),
        ("get", "/api/inventory/items/{item_id}"): Probe(path=stock_item),
        ("put", "/api/inventory/items/{item_id}"): Probe(path=stock_item, body={"location": "Shelf 2"}),
        ("delete", "/api/inventory/items/{item_id}"): Probe(path=stock_item),
        ("post", "/api/inventory/scan"): Probe(
            body={"barcode_value": o.item_barcode_value}, body_refers=True
        ),
        ("post", "/api/inventory/adjust"): Probe(
            body={"item_id": str(o.inventory_item_id), "quantity": 1, "kind": "receive"}, body_refers=True
        ),
        ("get", "/api/inventory/low-stock"): Probe(),
        ("post", "/api/inventory/reorder"): Probe(
            body={"item_id": str(o.inventory_item_id), "quantity": 5}, body_refers=True
        ),
        # treatments
        ("post", "/api/treatments"): Probe(
            body={
                "patient_id": str(o.patient_id),
                "treatment_type_id": str(o.catalog_item_id),
                "doctor_id": doctor,
                "materials_used": [],
            },
            body_refers=True,
        ),
        ("get", "/api/treatments"): Probe(query={"start_date": "2026-11-16", "end_date": today}),
        ("get", "/api/treatments/{treatment_id}"): Probe(path=treatment),
        ("put", "/api/treatments/{treatment_id}"): Probe(path=treatment, body={"notes": "probe"}),
        ("post", "/api/treatments/{treatment_id}/complete"): Probe(path=treatment),
        ("get", "/api/treatments/{treatment_id}/suggestions"): Probe(path=treatment),
        ("post", "/api/treatments/{treatment_id}/inventory"): Probe(
            path=treatment, body={"materials": [{"item_id": str(o.inventory_item_id), "quantity": 1}]}
        ),
        # licensing
        ("get", "/api/licensing/tiers"): Probe(),
        ("get", "/api/licensing/current"): Probe(),
        ("get", "/api/licensing/usage"): Probe(query={"clinic_id": str(o.clinic_id), "period": "monthly"}),
        ("get", "/api/licensing/alerts"): Probe(),
        # staff
        ("get", "/api/staff"): Probe(),
        ("post", "/api/staff"): Probe(
            body={
                "email": f"probe-{unique.lower()}@staff.example",
                "password": "amber river compass 7712",
                "first_name": "Probe",
                "last_name": unique,
                "role": "Nurse",
            }
        ),
        ("get", "/api/staff/{user_id}"): Probe(path=target),
        ("put", "/api/staff/{user_id}"): Probe(path=target, body={"specialization": "probe"}),
        ("post", "/api/staff/{user_id}/deactivate"): Probe(path=target),
        ("post", "/api/staff/{user_id}/reactivate"): Probe(path=target),
        ("post", "/api/staff/{user_id}/reset-password"): Probe(
            path=target, body={"new_password": "amber river compass 7713"}
        ),
        ("post", "/api/staff/{user_id}/reset-2fa"): Probe(path=target),
        # devices
        ("get", "/api/devices"): Probe(),
        ("post", "/api/devices/enrollment-codes"): Probe(body={"kind": "kiosk"}),
        ("post", "/api/devices/{device_id}/withdraw"): Probe(path={"device_id": str(o.device_id)}),
        # payments
        ("post", "/api/payments"): Probe(
            body={"patient_id": str(o.patient_id), "amount": "100", "payment_method": "Cash"},
            body_refers=True,
        ),
        ("get", "/api/payments"): Probe(query={"patient_id": str(o.patient_id)}),
        ("get", "/api/payments/cash-up"): Probe(query={"date": today}),
        ("get", "/api/payments/{payment_id}"): Probe(path=payment),
        ("post", "/api/payments/{payment_id}/refund"): Probe(
            path=payment, body={"amount": "1", "reason": "probe refund"}
        ),
    }


def send(client: Any, method: str, path: str, probe: Probe, headers: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": headers, "params": probe.query}
    if probe.body is not None:
        kwargs["json"] = probe.body
    return client.request(method.upper(), url_of(path, probe), **kwargs)
