"""GraphQL for memberships: its types, and its queries and mutations."""
