"""Memberships: joining, invitations, roles and their ending."""
