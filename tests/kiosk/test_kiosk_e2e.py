"""The kiosk end to end, as a patient uses it: real camera pipeline, real database, real screens."""

from __future__ import annotations

from datetime import date

import cv2
from sqlalchemy import select

from common.barcodes.models import BarcodeScanEvent
from common.checkin.errors import AlreadyCheckedIn, AppointmentCancelled, TooEarly, TooLate
from common.checkin.flow import Done, EnterDetails, EnterPhoneDigits, Found, Question, Refused, Welcome
from common.checkin.models import QuestionKind
from common.checkin.questions import QuestionSpec, set_arrival_questions
from common.i18n import translate
from common.qt.camera import CameraFeed
from common.scheduling.models import AppointmentStatus
from common.vision.frames import VideoFileSource
from tests.kiosk.conftest import start_kiosk
from tests.kiosk.helpers import click, click_text, phone_frames, visible_texts, wedge_scan
from tests.kiosk.support import NOW, at


def test_a_phone_shown_to_the_camera_checks_the_patient_in(camera_kiosk, qtbot):
    kiosk = camera_kiosk
    world = kiosk.world
    patient = world.patient("怡君", "陳")
    appointment_id = world.appointment(patient, at("09:00"))

    kiosk.source.show(phone_frames(world.codes[patient]))
    kiosk.wait_for(qtbot, Found)

    texts = visible_texts(kiosk.window)
    assert any("怡君" in text for text in texts)
    assert not any("陳" in text for text in texts)  # the first name only
    click(qtbot, kiosk.window, "check-in")
    kiosk.wait_for(qtbot, Done)
    stored = world.get_appointment(appointment_id)
    assert stored.status is AppointmentStatus.CHECKED_IN
    assert stored.check_in_time == NOW


def test_a_code_in_a_video_file_goes_through_the_same_pipeline(kiosk_world, qtbot, tmp_path):
    patient = kiosk_world.patient("Ana")
    kiosk_world.appointment(patient, at("09:00"))
    video = tmp_path / "phone.avi"
    frames = phone_frames(kiosk_world.codes[patient], width=1280, height=720)
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 15, (1280, 720))
    for frame in frames * 5:
        writer.write(frame)
    writer.release()

    running = start_kiosk(kiosk_world)
    qtbot.addWidget(running.window)
    running.camera = CameraFeed(lambda: VideoFileSource(video, loop=True))
    running.controller.camera = running.camera
    running.camera.sig_code.connect(running.controller.scan)
    running.camera.start()
    try:
        running.wait_for(qtbot, Found)
        state = running.controller.state
        assert isinstance(state, Found)
        assert state.appointment.first_name == "Ana"
    finally:
        running.controller.stop()


def test_a_wedge_scanner_scan_finds_the_patient(kiosk, qtbot):
    world = kiosk.world
    patient = world.patient("Ana")
    world.appointment(patient, at("09:00"))
    wedge_scan(kiosk.window, world.codes[patient])
    kiosk.wait_for(qtbot, Found)


def test_a_code_held_up_through_the_whole_check_in_is_read_once(camera_kiosk, qtbot):
    kiosk = camera_kiosk
    world = kiosk.world
    patient = world.patient("Ana")
    world.appointment(patient, at("09:00"))
    kiosk.source.show(phone_frames(world.codes[patient]))
    kiosk.wait_for(qtbot, Found)
    click(qtbot, kiosk.window, "check-in")
    kiosk.wait_for(qtbot, Done)
    qtbot.wait(600)  # the phone is still in view; Done takes scans again
    assert isinstance(kiosk.controller.state, Done)
    with world.world.db.session(world.clinic_id) as session:
        scans = session.scalars(select(BarcodeScanEvent)).all()
    assert len(scans) == 1


def test_no_code_with_the_on_screen_keys_then_arrival_questions(kiosk, qtbot):
    world = kiosk.world
    with world.world.ctx("admin") as ctx:
        set_arrival_questions(
            ctx,
            [
                QuestionSpec(
                    prompts={"en": "Any change in your medications?", "zh_TW": "用藥有任何變化嗎？"}
                ),
                QuestionSpec(kind=QuestionKind.PHONE_ENDING),
            ],
        )
    patient = world.patient("Ana", "Garcia", date(1990, 5, 17), phone="0912-345-642")
    appointment_id = world.appointment(patient, at("09:00"))

    click_text(qtbot, kiosk.window, "English")
    qtbot.waitUntil(lambda: kiosk.controller.locale == "en")
    click(qtbot, kiosk.window, "no-code")
    kiosk.wait_for(qtbot, EnterDetails)
    details = kiosk.window.details
    for letter in "GARCIA":
        click_text(qtbot, details.letters, letter)
    details.year.setFocus()
    for digit in "19900517":
        click_text(qtbot, details.keypad, digit)
    assert (details.last_name.text(), details.year.text(), details.month.text(), details.day.text()) == (
        "GARCIA",
        "1990",
        "05",
        "17",
    )
    click(qtbot, details, "submit")
    kiosk.wait_for(qtbot, Found)
    click(qtbot, kiosk.window, "check-in")
    kiosk.wait_for(qtbot, Question)
    assert "Any change in your medications?" in visible_texts(kiosk.window)
    click(qtbot, kiosk.window, "yes")
    qtbot.waitUntil(
        lambda: isinstance(kiosk.controller.state, Question) and kiosk.controller.state.index == 1
    )
    assert "Does your phone number end in 42?" in visible_texts(kiosk.window)
    click(qtbot, kiosk.window, "no")
    kiosk.wait_for(qtbot, Done)
    answers = world.get_appointment(appointment_id).arrival_answers
    assert [a["answer"] for a in answers] == ["yes", "no"]


def test_several_matches_ask_for_the_phone_digits(kiosk, qtbot):
    world = kiosk.world
    dob = date(1990, 5, 17)
    ana = world.patient("Ana", "Garcia", dob, phone="0912-345-642")
    eva = world.patient("Eva", "Garcia", dob, phone="0988-111-222")
    world.appointment(ana, at("09:00"))
    world.appointment(eva, at("09:00"), doctor="doctor2")
    click(qtbot, kiosk.window, "no-code")
    kiosk.wait_for(qtbot, EnterDetails)
    details = kiosk.window.details
    details.last_name.setText("garcia")
    details.year.setText("1990")
    details.month.setText("5")
    details.day.setText("17")
    click(qtbot, details, "submit")
    kiosk.wait_for(qtbot, EnterPhoneDigits)
    phone = kiosk.window.phone
    for digit in "1222":
        click_text(qtbot, phone.keypad, digit)
    click(qtbot, phone, "submit")
    kiosk.wait_for(qtbot, Found)
    assert kiosk.controller.state.appointment.first_name == "Eva"


REFUSALS = (
    (AppointmentStatus.SCHEDULED, "11:00", TooEarly.title),
    (AppointmentStatus.SCHEDULED, "08:00", TooLate.title),
    (AppointmentStatus.CHECKED_IN, "09:00", AlreadyCheckedIn.title),
    (AppointmentStatus.CANCELLED, "09:00", AppointmentCancelled.title),
)


def test_refusals_are_shown_kindly_in_the_clinic_language(kiosk, qtbot):
    world = kiosk.world
    for number, (status, starts, title) in enumerate(REFUSALS):
        patient = world.patient(f"Pat{number}", date_of_birth=date(1980, 1, 1 + number))
        world.appointment(patient, at(starts), status=status, doctor=("doctor", "doctor2")[number % 2])
        kiosk.controller.reset()
        kiosk.wait_for(qtbot, Welcome)
        wedge_scan(kiosk.window, world.codes[patient])
        kiosk.wait_for(qtbot, Refused)
        texts = visible_texts(kiosk.window)
        assert translate(title, "zh_TW") in texts
        assert translate(title, "zh_TW") != title
        assert not any("Traceback" in text or "Error" in text for text in texts)


def test_an_unknown_code_offers_no_code(kiosk, qtbot):
    for value in ("CQ1P-NOT-A-REAL-CODE-00000000", "4006381333931"):
        kiosk.controller.reset()
        kiosk.wait_for(qtbot, Welcome)
        wedge_scan(kiosk.window, value)
        kiosk.wait_for(qtbot, Refused)
    click(qtbot, kiosk.window.screens[Refused], "no-code")
    kiosk.wait_for(qtbot, EnterDetails)


def test_start_over_returns_to_welcome(kiosk, qtbot):
    wedge_scan(kiosk.window, "4006381333931")
    kiosk.wait_for(qtbot, Refused)
    click(qtbot, kiosk.window.screens[Refused], "start-over")
    kiosk.wait_for(qtbot, Welcome)


def test_leaving_kiosk_mode_needs_the_staff_pin(kiosk, qtbot):
    window = kiosk.window
    for _ in range(5):
        window.clinic_name.sig_tapped.emit()
    assert window.stack.currentWidget() is window.staff
    window.staff.pin.setText("1111")
    with qtbot.assertNotEmitted(window.sig_exit):
        click(qtbot, window.staff, "leave")
    assert window.staff.error.isVisible()
    window.staff.pin.setText("2468")
    with qtbot.waitSignal(window.sig_exit):
        click(qtbot, window.staff, "leave")


def test_the_window_cannot_be_closed_in_kiosk_mode(kiosk_world, qtbot):
    from kiosk.window import KioskWindow

    window = KioskWindow("Lotus", windowed=False)
    qtbot.addWidget(window)
    window.show()
    window.close()
    assert window.isVisible()
    window._may_close = True
