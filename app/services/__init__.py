"""Business rules, permission checks and queries. Routers and resolvers call these."""
