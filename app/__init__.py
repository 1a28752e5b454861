"""cop-api: an API service for running communities of practice."""
