"""`clinic-desktop report` and `clinic-desktop print` against a replica: the demo clinic on a first run."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from common.database import Database
from common.patients.models import Patient
from common.registration.errors import RegistrationLinkRetired
from common.registration.service import verify_registration_token
from common.storage.engine import create_database_engine, sqlite_url
from desktop import report_cli
from tests.common.printing_support import decode, pdf_text, render


@pytest.fixture(scope="module")
def replica(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("replica") / "clinic.db"


@pytest.fixture
def env(replica: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLINIC_DATA_DIR", str(replica.parent))
    monkeypatch.setenv("DATABASE_URL", sqlite_url(replica))
    return replica


def test_report_to_pdf_and_csv_on_the_demo_replica(env, tmp_path, capsys):
    last = date.today()
    first = last - timedelta(days=30)
    pdf_path = tmp_path / "out" / "revenue.pdf"
    args = ["report", "revenue", "--from", first.isoformat(), "--to", last.isoformat()]
    assert report_cli.main([*args, "--out", str(pdf_path), "--lang", "en"]) == 0
    text = pdf_text(pdf_path.read_bytes())
    assert "Revenue report" in text and "Lotus Aesthetic Clinic" in text

    csv_path = tmp_path / "methods.csv"
    assert report_cli.main([*args, "--out", str(csv_path), "--section", "by_method", "--lang", "en"]) == 0
    rows = list(csv.DictReader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[-1]["Method"] == "Total"
    net = sum((float(row["Net (TWD)"]) for row in rows[:-1]), 0.0)
    assert net == pytest.approx(float(rows[-1]["Net (TWD)"]))
    assert "wrote" in capsys.readouterr().out


def test_report_refusals_are_explained(env, tmp_path, capsys):
    out = str(tmp_path / "x.pdf")
    assert (
        report_cli.main(["report", "cash-up", "--from", "2026-11-20", "--to", "2026-11-21", "--out", out])
        == 1
    )
    assert "one day" in capsys.readouterr().err
    code = report_cli.main(
        [
            "report",
            "revenue",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-02",
            "--out",
            out,
            "--as",
            "reception@lotus-clinic.example",
        ]
    )
    assert code == 1
    assert "role does not allow" in capsys.readouterr().err
    assert (
        report_cli.main(
            [
                "report",
                "revenue",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-02",
                "--out",
                out,
                "--section",
                "nope",
                "--format",
                "csv",
            ]
        )
        == 2
    )
    assert report_cli.main(["report", "--list"]) == 0
    assert "patient-growth" in capsys.readouterr().out


def test_print_poster_card_and_labels(env, tmp_path):
    poster = tmp_path / "poster.pdf"
    assert (
        report_cli.main(["print", "poster", "--base-url", "https://clinic.example.com", "--out", str(poster)])
        == 0
    )
    [(kind, url)] = decode(render(poster.read_bytes(), 0, dpi=120))
    assert kind == "QRCODE" and url.startswith("https://clinic.example.com/register/")

    rotated = tmp_path / "rotated.pdf"
    command = [
        "print",
        "poster",
        "--base-url",
        "https://clinic.example.com",
        "--rotate",
        "--out",
        str(rotated),
    ]
    assert report_cli.main(command) == 0
    [(_kind, new_url)] = decode(render(rotated.read_bytes(), 0, dpi=120))
    assert new_url != url

    engine = create_database_engine(sqlite_url(env))
    with pytest.raises(RegistrationLinkRetired):  # the poster printed before the rotation
        verify_registration_token(Database(engine), url.rsplit("/", 1)[1])
    verify_registration_token(Database(engine), new_url.rsplit("/", 1)[1])
    with engine.connect() as connection:
        code = connection.execute(select(Patient.__table__.c.barcode_id).limit(1)).scalar_one()
    engine.dispose()
    card = tmp_path / "card.pdf"
    assert report_cli.main(["print", "patient-card", "--patient", code, "--out", str(card)]) == 0
    assert decode(render(card.read_bytes(), 0, dpi=600)) == [("CODE128", code), ("QRCODE", code)]
    labels = tmp_path / "labels.pdf"
    assert report_cli.main(["print", "labels", "treatments", "--sheet", "5160", "--out", str(labels)]) == 0
    assert labels.stat().st_size > 0
    assert report_cli.main(["print", "labels", "patient", "--out", str(labels)]) == 2
