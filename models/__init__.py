"""The claimflag NLP pipeline: segmentation, check-worthiness, embedding, matching, verdicts.

Nothing in this package knows about HTTP or SQL; every stage is a plain class or function
that can be used from a Python shell.
"""
