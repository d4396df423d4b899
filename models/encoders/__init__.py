"""Transformer encoder runtimes: tokenise, run the graph (PyTorch or ONNX Runtime), read out.

``runtime`` holds the small interface every request-time transformer shares (a tokeniser
and an ``EncoderRuntime`` that maps token arrays to one float array per row), ``export``
turns a PyTorch module into a checked ONNX file (fp32 and int8) in a cache directory,
``sentence`` and ``pair`` are the two kinds of model built on them: sentence embeddings
and sequence-pair classifiers (cross-encoders).
"""
