"""Transformer encoders the pipeline runs at request time: the sentence embedder's runtime
and the cross-encoders (pair classifiers) of the re-ranker and the stance model.

``runtime`` holds the small interface every request-time transformer shares (a tokeniser
and an ``EncoderRuntime`` that maps token arrays to one float array per row), ``export``
turns a PyTorch module into a checked ONNX file (fp32 and int8) in a cache directory,
``sentence`` and ``pair`` are the two kinds of model built on them: sentence embeddings
and sequence-pair classifiers (``cross_encoder`` builds the PyTorch ones).

Imports only ``models``; never ``service``, ``claims_db``, ``training`` or ``evaluation``.
"""
