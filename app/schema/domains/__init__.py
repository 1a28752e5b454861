"""GraphQL for domains: its types, and its queries and mutations."""
