"""Gatherings: one-off and recurring meetings, RSVPs, attendance and calendar feeds."""
