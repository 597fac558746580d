"""Scheduling: doctors' schedules, availability, booking, the status machine, the waitlist.

Services (each takes a ServiceContext, checks the role matrix first and never commits):
- schedules.py      set_weekly_schedule, weekly_schedule, add_time_off, remove_time_off, time_off
- availability.py   availability (free slots and Time Period capacity per doctor and day)
- booking.py        book_appointment (Specific Time / Time Period), assign_time, reschedule_appointment
- status.py         confirm_appointment, check_in, start_appointment, check_out, cancel_appointment,
                    mark_no_show (and the transition table)
- no_show.py        mark_no_shows (the periodic sweep)
- waitlist.py       add_to_waitlist, cancel_waitlist_entry, waitlist, offers_for_entry,
                    accept_offer, decline_offer, expire_waitlist
- calendar_view.py  appointments_between, appointments_for_patient, get_appointment
Refusals are in errors.py. The rest are the rules those services share.
"""
