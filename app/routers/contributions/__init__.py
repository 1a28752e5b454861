"""REST for contributions: the repertoire, curation, moderation and search."""
