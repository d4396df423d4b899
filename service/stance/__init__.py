"""The stance of a text towards a claim: ``POST /v1/stance``."""
