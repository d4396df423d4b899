"""The HTTP service, web UI, jobs and command line: one folder per domain.

May import ``models`` and ``claims_db``; never ``training`` or ``evaluation``.
"""
