"""The fixed part of the demo clinic: its staff, their weeks, the catalog and the stock room.

Times are the clinic's wall clock (Asia/Taipei). Prices are TWD and include VAT (tax rate 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from common.catalog.models import TreatmentKind
from common.clinics.models import ClinicType
from common.inventory.models import InventoryCategory, UnitOfMeasure
from common.scheduling.models import AppointmentType
from common.staff.models import Role

DEMO_CLINIC_NAME: Final = "Lotus Aesthetic Clinic"
CLINIC_TYPE: Final = ClinicType.MEDICAL_AESTHETIC
TIMEZONE: Final = "Asia/Taipei"
CURRENCY: Final = "TWD"
LANGUAGES: Final = ("en", "zh_TW")
DEFAULT_LANGUAGE: Final = "zh_TW"
EMAIL_DOMAIN: Final = "lotus-clinic.example"
# One known password for every demo login, so the README can show it. Demo data only.
DEMO_PASSWORD: Final = "demo-front-desk-2026"  # noqa: S105 - published in the README on purpose
# ISO weekday -> [open, close]; absent = closed.
BUSINESS_HOURS: Final = {str(day): ["09:00", "20:00"] for day in range(1, 6)} | {"6": ["09:00", "13:00"]}
CLINIC_DETAILS: Final = {
    "address": "12F, No. 88, Sec. 4, Zhongxiao E. Rd., Da'an Dist., Taipei 106",
    "phone": "+886 2 2700 1688",
    "email": f"hello@{EMAIL_DOMAIN}",
    "billing_contact_email": f"billing@{EMAIL_DOMAIN}",
    "technical_contact_email": f"it@{EMAIL_DOMAIN}",
}


@dataclass(frozen=True)
class Week:
    """Working hours per ISO weekday and the breaks inside them, as "HH:MM"."""

    hours: dict[int, tuple[str, str]]
    breaks: dict[int, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class StaffSpec:
    key: str
    role: Role
    first_name: str
    last_name: str
    email_local: str
    preferred_language: str = "en"
    specialization: str | None = None
    calendar_color: str | None = None
    totp_secret: str | None = None
    week: Week | None = None

    @property
    def email(self) -> str:
        return f"{self.email_local}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    name: str
    password: str
    totp_secret: str | None


# Fixed TOTP secrets (base32) for the roles that must use two factors. Demo data only.
ADMIN_TOTP: Final = "LOTUSDEMOADMINTOTPSECRETAAAAAAAA"
MANAGER_TOTP: Final = "LOTUSDEMOMANAGERTOTPSECRETBBBBBB"

_WEEKDAYS_9_TO_6 = Week(
    hours={day: ("09:00", "18:00") for day in range(1, 6)},
    breaks={day: ("12:00", "13:00") for day in range(1, 6)},
)
_MWF_PLUS_SATURDAY = Week(
    hours={1: ("09:00", "18:00"), 3: ("09:00", "18:00"), 5: ("09:00", "18:00"), 6: ("09:00", "13:00")},
    breaks={1: ("12:30", "13:30"), 3: ("12:30", "13:30"), 5: ("12:30", "13:30")},
)
_LATE_SHIFT = Week(
    hours={day: ("12:00", "20:00") for day in range(2, 6)},
    breaks={day: ("16:00", "16:30") for day in range(2, 6)},
)
_LASER_DAYS = Week(
    hours={1: ("10:00", "19:00"), 2: ("10:00", "19:00"), 4: ("10:00", "19:00"), 6: ("09:00", "13:00")},
    breaks={1: ("13:00", "14:00"), 2: ("13:00", "14:00"), 4: ("13:00", "14:00")},
)
EXTRA_DOCTOR_WEEKS: Final = (_WEEKDAYS_9_TO_6, _LATE_SHIFT, _MWF_PLUS_SATURDAY, _LASER_DAYS)

STAFF: Final = (
    StaffSpec("admin", Role.ADMIN, "Ada", "Hsu", "admin", totp_secret=ADMIN_TOTP),
    StaffSpec("manager", Role.MANAGER, "Michael", "Cheng", "manager", totp_secret=MANAGER_TOTP),
    StaffSpec(
        "dr_lin",
        Role.DOCTOR,
        "Ya-Ting",
        "Lin",
        "dr.lin",
        "zh_TW",
        "Dermatology",
        "#C2185B",
        week=_WEEKDAYS_9_TO_6,
    ),
    StaffSpec(
        "dr_sato",
        Role.DOCTOR,
        "Kenji",
        "Sato",
        "dr.sato",
        "en",
        "Plastic surgery",
        "#1976D2",
        week=_MWF_PLUS_SATURDAY,
    ),
    StaffSpec(
        "dr_wu",
        Role.DOCTOR,
        "Wei-Chen",
        "Wu",
        "dr.wu",
        "zh_TW",
        "Aesthetic medicine",
        "#388E3C",
        week=_LATE_SHIFT,
    ),
    StaffSpec(
        "dr_chang",
        Role.DOCTOR,
        "Emily",
        "Chang",
        "dr.chang",
        "en",
        "Laser and skin",
        "#F57C00",
        week=_LASER_DAYS,
    ),
    StaffSpec("nurse_huang", Role.NURSE, "Hsiao-Wen", "Huang", "nurse.huang", "zh_TW"),
    StaffSpec("nurse_tsai", Role.NURSE, "Mei-Ling", "Tsai", "nurse.tsai", "zh_TW"),
    StaffSpec("reception_kuo", Role.RECEPTIONIST, "Pei-Shan", "Kuo", "reception", "zh_TW"),
    StaffSpec("reception_liao", Role.RECEPTIONIST, "Grace", "Liao", "reception2", "en"),
)


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin(s.email, s.role, f"{s.first_name} {s.last_name}", DEMO_PASSWORD, s.totp_secret)
        for s in STAFF
    ]


@dataclass(frozen=True)
class CategorySpec:
    name: str
    kind: TreatmentKind
    children: tuple[str, ...] = ()


CATEGORIES: Final = (
    CategorySpec(
        "Injectables", TreatmentKind.COSMETIC, ("Botulinum toxin", "Dermal fillers", "Regenerative")
    ),
    CategorySpec("Laser & light", TreatmentKind.COSMETIC, ("Laser hair removal", "Pigment & toning")),
    CategorySpec("Skin treatments", TreatmentKind.THERAPEUTIC, ("Chemical peels", "Facials")),
    CategorySpec("Consultations", TreatmentKind.DIAGNOSTIC),
    CategorySpec("Aftercare", TreatmentKind.PREVENTIVE),
)


@dataclass(frozen=True)
class StockSpec:
    sku: str
    name: str
    category: InventoryCategory
    unit: UnitOfMeasure
    minimum: int
    maximum: int
    unit_cost: Decimal
    location: str
    supplier: str
    tracked: bool
    # Stock left at the end of the demo (below `minimum` makes it show on the low-stock list).
    final_stock: int


_FOR = "Formosa Medical Supply Co."
_PAC = "Pacific Aesthetics Trading"
_TPE = "Taipei Surgical Ltd."
SUPPLIERS: Final = {
    _FOR: {"name": _FOR, "phone": "+886 2 2511 0300", "email": "orders@formosa-med.example"},
    _PAC: {"name": _PAC, "phone": "+886 2 8751 2200", "email": "sales@pacific-aesthetics.example"},
    _TPE: {"name": _TPE, "phone": "+886 2 2396 4100", "email": "service@taipei-surgical.example"},
}

_COLD = "Medicine fridge (2-8 °C)"
_CAB = "Treatment room cabinet"
_STO = "Store room"
_MED, _SUP, _CON, _EQP = (
    InventoryCategory.MEDICINE,
    InventoryCategory.SUPPLY,
    InventoryCategory.CONSUMABLE,
    InventoryCategory.EQUIPMENT,
)
_EACH, _PACK, _TUBE = UnitOfMeasure.EACH, UnitOfMeasure.PACK, UnitOfMeasure.TUBE
# sku, name, category, unit, minimum, maximum, unit cost, location, supplier, tracked, final stock
STOCK: Final = tuple(
    StockSpec(sku, name, category, unit, low, high, Decimal(cost), where, supplier, tracked, final)
    for sku, name, category, unit, low, high, cost, where, supplier, tracked, final in (
        ("MED-BTX-50", "Botulinum toxin type A, 50 U vial", _MED, _EACH, 10, 60, 3200, _COLD, _PAC, True, 18),
        ("MED-HA-1ML", "Hyaluronic acid filler, 1 ml", _MED, _EACH, 8, 40, 5200, _COLD, _PAC, True, 5),
        ("MED-LIDO-5G", "Lidocaine 5% cream, 5 g tube", _MED, _TUBE, 10, 60, 180, _CAB, _FOR, True, 24),
        ("SUP-GLY-30", "Glycolic acid 30% ampoule", _SUP, _EACH, 10, 50, 260, _CAB, _PAC, False, 16),
        ("SUP-SAL-20", "Salicylic acid 20% ampoule", _SUP, _EACH, 10, 50, 240, _CAB, _PAC, False, 12),
        ("CON-PRP-KIT", "PRP preparation kit", _CON, _EACH, 6, 30, 1400, _STO, _TPE, True, 9),
        ("CON-HF-TIP", "HydraFacial tip set", _CON, _PACK, 10, 60, 350, _STO, _PAC, False, 21),
        ("CON-HF-SER", "HydraFacial serum set", _CON, _PACK, 10, 60, 520, _STO, _PAC, False, 19),
        ("CON-NDL-30G", "Needle 30G x 13 mm", _CON, _EACH, 200, 1000, 6, _CAB, _TPE, False, 420),
        ("CON-CAN-25G", "Blunt cannula 25G x 50 mm", _CON, _EACH, 20, 100, 95, _CAB, _TPE, False, 34),
        ("CON-SWAB", "Alcohol prep pad", _CON, _EACH, 300, 2000, 1, _CAB, _FOR, False, 850),
        ("SUP-GAUZE", "Sterile gauze pack 4x4 in", _SUP, _PACK, 100, 600, 8, _STO, _FOR, False, 60),
        ("SUP-GLOVE", "Nitrile gloves, pair (M)", _SUP, _EACH, 200, 1500, 4, _STO, _FOR, False, 640),
        ("CON-GEL", "Cooling gel sachet", _CON, _EACH, 50, 400, 15, _STO, _FOR, False, 130),
        ("SUP-SPF50", "Sunscreen SPF 50, 10 ml sample", _SUP, _TUBE, 40, 300, 45, _STO, _PAC, False, 95),
        ("EQP-EYE", "Laser safety eye shields (pair)", _EQP, _EACH, 4, 12, 1200, "Laser room", _TPE, True, 6),
    )
)  # fmt: skip


@dataclass(frozen=True)
class CatalogSpec:
    name: str
    subcategory: str  # a child category's name, or a top-level category without children
    duration: int  # minutes, a multiple of the clinic's 15-minute slot
    price: Decimal
    description: str
    advantages: tuple[str, ...]
    instructions: str
    cautions: tuple[str, ...]
    recommended_for: tuple[str, ...]
    materials: tuple[tuple[str, int], ...]  # (sku, quantity) used by one treatment
    follow_up_days: int | None = None
    next_treatment: str | None = None  # must be this item or one listed before it
    requires_doctor_approval: bool = False
    appointment_type: AppointmentType = AppointmentType.TREATMENT
    weight: int = 10  # how often it is booked, relative to the others


_AFTER_INJECTION = "Keep upright for 4 hours; no massage, sauna or strenuous exercise for 24 hours."
_PREGNANCY = "Not during pregnancy or breastfeeding."
_ANTICOAGULANTS = "Tell the doctor about blood thinners (aspirin, warfarin, fish oil): bruising risk."
_ISOTRETINOIN = "Not within 6 months of oral isotretinoin."
_SUN = "Avoid sun exposure and use SPF 50 for 2 weeks."
_BEFORE_LASER = "Shave the day before; no waxing or plucking for 4 weeks."

CATALOG: Final = (
    CatalogSpec(
        name="Initial consultation",
        subcategory="Consultations",
        duration=30,
        price=Decimal(500),
        description="Assessment of concerns, medical history and a personal treatment plan.",
        advantages=("Personal plan", "Price estimate"),
        instructions="Arrive without make-up if the face is to be assessed.",
        cautions=(),
        recommended_for=("New patients",),
        materials=(),
        appointment_type=AppointmentType.CONSULTATION,
        weight=14,
    ),
    CatalogSpec(
        name="VISIA skin analysis",
        subcategory="Consultations",
        duration=15,
        price=Decimal(800),
        description="Imaging of spots, wrinkles, pores, UV damage and redness.",
        advantages=("Objective baseline", "Tracks progress"),
        instructions="Arrive without make-up or sunscreen.",
        cautions=(),
        recommended_for=("Pigmentation", "Before a treatment series"),
        materials=(),
        appointment_type=AppointmentType.CONSULTATION,
        weight=5,
    ),
    CatalogSpec(
        name="Botox - forehead lines",
        subcategory="Botulinum toxin",
        duration=30,
        price=Decimal(6000),
        description="Botulinum toxin type A to relax the forehead muscles.",
        advantages=("Smooths lines in 3-7 days", "No downtime"),
        instructions=_AFTER_INJECTION,
        cautions=(_PREGNANCY, _ANTICOAGULANTS, "Not with neuromuscular disease."),
        recommended_for=("Forehead lines", "Age 25-65"),
        materials=(("MED-BTX-50", 1), ("CON-NDL-30G", 2)),
        follow_up_days=120,
        requires_doctor_approval=True,
        weight=12,
    ),
    CatalogSpec(
        name="Botox - crow's feet",
        subcategory="Botulinum toxin",
        duration=30,
        price=Decimal(6000),
        description="Botulinum toxin type A around the eyes.",
        advantages=("Softens smile lines", "No downtime"),
        instructions=_AFTER_INJECTION,
        cautions=(_PREGNANCY, _ANTICOAGULANTS),
        recommended_for=("Crow's feet",),
        materials=(("MED-BTX-50", 1), ("CON-NDL-30G", 2)),
        follow_up_days=120,
        next_treatment="Botox - forehead lines",
        requires_doctor_approval=True,
        weight=8,
    ),
    CatalogSpec(
        name="Botox - jaw slimming",
        subcategory="Botulinum toxin",
        duration=30,
        price=Decimal(12000),
        description="Botulinum toxin type A into the masseter muscles for a slimmer jawline.",
        advantages=("Slimmer jaw in 4-8 weeks", "Less teeth grinding"),
        instructions=_AFTER_INJECTION,
        cautions=(_PREGNANCY, "Chewing may feel weaker for 2-4 weeks."),
        recommended_for=("Square jaw", "Bruxism"),
        materials=(("MED-BTX-50", 2), ("CON-NDL-30G", 4)),
        follow_up_days=150,
        requires_doctor_approval=True,
        weight=6,
    ),
    CatalogSpec(
        name="Hyaluronic acid filler - nasolabial folds",
        subcategory="Dermal fillers",
        duration=45,
        price=Decimal(16000),
        description="1 ml of cross-linked hyaluronic acid to soften the nasolabial folds.",
        advantages=("Immediate result", "Reversible with hyaluronidase"),
        instructions="Ice 10 minutes per hour on day 1; no facial massage for 2 weeks.",
        cautions=(_PREGNANCY, _ANTICOAGULANTS, "Not with active skin infection or cold sores."),
        recommended_for=("Nasolabial folds", "Volume loss"),
        materials=(("MED-HA-1ML", 1), ("MED-LIDO-5G", 1), ("CON-CAN-25G", 1)),
        follow_up_days=270,
        requires_doctor_approval=True,
        weight=5,
    ),
    CatalogSpec(
        name="Lip filler",
        subcategory="Dermal fillers",
        duration=45,
        price=Decimal(15000),
        description="Up to 1 ml of soft hyaluronic acid for lip volume and definition.",
        advantages=("Natural volume", "Lasts 6-12 months"),
        instructions="Swelling peaks on day 2; avoid hot drinks for 24 hours.",
        cautions=(_PREGNANCY, "Not with active cold sores (HSV-1)."),
        recommended_for=("Thin lips", "Asymmetry"),
        materials=(("MED-HA-1ML", 1), ("MED-LIDO-5G", 1), ("CON-NDL-30G", 2)),
        follow_up_days=270,
        requires_doctor_approval=True,
        weight=4,
    ),
    CatalogSpec(
        name="PRP facial rejuvenation",
        subcategory="Regenerative",
        duration=60,
        price=Decimal(12000),
        description="Platelet-rich plasma from the patient's own blood, micro-injected into the face.",
        advantages=("Better texture and glow", "Uses your own plasma"),
        instructions="Do not wash the face for 6 hours; no make-up for 24 hours.",
        cautions=(_ANTICOAGULANTS, "Not with blood or platelet disorders."),
        recommended_for=("Dull skin", "Fine lines", "Acne scars"),
        materials=(("CON-PRP-KIT", 1), ("MED-LIDO-5G", 1), ("CON-NDL-30G", 3)),
        follow_up_days=30,
        next_treatment="PRP facial rejuvenation",
        weight=4,
    ),
    CatalogSpec(
        name="PRP hair restoration",
        subcategory="Regenerative",
        duration=60,
        price=Decimal(15000),
        description="Platelet-rich plasma injected into the scalp to support hair growth.",
        advantages=("Thicker hair over 3-6 months",),
        instructions="Do not wash the hair for 12 hours.",
        cautions=(_ANTICOAGULANTS,),
        recommended_for=("Thinning hair", "Androgenetic alopecia"),
        materials=(("CON-PRP-KIT", 1), ("CON-NDL-30G", 3)),
        follow_up_days=30,
        next_treatment="PRP hair restoration",
        weight=3,
    ),
    CatalogSpec(
        name="Laser hair removal - underarms",
        subcategory="Laser hair removal",
        duration=15,
        price=Decimal(1500),
        description="Diode laser, both underarms.",
        advantages=("Quick", "Lasting reduction after 6-8 sessions"),
        instructions=_BEFORE_LASER,
        cautions=("Not on tanned skin.", _SUN),
        recommended_for=("Unwanted hair",),
        materials=(("CON-GEL", 1),),
        follow_up_days=42,
        next_treatment="Laser hair removal - underarms",
        weight=9,
    ),
    CatalogSpec(
        name="Laser hair removal - full legs",
        subcategory="Laser hair removal",
        duration=45,
        price=Decimal(6500),
        description="Diode laser, both legs from ankle to upper thigh.",
        advantages=("Lasting reduction after 6-8 sessions",),
        instructions=_BEFORE_LASER,
        cautions=("Not on tanned skin.", _SUN),
        recommended_for=("Unwanted hair",),
        materials=(("CON-GEL", 4),),
        follow_up_days=42,
        next_treatment="Laser hair removal - full legs",
        weight=5,
    ),
    CatalogSpec(
        name="Pico laser toning",
        subcategory="Pigment & toning",
        duration=30,
        price=Decimal(5500),
        description="Picosecond laser for pigmentation, melasma and uneven tone.",
        advantages=("Minimal downtime", "Brighter, even tone"),
        instructions="Moisturise and use SPF 50 daily; no scrubs for a week.",
        cautions=(_SUN, _ISOTRETINOIN, _PREGNANCY),
        recommended_for=("Melasma", "Sun spots", "Dull skin"),
        materials=(("SUP-SPF50", 1),),
        follow_up_days=28,
        next_treatment="Pico laser toning",
        weight=7,
    ),
    CatalogSpec(
        name="IPL photorejuvenation",
        subcategory="Pigment & toning",
        duration=45,
        price=Decimal(4500),
        description="Intense pulsed light for redness, sun damage and broken capillaries.",
        advantages=("Evens redness and spots",),
        instructions="Spots darken and flake within 7 days; do not pick.",
        cautions=(_SUN, _ISOTRETINOIN, "Not on tanned skin."),
        recommended_for=("Rosacea", "Sun damage"),
        materials=(("CON-GEL", 2), ("SUP-SPF50", 1)),
        follow_up_days=28,
        weight=5,
    ),
    CatalogSpec(
        name="Glycolic acid peel (30%)",
        subcategory="Chemical peels",
        duration=30,
        price=Decimal(2500),
        description="Alpha-hydroxy acid peel for texture and dullness.",
        advantages=("Smoother skin", "No downtime"),
        instructions="No retinoids or exfoliants for 5 days.",
        cautions=(_ISOTRETINOIN, _SUN),
        recommended_for=("Dull skin", "Uneven texture"),
        materials=(("SUP-GLY-30", 1), ("SUP-GAUZE", 2)),
        follow_up_days=21,
        next_treatment="Glycolic acid peel (30%)",
        weight=6,
    ),
    CatalogSpec(
        name="Salicylic acid peel (20%)",
        subcategory="Chemical peels",
        duration=30,
        price=Decimal(2200),
        description="Beta-hydroxy acid peel for oily and acne-prone skin.",
        advantages=("Clears pores", "Calms active acne"),
        instructions="Expect light flaking for 3 days; moisturise.",
        cautions=(_ISOTRETINOIN, "Not with aspirin allergy."),
        recommended_for=("Acne", "Oily skin"),
        materials=(("SUP-SAL-20", 1), ("SUP-GAUZE", 2)),
        follow_up_days=14,
        next_treatment="Salicylic acid peel (20%)",
        weight=5,
    ),
    CatalogSpec(
        name="HydraFacial Signature",
        subcategory="Facials",
        duration=45,
        price=Decimal(4800),
        description="Cleanse, peel, extract and hydrate in one session.",
        advantages=("Instant glow", "Suits all skin types"),
        instructions="No make-up for 6 hours.",
        cautions=("Not on sunburnt or broken skin.",),
        recommended_for=("Congested pores", "Dehydrated skin"),
        materials=(("CON-HF-TIP", 1), ("CON-HF-SER", 1)),
        follow_up_days=28,
        weight=9,
    ),
    CatalogSpec(
        name="HydraFacial Deluxe",
        subcategory="Facials",
        duration=60,
        price=Decimal(6800),
        description="The Signature facial with a booster serum and LED light therapy.",
        advantages=("Instant glow", "Targets fine lines"),
        instructions="No make-up for 6 hours.",
        cautions=("Not on sunburnt or broken skin.",),
        recommended_for=("Fine lines", "Dehydrated skin"),
        materials=(("CON-HF-TIP", 1), ("CON-HF-SER", 1)),
        follow_up_days=28,
        next_treatment="HydraFacial Signature",
        weight=4,
    ),
    CatalogSpec(
        name="Post-treatment check",
        subcategory="Aftercare",
        duration=15,
        price=Decimal(0),
        description="A short review after injections or a laser series; touch-ups are booked separately.",
        advantages=("Included in the treatment price",),
        instructions="Bring photos of any reaction.",
        cautions=(),
        recommended_for=("After injectables", "After laser"),
        materials=(),
        appointment_type=AppointmentType.FOLLOW_UP,
        weight=6,
    ),
)

CANCELLATION_REASONS: Final = (
    "Patient asked to reschedule",
    "Feeling unwell",
    "Work conflict",
    "Typhoon warning: clinic closed early",
    "Booked twice by mistake",
)
TREATMENT_NOTES: Final = (
    "Tolerated well.",
    "Tolerated well; aftercare explained.",
    "Mild erythema after treatment, expected.",
    "Patient satisfied with the result.",
    "Numbing cream applied 30 minutes before.",
)
COMPLICATIONS: Final = (
    "Small bruise at one injection site; resolves in a week.",
    "Transient redness for 24 hours.",
    "Mild swelling, settled with ice.",
)
FEEDBACK: Final = ("Very happy", "Painless, thank you", "Would like a stronger result next time")
ARRIVAL_NOTES: Final = (
    "Prefers Dr. Lin if available",
    "First visit: referred by a friend",
    "Wants a quote first",
)
