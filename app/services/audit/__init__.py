"""The audit log: who did what to a domain's memberships, settings and integrations."""
