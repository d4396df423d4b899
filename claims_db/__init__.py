"""Persistence for claimflag: ORM models, repositories, importers and migrations."""
