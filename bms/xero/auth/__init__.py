"""Grants and tokens: encryption at rest, refresh, the OAuth app built from settings, parking on 401/403."""
