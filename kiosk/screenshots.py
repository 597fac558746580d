"""`clinic-kiosk --screenshots DIR`: every kiosk screen, in the four languages, portrait and
landscape, with the demo clinic's data, as PNG files (DIR/<orientation>/<language>/NN-name.png).

The states are made by the real check-in flow on a copy of the demo kiosk's replica (so taking
screenshots checks nobody in for real); the Welcome screen's camera shows a phone holding a
demo patient's code, rendered the way the tests render them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

from PySide6.QtWidgets import QApplication

from common.checkin.backend import DatabaseBackend
from common.checkin.flow import CheckInFlow, EnterDetails, State, Welcome
from common.checkin.lookup import AttemptLimiter
from common.checkin.questions import Answer
from common.database import Database
from common.i18n import SUPPORTED_LOCALES
from common.ids import new_id
from common.qt.camera import preview_image
from common.storage.engine import create_database_engine, sqlite_url
from common.vision.synthetic import Shot, phone_frame
from kiosk.demo_data import REPLICA_FILE, DemoKiosk, open_demo_kiosk
from kiosk.window import KioskWindow

SIZES: Final = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


def demo_states(demo: DemoKiosk) -> tuple[str, list[tuple[str, State]]]:
    """(clinic name, [(screen name, state)]) from the real flow on a scratch copy of the replica."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / REPLICA_FILE
        shutil.copyfile(demo.replica_path, copy)
        engine = create_database_engine(sqlite_url(copy))
        try:
            db = Database(engine, chain_id="screenshots")
            backend = DatabaseBackend(db, demo.clinic_id, new_id())
            profile = backend.profile()
            flow = CheckInFlow(backend, profile.default_locale)
            states: list[tuple[str, State]] = [("welcome", Welcome())]
            card = {item.key: item for item in demo.cards}

            def step(name: str, state: State) -> None:
                states.append((name, state))

            flow.no_code()
            step("no-code", flow.state)
            step("no-code-not-found", flow.submit_details("Nobody", date(1990, 1, 1)))
            twin = card["twin"]
            step("phone-digits", flow.submit_details(twin.last_name, date.fromisoformat(twin.date_of_birth)))
            flow.reset()
            step("found", flow.scan(card["ready"].code))
            question = flow.confirm()
            step("question-1", question)
            if not isinstance(question, type(flow.state)) or "Done" not in type(question).__name__:
                step("question-2", flow.answer(Answer.NO))
                step("checked-in", flow.answer(Answer.NO))
            for key, name in (
                ("early", "refused-too-early"),
                ("late", "refused-too-late"),
                ("checked_in", "refused-already-checked-in"),
                ("cancelled", "refused-cancelled"),
                ("tomorrow", "refused-no-appointment-today"),
                ("lost_card", "refused-code-no-longer-valid"),
                ("foreign", "refused-code-not-recognised"),
            ):
                flow.reset()
                step(name, flow.scan(card[key].code))
            flow.reset()
            limited = CheckInFlow(
                DatabaseBackend(
                    db, demo.clinic_id, new_id(), limiter=AttemptLimiter(db.clock.now, max_attempts=0)
                ),
                profile.default_locale,
            )
            limited.no_code()
            step("refused-too-many-attempts", limited.submit_details("Nobody", date(1990, 1, 1)))
        finally:
            engine.dispose()
    return profile.name, [
        (name, state)
        for name, state in states
        if not isinstance(state, EnterDetails) or name.startswith("no-code")
    ]


def take(out_dir: Path, data_dir: Path, now: datetime | None = None) -> list[Path]:
    _app = QApplication.instance() or QApplication([])
    demo = open_demo_kiosk(data_dir, now or datetime.now(UTC))
    clinic_name, states = demo_states(demo)
    camera_frame = preview_image(
        phone_frame(demo.card("ready").code, Shot(angle=-6, blur_sigma=0.6, seed=3)), 960
    )
    window = KioskWindow(clinic_name, windowed=True)
    window.show()
    saved: list[Path] = []
    for orientation, (width, height) in SIZES.items():
        window.resize(width, height)
        for locale in SUPPORTED_LOCALES:
            folder = out_dir / orientation / locale
            folder.mkdir(parents=True, exist_ok=True)
            for number, (name, state) in enumerate(_with_extras(states), start=1):
                if name == "starting":
                    window.set_locale(locale)
                    window.set_progress("Copying what the kiosk needs…", 0.8)
                    window.stack.setCurrentWidget(window.starting)
                elif name == "staff":
                    window.show_state(Welcome(), locale)
                    window.open_staff()
                else:
                    window.show_state(state, locale)
                    window.staff.sig_cancel.emit()
                    if name == "welcome":
                        window.show_frame(camera_frame)
                window.settle()
                path = folder / f"{number:02d}-{name}.png"
                window.grab().save(str(path))
                saved.append(path)
    window.close()
    return saved


def _with_extras(states: list[tuple[str, State]]) -> Iterator[tuple[str, State]]:
    yield ("starting", Welcome())
    yield from states
    yield ("staff", Welcome())
