"""REST for people: profiles, sign-in and tokens, API keys."""
