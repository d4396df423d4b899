"""API keys with roles: submitter, reviewer, admin."""
