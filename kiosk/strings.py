"""Every sentence the kiosk shows (besides the check-in refusals in common.checkin.errors).

Marked with N_ here and translated where shown, in the language the patient chose.
"""

from __future__ import annotations

from typing import Final

from common.i18n import N_

SCAN_TITLE: Final = N_("Scan your code")
SCAN_HINT: Final = N_("Hold the QR code on your phone or card up to the camera.")
SCAN_HINT_NO_CAMERA: Final = N_("Scan the QR code on your phone or card at the scanner.")
NO_CODE: Final = N_("No code?")
NO_CODE_HINT: Final = N_("Check in with your last name and date of birth.")
CAMERA_OFF: Final = N_("The camera is not available. Please use the scanner, or tap “No code?”.")
ONE_MOMENT: Final = N_("One moment…")
HELP_FOOTER: Final = N_("Need help? Reception is happy to help.")

DETAILS_TITLE: Final = N_("Find your appointment")
LAST_NAME: Final = N_("Last name")
DATE_OF_BIRTH: Final = N_("Date of birth")
YEAR: Final = N_("Year")
MONTH: Final = N_("Month")
DAY: Final = N_("Day")
CONTINUE: Final = N_("Continue")
BACK: Final = N_("Back")
FILL_BOTH: Final = N_("Please enter your last name and a valid date of birth.")
KEYS_LETTERS: Final = N_("ABC")
KEYS_SURNAMES: Final = N_("Common surnames")
KEYS_SPACE: Final = N_("Space")
KEYS_CLEAR: Final = N_("Clear")

PHONE_TITLE: Final = N_("One more detail")
PHONE_LEAD: Final = N_("Please enter the last 4 digits of your phone number.")

FOUND_GREETING: Final = N_("Welcome, %(name)s")
FOUND_LEAD: Final = N_("Is this your appointment?")
APPOINTMENT_TIME: Final = N_("Time")
APPOINTMENT_DOCTOR: Final = N_("Doctor")
TIME_RANGE: Final = N_("between %(start)s and %(end)s")
DOCTOR_NAME: Final = N_("Dr. %(name)s")
CHECK_IN: Final = N_("Check in")
NOT_ME: Final = N_("This is not me")

QUESTION_PROGRESS: Final = N_("Question %(number)s of %(count)s")
YES: Final = N_("Yes")
NO: Final = N_("No")
QUESTION_FOOTER: Final = N_("You are checked in. Your answers go to our staff.")

DONE_TITLE: Final = N_("You are checked in, %(name)s")
DONE_LEAD: Final = N_("Please take a seat. We will call you soon.")
DONE_BUTTON: Final = N_("Done")

TRY_AGAIN: Final = N_("Try again")
START_OVER: Final = N_("Start over")

STARTING: Final = N_("Starting the check-in kiosk…")
START_FAILED: Final = N_("The kiosk could not start. Please ask a member of staff.")

STAFF_TITLE: Final = N_("Staff only")
STAFF_LEAD: Final = N_("Enter the staff PIN to leave kiosk mode.")
STAFF_WRONG: Final = N_("That PIN is not correct.")
STAFF_LOCKED: Final = N_("Too many wrong PINs. Try again in a minute.")
STAFF_EXIT: Final = N_("Leave kiosk mode")
CANCEL: Final = N_("Cancel")

SHEET_TITLE: Final = N_("Demo codes for the check-in kiosk")
SHEET_INTRO: Final = N_(
    "Show a code to the kiosk's camera (on paper or on a phone), or type it with a keyboard and "
    "press Enter, as a USB scanner does. Demo data only: these are not real patients."
)
SHEET_NO_CODE: Final = N_("No code? %(last_name)s, born %(date_of_birth)s")
SHEET_PHONE: Final = N_("phone ends in %(digits)s")
SHEET_APPOINTMENT_AT: Final = N_("Appointment at %(time)s")
SHEET_PIN: Final = N_("Staff PIN to leave kiosk mode (demo): %(pin)s")
