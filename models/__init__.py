"""What a request runs: segmentation, claim spans, check-worthiness, encoders, retrieval,
stance and verdicts, with the trained artefacts in ``artifacts/``.

Imports nothing of ``claims_db``, ``service``, ``training`` or ``evaluation`` (checked by
``lint-imports``): every stage is a plain class or function usable from a Python shell.
"""
