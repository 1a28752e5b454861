"""REST for gatherings: series, occurrences, RSVPs, attendance and calendar feeds."""
