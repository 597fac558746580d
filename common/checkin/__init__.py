"""Self check-in at the lobby kiosk, Qt-free: find today's appointment by code or by name and date
of birth, check it in within the clinic's window, ask the clinic's arrival questions.

`flow.CheckInFlow` is the state machine a kiosk screen drives; `service` holds the operations it
runs (each one unit of work), `lookup` the rate-limited search by details, `replica` what a
kiosk's own database holds.
"""
