"""GraphQL: thin resolvers over the same services as REST, batched through loaders."""
