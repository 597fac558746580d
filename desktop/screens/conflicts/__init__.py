"""The conflict inbox: double bookings and other scarce things another desk took first, and the
field values a later edit overwrote, for staff to decide."""
