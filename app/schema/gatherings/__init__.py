"""GraphQL for gatherings: its types, and its queries and mutations."""
