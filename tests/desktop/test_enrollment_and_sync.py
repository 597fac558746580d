"""A desk connected to a real clinic server (uvicorn on SQLite, tests/e2e helpers): enrolled with a
code through the first-run page, its initial sync shown to 100 % (and resumed after a cancel and a
restart), signed in; offline bookings pending then confirmed; two desks booking the same time
offline, the loser in the conflict inbox with both patients and free times, resolved there."""

from __future__ import annotations

import ssl
import threading
import uuid
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from common.i18n import translate
from common.scheduling.booking import BookingRequest
from common.scheduling.models import Appointment, AppointmentStatus
from common.sync.client import ServerRefused
from common.sync.models import ConflictStatus, SyncConflict
from desktop.actions import book
from desktop.enrollment import flow
from desktop.screens.calendar.screen import CalendarScreen
from desktop.screens.conflicts.screen import ConflictsScreen
from desktop.startup import enrollment_state
from desktop.status_bar import SyncIndicator
from desktop.widgets.common import Banner
from sync_server.sync import endpoints
from tests.desktop.sync_desks import WAIT_MS, Desks
from tests.e2e.conftest import SyncWorld, wall
from tests.e2e.support import LiveServer, free_port
from tests.kiosk.helpers import wedge_scan


def test_a_desk_enrolls_with_a_code_syncs_with_progress_and_resumes_after_a_cancel(
    desks: Desks, sw: SyncWorld, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("desktop.enrollment.flow.PAGE_ROWS", 5)  # several pages, to stop between
    gate = threading.Event()
    pulls: list[int] = []
    original = endpoints.pull_page  # type: ignore[attr-defined]

    def gated_pull(*args: Any, **kwargs: Any) -> Any:
        pulls.append(1)
        if len(pulls) == 2:
            gate.wait(10)  # the server holds the second page: the first is on the desk
        return original(*args, **kwargs)

    monkeypatch.setattr(endpoints, "pull_page", gated_pull)
    app = desks.open("desk")
    desks.wait_state(app, "first_run")
    assert app.first_run is not None and app.first_run.enroll.isEnabled()
    app.first_run.enroll.click()
    enrolling = app.enrollment
    assert enrolling is not None
    page = enrolling.page

    # Errors say what happened and what to do.
    page.server.setText(f"http://127.0.0.1:{free_port()}")
    page.code.setText(desks.code())
    page.connect_button.click()
    qtbot.waitUntil(lambda: page.form_error.isVisible(), timeout=WAIT_MS)
    assert "could not be reached" in page.form_error.text()
    page.server.setText(sw.server.url)
    page.code.setText(f"{sw.clinic_id.hex}.AAAA-BBBB-CCCC-DDDD")
    page.connect_button.click()
    qtbot.waitUntil(lambda: "did not accept this enrollment code" in page.form_error.text(), timeout=WAIT_MS)
    page.code.setText("not a code")
    page.connect_button.click()
    assert "not an enrollment code" in page.form_error.text()

    # The code's QR read by a USB scanner: wherever the cursor is, the code lands in its field.
    code = desks.code()
    page.code.clear()
    page.server.setFocus()
    wedge_scan(page, code.upper().replace("-", ""))
    qtbot.waitUntil(lambda: page.code.text() == code, timeout=WAIT_MS)
    assert page.server.text() == sw.server.url
    seen: list[tuple[int, int]] = []
    page.bar.valueChanged.connect(lambda value: seen.append((value, page.bar.maximum())))
    page.connect_button.click()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1][0] > 0, timeout=WAIT_MS)
    assert "of about" in page.counts.text()
    page.cancel.click()
    gate.set()
    qtbot.waitUntil(lambda: page.resume.isVisible(), timeout=WAIT_MS)
    assert "paused" in page.step.text()
    assert app.state == "first_run"
    assert enrollment_state(app.db) == (True, False)
    desks.close(app)

    # Opened again, the desk goes on with the download by itself, to 100 %, then the sign-in.
    app = desks.open("desk", fresh=False)
    desks.wait_state(app, "first_run")
    assert app.enrollment is not None
    page = app.enrollment.page
    seen.clear()
    page.bar.valueChanged.connect(lambda value: seen.append((value, page.bar.maximum())))
    desks.wait_state(app, "login")
    assert seen and seen[-1][0] == seen[-1][1] > 0  # 100 %
    assert enrollment_state(app.db) == (True, True)
    assert app.login is not None and app.login.clinic_name == "Lotus Aesthetic Clinic"
    desks.sign_in(app)
    window = app.window
    assert window is not None
    indicator = window.status.sync
    assert isinstance(indicator, SyncIndicator)
    qtbot.waitUntil(
        lambda: app.sync is not None and app.sync.status is not None and app.sync.status.online,
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: indicator.status.text().startswith("Online"), timeout=WAIT_MS)


def test_offline_bookings_wait_then_confirm_and_a_lost_slot_is_resolved_in_the_inbox(
    desks: Desks, sw: SyncWorld, qtbot: Any
) -> None:
    app = desks.open("desk")
    desks.enroll(app)
    desks.sign_in(app)
    sync = app.sync
    desk = app.desk
    window = app.window
    assert sync is not None and desk is not None and window is not None
    qtbot.waitUntil(lambda: sync.status is not None and sync.status.online, timeout=WAIT_MS)
    other = sw.device("desk-b")
    other.sync()

    port = sw.server.port
    sw.server.stop()  # the network is down: both desks go on booking
    doctor, patients = sw.sched.doctor, sw.sched.patients
    written: list[Any] = []
    for patient, at in ((patients[0], "14:00"), (patients[2], "10:00")):
        request = BookingRequest(
            patient_id=patient, doctor_id=doctor, starts_at=wall(1, at), duration_minutes=30
        )
        desk.write(book(request), on_success=written.append)
    qtbot.waitUntil(lambda: len(written) == 2, timeout=WAIT_MS)
    lost_id, kept_id = (booked.appointment_id for booked in written)
    other.run(
        sw.staff("receptionist", other),
        "book_appointment",
        {
            "appointment_id": str(uuid.uuid4()),
            "patient_id": str(patients[1]),
            "doctor_id": str(doctor),
            "starts_at": wall(1, "14:00").isoformat(),
            "duration_minutes": 30,
        },
    )

    calendar = window.screens.get("calendar") or _open(window, "calendar")
    assert isinstance(calendar, CalendarScreen)
    window.go("calendar")

    def row(appointment_id: uuid.UUID) -> Any:
        data = calendar.data
        return next((r for r in data.appointments if r.id == appointment_id), None) if data else None

    qtbot.waitUntil(lambda: row(kept_id) is not None and row(kept_id).pending, timeout=WAIT_MS)
    assert row(lost_id).pending
    assert "Waiting for the server to confirm" in calendar.view.describe(row(kept_id))
    qtbot.waitUntil(
        lambda: sync.status is not None and not sync.status.online and sync.status.pending == 2,
        timeout=WAIT_MS,
    )
    indicator = window.status.sync
    assert isinstance(indicator, SyncIndicator)
    qtbot.waitUntil(lambda: "2 changes waiting to sync" in indicator.status.text(), timeout=WAIT_MS)

    # The other desk reaches the server first (at an address of its own: this desk must not win
    # the race), and keeps 14:00; then the server is back where this desk looks for it.
    first = LiveServer(sw.server_db.engine, sw.clock, sw.root.parent / "server").start()
    other.connect(first.url)
    other.sync()
    first.stop()
    sw.server = LiveServer(sw.server_db.engine, sw.clock, sw.root.parent / "server", port=port).start()
    qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)  # sync now
    qtbot.waitUntil(
        lambda: sync.status is not None and sync.status.online and sync.status.pending == 0, timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: row(kept_id) is not None and not row(kept_id).pending, timeout=WAIT_MS)
    assert row(lost_id) is None  # not silently moved: it is in the inbox
    qtbot.waitUntil(lambda: indicator.conflicts.isVisible(), timeout=WAIT_MS)

    window.go("today")  # Today's alert names the conflict and leads to the inbox
    today = window.screens["today"]

    def alert() -> Banner | None:
        found = [b for b in today.findChildren(Banner) if "sync conflicts" in b.text.text() and b.isVisible()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: alert() is not None, timeout=WAIT_MS)
    banner = alert()
    assert banner is not None
    qtbot.mouseClick(banner, Qt.MouseButton.LeftButton)
    inbox = window.screens.get("conflicts")
    assert isinstance(inbox, ConflictsScreen)
    assert window.current_key() == "conflicts"
    qtbot.waitUntil(lambda: len(inbox.cards) == 1, timeout=WAIT_MS)
    card = inbox.cards[0]
    assert card.patient_labels == ["Pat1 Canary", "Pat0 Canary"]  # kept, then the one to rebook
    assert card.row.free_times, "free times are offered"
    choice = card.row.free_times[1]
    card.time_buttons[1].click()
    assert card.chosen() == choice
    assert card.book is not None
    card.book.click()
    qtbot.waitUntil(lambda: not inbox.cards and inbox.conflicts_empty.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: sync.status is not None and sync.status.pending == 0 and sync.status.conflicts == 0,
        timeout=WAIT_MS,
    )
    with sw.server_db.session(sw.clinic_id) as session:
        assert session.scalars(select(SyncConflict.status)).one() is ConflictStatus.RESOLVED
        rebooked = session.get(Appointment, (sw.clinic_id, lost_id))
        assert rebooked is not None and rebooked.patient_id == patients[0]
        assert rebooked.starts_at == choice.starts_at and rebooked.status is AppointmentStatus.SCHEDULED
    assert not indicator.conflicts.isVisible()


def _open(window: Any, key: str) -> Any:
    window.go(key)
    return window.screens[key]


def test_codes_addresses_and_failures_are_read_and_explained_for_a_person() -> None:
    code = f"{'0f3c' * 8}.ABCD-EFGH-JKLM-NPQR"
    assert flow.read_code(f" {code.upper().replace('-', '')} ") == flow.ScannedCode(code)
    assert flow.read_code(f"https://clinic.example.com/enroll?code={code}") == flow.ScannedCode(
        code, "https://clinic.example.com"
    )
    assert flow.read_code("P-0123456789") is None  # a patient's card is not an enrollment code
    assert flow.server_address("clinic.example.com/") == "https://clinic.example.com"
    assert flow.server_address("127.0.0.1:8000") == "http://127.0.0.1:8000"
    with pytest.raises(flow.EnrollmentInputError) as insecure:
        flow.server_address("http://clinic.example.com")
    assert insecure.value.msgid == flow.INSECURE_SERVER
    with pytest.raises(flow.EnrollmentInputError):
        flow.code_from("")

    def explained(error: BaseException) -> str:
        return flow.explain(error, "https://clinic.example.com").msgid

    request = httpx.Request("GET", "https://clinic.example.com/sync/pull")
    tls = httpx.ConnectError("handshake", request=request)
    tls.__cause__ = ssl.SSLCertVerificationError("CERTIFICATE_VERIFY_FAILED")
    assert explained(tls) == flow.TLS_FAILED
    assert explained(httpx.ConnectError("refused", request=request)) == flow.UNREACHABLE
    assert explained(httpx.ReadTimeout("slow", request=request)) == flow.TIMED_OUT
    assert explained(httpx.RemoteProtocolError("cut", request=request)) == flow.BROKE_OFF
    assert explained(ServerRefused(401, "enrollment_code_invalid", "")) == flow.CODE_REFUSED
    assert explained(ServerRefused(426, "sync_protocol_not_supported", "")) == flow.TOO_OLD
    assert explained(ServerRefused(401, "device_unknown", "")) == flow.DEVICE_REVOKED
    assert explained(flow.SyncProblem(flow.Problem(flow.BROKE_OFF))) == flow.BROKE_OFF
    assert explained(RuntimeError("boom")) == flow.UNEXPECTED
    for msgid in (flow.TLS_FAILED, flow.UNREACHABLE, flow.CODE_REFUSED, flow.BROKE_OFF):
        assert translate(msgid, "zh_TW", server="x") != msgid  # translated, placeholders kept

    now = [100.0]
    left = flow.TimeLeft(lambda: now[0])
    assert left.update(0, 10_000) is None  # no rate yet
    now[0] += 2.0
    assert left.update(1_000, 10_000) == pytest.approx(18.0)  # 500 rows/s, 9,000 to go
    assert flow.time_left_text(18.0)[0] == flow.LESS_THAN_A_MINUTE
    assert flow.time_left_text(150.0) == (flow.MINUTES_LEFT, {"minutes": 3})
