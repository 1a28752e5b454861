"""Domains: the shared concerns communities form around, their hierarchy and public pages."""
