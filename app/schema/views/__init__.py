"""GraphQL for views: its types, and its queries and mutations."""
