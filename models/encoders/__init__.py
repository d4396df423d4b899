"""Transformer encoders the pipeline runs at request time: the sentence embedder's runtime
and the cross-encoders (pair classifiers) of the re-ranker and the stance model.

Imports only ``models``; never ``service``, ``claims_db``, ``training`` or ``evaluation``.
"""
