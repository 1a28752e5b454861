"""Bulk imports of members from a file, run as jobs."""
