"""Widgets the desk's screens share."""
