"""Yardsticks: one command per evaluation (``python -m evaluation.<name>``) printing the
tables ``docs/`` quotes.

May import ``models``, ``claims_db`` and ``training``'s data loaders; never imported at run time.
"""
