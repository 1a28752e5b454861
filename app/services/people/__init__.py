"""People and their accounts: profiles, registration and claiming, sign-in, tokens, API keys."""
