"""Contributions: the shared repertoire, with questions and answers, curation,
endorsements, moderation and search."""
