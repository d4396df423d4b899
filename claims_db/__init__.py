"""Storage: SQLAlchemy models, repositories, search backends, importers and Alembic migrations.

May import ``models`` (records, features, the matcher's protocols); never ``service``,
``training`` or ``evaluation``.
"""
