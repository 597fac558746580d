"""Connecting this PC to the clinic's server: the enrollment page, its steps and the initial sync."""
