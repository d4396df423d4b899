"""Yardsticks: one command per evaluation (``python -m evaluation.<name>``) printing the
tables ``docs/`` quotes. May import ``models``, ``training`` and ``claims_db``; never
imported by runtime code.
"""
