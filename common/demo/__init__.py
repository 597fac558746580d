"""A deterministic demo clinic ("Lotus Aesthetic Clinic") for demos, manual testing and benchmarks.

`seed_demo_clinic(engine, DemoSpec(...))` writes one clinic's rows in bulk; the same seed and the
same `now` give the same data (see `fingerprint.dataset_fingerprint`).
"""

from common.demo.generator import DemoResult, DemoSpec, find_demo_clinic, seed_demo_clinic
from common.demo.reference import DEMO_CLINIC_NAME, DEMO_PASSWORD, DemoLogin, demo_logins

__all__ = [
    "DEMO_CLINIC_NAME",
    "DEMO_PASSWORD",
    "DemoLogin",
    "DemoResult",
    "DemoSpec",
    "demo_logins",
    "find_demo_clinic",
    "seed_demo_clinic",
]
