"""GraphQL for people: its types, and its queries and mutations."""
