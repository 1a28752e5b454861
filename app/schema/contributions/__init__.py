"""GraphQL for contributions: its types, and its queries and mutations."""
