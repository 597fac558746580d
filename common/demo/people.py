"""Made-up patients with the mix of a Taipei clinic: Taiwanese names in CJK, Japanese names in kanji,
kana or romaji, and English names (some with accents, to exercise accent-insensitive search).

Email addresses use the reserved example domains; US numbers are from the fictional 555-01xx range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from common.demo.seeded import DemoRandom
from common.patients.models import PreferredLanguage

# (CJK, romanized as on a Taiwanese passport)
TW_SURNAMES: Final = (
    ("陳", "Chen"), ("林", "Lin"), ("黃", "Huang"), ("張", "Chang"), ("李", "Lee"), ("王", "Wang"),
    ("吳", "Wu"), ("劉", "Liu"), ("蔡", "Tsai"), ("楊", "Yang"), ("許", "Hsu"), ("鄭", "Cheng"),
    ("謝", "Hsieh"), ("郭", "Kuo"), ("洪", "Hung"), ("曾", "Tseng"), ("邱", "Chiu"), ("廖", "Liao"),
    ("賴", "Lai"), ("周", "Chou"),
)  # fmt: skip
TW_GIVEN: Final = (
    ("怡君", "Yi-Chun"), ("雅婷", "Ya-Ting"), ("淑芬", "Shu-Fen"), ("欣怡", "Hsin-Yi"), ("佳穎", "Chia-Ying"),
    ("詩涵", "Shih-Han"), ("家豪", "Chia-Hao"), ("志明", "Chih-Ming"), ("俊傑", "Chun-Chieh"),
    ("冠宇", "Kuan-Yu"), ("承恩", "Cheng-En"), ("宗翰", "Tsung-Han"), ("美玲", "Mei-Ling"),
    ("惠雯", "Hui-Wen"), ("依婷", "Yi-Ting"), ("子涵", "Tzu-Han"), ("品妤", "Pin-Yu"), ("思妤", "Szu-Yu"),
    ("靜怡", "Ching-Yi"), ("宜蓁", "Yi-Chen"), ("佩珊", "Pei-Shan"), ("筱涵", "Hsiao-Han"),
    ("柏翰", "Po-Han"), ("育誠", "Yu-Cheng"),
)  # fmt: skip
JP_SURNAMES: Final = (
    ("佐藤", "Sato"), ("鈴木", "Suzuki"), ("高橋", "Takahashi"), ("田中", "Tanaka"), ("伊藤", "Ito"),
    ("渡辺", "Watanabe"), ("山本", "Yamamoto"), ("中村", "Nakamura"), ("小林", "Kobayashi"), ("加藤", "Kato"),
    ("吉田", "Yoshida"), ("山田", "Yamada"),
)  # fmt: skip
JP_GIVEN: Final = (
    ("陽菜", "Hina"), ("結衣", "Yui"), ("さくら", "Sakura"), ("美咲", "Misaki"), ("葵", "Aoi"),
    ("翔太", "Shota"), ("大輝", "Daiki"), ("蓮", "Ren"), ("拓海", "Takumi"), ("健太", "Kenta"),
    ("愛子", "Aiko"), ("真由美", "Mayumi"), ("ゆかり", "Yukari"), ("みずき", "Mizuki"),
)  # fmt: skip
EN_GIVEN: Final = (
    "Emily", "Olivia", "Sophia", "Chloe", "Grace", "Hannah", "Jessica", "Amanda", "Vivian", "Zoë",
    "Renée", "Chloé", "Daniel", "Michael", "James", "Ryan", "David", "Kevin", "Jason", "Noah",
)  # fmt: skip
EN_SURNAMES: Final = (
    "Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "García", "Müller", "O'Connor", "Nguyen",
    "Kim", "Park", "Chen", "Lin", "Wang", "Lee", "Martin", "Dubois", "Rossi", "Andersson",
)  # fmt: skip
EMAIL_DOMAINS: Final = ("example.com", "example.net", "example.org")

ALLERGIES: Final = (
    "Lidocaine",
    "Penicillin",
    "Latex",
    "Sulfa drugs",
    "Aspirin",
    "Hyaluronidase",
    "Egg protein",
)
MEDICATIONS: Final = (
    "Isotretinoin 20 mg daily", "Aspirin 100 mg daily", "Warfarin 5 mg daily", "Oral contraceptive",
    "Levothyroxine 50 mcg daily", "Metformin 500 mg twice daily", "Fish oil 1000 mg daily",
    "Vitamin E 400 IU daily",
)  # fmt: skip
CONDITIONS: Final = (
    "Rosacea", "Melasma", "Acne vulgaris", "Hypertension", "Keloid tendency", "Cold sores (HSV-1)",
    "Thyroid disorder", "Atopic dermatitis",
)  # fmt: skip
PATIENT_NOTES: Final = (
    "Prefers afternoon appointments.",
    "Sensitive skin: patch test before peels.",
    "Needle-phobic: offer numbing cream.",
    "Member of the loyalty programme.",
    "Prefers messages in the evening.",
)
RELATIONSHIPS: Final = ("Spouse", "Parent", "Sibling", "Friend", "Partner")


@dataclass
class Person:
    """A patient before ids and times are known."""

    first_name: str
    last_name: str
    date_of_birth: date
    phone: str | None
    email: str | None
    language: PreferredLanguage
    emergency_contact: dict[str, Any] = field(default_factory=dict)
    medical_history: dict[str, Any] = field(default_factory=dict)
    allergies: list[str] = field(default_factory=list)
    medications: list[str] = field(default_factory=list)
    notes: str | None = None
    marketing_opt_in: bool = False
    treatment_details_opt_in: bool = False


def _tw_mobile(rng: DemoRandom) -> str:
    return f"09{rng.between(10, 99)}-{rng.between(0, 999):03d}-{rng.between(0, 999):03d}"


def _phone(rng: DemoRandom, origin: str) -> str:
    roll = rng.random()
    if origin == "jp" and roll < 0.3:
        return f"+81 90-{rng.between(1000, 9999)}-{rng.between(1000, 9999)}"
    if origin == "en" and roll < 0.3:
        return f"+1 (415) 555-01{rng.between(0, 99):02d}"
    if roll < 0.15:
        return f"+886 9{rng.between(10, 99)} {rng.between(0, 999):03d} {rng.between(0, 999):03d}"
    return _tw_mobile(rng)


def _email(rng: DemoRandom, first_latin: str, last_latin: str) -> str:
    local = f"{first_latin}.{last_latin}".lower().replace("-", "").replace("'", "")
    local = local.encode("ascii", "ignore").decode() or "patient"
    return f"{local}{rng.between(1, 999)}@{rng.pick(EMAIL_DOMAINS)}"


def _names(rng: DemoRandom) -> tuple[str, str, str, str, str, PreferredLanguage]:
    """(first, last, first in Latin letters, last in Latin letters, origin, language)."""
    roll = rng.random()
    if roll < 0.6:
        (last, last_latin), (first, first_latin) = rng.pick(TW_SURNAMES), rng.pick(TW_GIVEN)
        if rng.random() < 0.1:  # registered under an English name
            first = first_latin = rng.pick(EN_GIVEN[:12])
            return first, last_latin, first_latin, last_latin, "tw", PreferredLanguage.EN
        return first, last, first_latin, last_latin, "tw", PreferredLanguage.ZH_TW
    if roll < 0.75:
        (last, last_latin), (first, first_latin) = rng.pick(JP_SURNAMES), rng.pick(JP_GIVEN)
        if rng.random() < 0.35:  # registered in romaji
            return first_latin, last_latin, first_latin, last_latin, "jp", PreferredLanguage.JA
        return first, last, first_latin, last_latin, "jp", PreferredLanguage.JA
    first, last = rng.pick(EN_GIVEN), rng.pick(EN_SURNAMES)
    return first, last, first, last, "en", PreferredLanguage.EN


def make_person(rng: DemoRandom, today: date) -> Person:
    first, last, first_latin, last_latin, origin, language = _names(rng)
    age_days = int(365.25 * min(72.0, max(18.0, rng.gauss(36, 10)))) + rng.between(0, 364)
    person = Person(
        first_name=first,
        last_name=last,
        date_of_birth=today - timedelta(days=age_days),
        phone=_phone(rng, origin) if rng.random() < 0.97 else None,
        email=_email(rng, first_latin, last_latin) if rng.random() < 0.8 else None,
        language=language,
        marketing_opt_in=rng.random() < 0.45,
        treatment_details_opt_in=rng.random() < 0.3,
    )
    if rng.random() < 0.6:
        person.emergency_contact = {
            "name": f"{rng.pick(TW_SURNAMES)[0]}{rng.pick(TW_GIVEN)[0]}",
            "relationship": rng.pick(RELATIONSHIPS),
            "phone": _tw_mobile(rng),
        }
    history: dict[str, Any] = {"fitzpatrick_skin_type": rng.pick(("II", "III", "III", "IV", "IV", "V"))}
    if rng.random() < 0.25:
        history["conditions"] = sorted(set(rng.sample(CONDITIONS, rng.between(1, 2))))
    if rng.random() < 0.05:
        history["pregnant_or_breastfeeding"] = True
    person.medical_history = history
    if rng.random() < 0.12:
        person.allergies = sorted(rng.sample(ALLERGIES, rng.between(1, 2)))
    if rng.random() < 0.18:
        person.medications = sorted(rng.sample(MEDICATIONS, rng.between(1, 2)))
    if rng.random() < 0.05:
        person.notes = rng.pick(PATIENT_NOTES)
    return person
