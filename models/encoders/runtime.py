"""The interface every request-time transformer shares: tokenise, run a graph, read rows out.

A model here is a graph from token arrays (``input_ids``, ``attention_mask``,
``token_type_ids``, all int64 of shape ``(batch, tokens)``) to one float32 array with a
row per input: a sentence embedding, or a pair classifier's logits. ``EncoderRuntime``
runs such a graph; ``TorchRuntime`` runs the PyTorch module itself (the fallback, and the
reference an ONNX export is checked against), ``OnnxRuntime`` runs its ONNX export.
``Tokenizer`` reads the model directory's ``tokenizer.json`` with the Rust ``tokenizers``
library, so the ONNX path imports neither torch nor transformers. ``encode_batched``
tokenises once, sorts by length so each batch pads little, runs the batches and puts the
rows back in input order.
"""

from __future__ import annotations

import enum
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")

TokenBatch = dict[str, npt.NDArray[np.int64]]
Floats = npt.NDArray[np.float32]
# One text, or a (text_a, text_b) pair for a sequence-pair model.
TextInput = str | tuple[str, str]


class RuntimeKind(enum.StrEnum):
    """Which runtime executes a transformer (``CLAIMFLAG_ENCODER_RUNTIME``)."""

    ONNX = "onnx"
    ONNX_INT8 = "onnx-int8"
    TORCH = "torch"

    @property
    def is_onnx(self) -> bool:
        """Whether this kind runs an ONNX export."""
        return self is not RuntimeKind.TORCH


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


class EncoderRuntime(Protocol):
    """Runs one transformer graph over a tokenised batch.

    Attributes:
        label: What runs it, e.g. ``onnx-fp32`` or ``torch-bf16`` (logs, ``/readyz``).
    """

    label: str

    def run(self, batch: TokenBatch) -> Floats:
        """The graph's output for ``batch``: float32, one row per input row."""
        ...


def read_pad_id(model_dir: Path) -> int:
    """The padding token id from the model directory's ``config.json`` (BERT's ``[PAD]`` is
    0, XLM-R's ``<pad>`` is 1); 0 without one. Padded positions are masked out, so the id
    changes no output; the model's own keeps the inputs as the model was trained on them."""
    config = model_dir / "config.json"
    if not config.exists():
        return 0
    pad = json.loads(config.read_text(encoding="utf-8")).get("pad_token_id")
    return int(pad) if pad is not None else 0


class Tokenizer:
    """A model directory's fast tokeniser, truncating to ``max_length`` and padding per batch.

    Args:
        model_dir: Directory holding ``tokenizer.json``.
        max_length: Most tokens per input, special tokens included; longer inputs are cut
            (pairs: the longer side first, as sentence-transformers and transformers do).
    """

    def __init__(self, model_dir: Path, max_length: int) -> None:
        from tokenizers import Tokenizer as RustTokenizer

        self.max_length = max_length
        self._tokenizer = RustTokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The file may carry its own fixed padding and truncation: padding is per batch here.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
        self.pad_id = read_pad_id(model_dir)

    def tokenize(self, inputs: Sequence[TextInput]) -> list[tuple[list[int], list[int]]]:
        """Token ids and token type ids of each input, unpadded.

        Texts are stripped of surrounding white space first, as sentence-transformers does.
        """
        cleaned: list[str | tuple[str, str]] = [
            item.strip() if isinstance(item, str) else (item[0].strip(), item[1].strip())
            for item in inputs
        ]
        return [
            (encoding.ids, encoding.type_ids)
            for encoding in self._tokenizer.encode_batch(cleaned, add_special_tokens=True)
        ]

    def pad(self, rows: Sequence[tuple[list[int], list[int]]]) -> TokenBatch:
        """One batch: ids, mask and type ids padded to the longest row."""
        width = max(len(ids) for ids, _ in rows)
        input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(rows), width), dtype=np.int64)
        token_type_ids = np.zeros((len(rows), width), dtype=np.int64)
        for row, (ids, types) in enumerate(rows):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
            token_type_ids[row, : len(types)] = types
        return {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "token_type_ids": token_type_ids,
        }


# Padded tokens per forward pass (rows x the longest row's tokens). A batch of short
# sentences padded to its longest costs more than its tokens: the seed article's 50 texts
# (7-47 tokens) took 495-511 ms in batches of 64 and 328-381 ms at 384-512 tokens a batch;
# realworld-dev's 51 excerpts 1.5-1.7 s against 0.7-0.8 s; 400 CheckThat! claims
# 2.3-2.4 s against 1.9-2.1 s (ONNX fp32, quiet 2-core EPYC, docs/encoder-runtime.md).
BATCH_TOKENS = 512


def length_batches(
    lengths: Sequence[int], batch_size: int, max_tokens: int | None = BATCH_TOKENS
) -> list[list[int]]:
    """Indices of ``lengths`` in batches of similar length, shortest first: at most
    ``batch_size`` rows, and (past its first row) at most ``max_tokens`` once padded to
    the batch's longest (None: rows only)."""
    batches: list[list[int]] = []
    current: list[int] = []
    for index in sorted(range(len(lengths)), key=lengths.__getitem__):
        padded = (len(current) + 1) * lengths[index]
        if current and (
            len(current) >= batch_size or (max_tokens is not None and padded > max_tokens)
        ):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def encode_batched(
    tokenizer: Tokenizer,
    runtime: EncoderRuntime,
    inputs: Sequence[TextInput],
    *,
    batch_size: int,
    width: int,
    max_tokens: int | None = BATCH_TOKENS,
) -> Floats:
    """Run ``inputs`` through ``runtime`` in length-sorted batches; rows in input order.

    Tokenising everything first and sorting by token count means each batch pads to a
    length close to its own texts', not to the longest text of the call; ``max_tokens``
    keeps batches of long texts small.

    Args:
        tokenizer: The model's tokeniser.
        runtime: The graph to run.
        inputs: Texts, or (text_a, text_b) pairs.
        batch_size: Most inputs per run.
        width: Columns of the graph's output (embedding size, or number of labels).
        max_tokens: Most padded tokens per run (a longer single input still runs).
            Defaults to ``BATCH_TOKENS``; None: ``batch_size`` alone.
    """
    output = np.zeros((len(inputs), width), dtype=np.float32)
    if not inputs:
        return output
    rows = tokenizer.tokenize(inputs)
    for chosen in length_batches([len(ids) for ids, _ in rows], batch_size, max_tokens):
        output[chosen] = runtime.run(tokenizer.pad([rows[i] for i in chosen]))
    return output


def set_torch_threads(threads: int) -> None:
    """Size PyTorch's intra-op pool (only when torch is in use: importing it costs ~1.5 s)."""
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


class TorchRuntime:
    """Runs a PyTorch module (eval mode, no gradients) on CPU.

    Args:
        module: Takes ``input_ids, attention_mask, token_type_ids`` tensors by name and
            returns one tensor with a row per input.
        bf16: Run in bfloat16 (fast on CPUs with AMX; rows then differ from fp32 in about
            the fourth decimal of a cosine). Defaults to False.
        threads: Intra-op threads; None leaves PyTorch's setting.
    """

    def __init__(
        self, module: torch.nn.Module, *, bf16: bool = False, threads: int | None = None
    ) -> None:
        import torch

        if threads is not None:
            set_torch_threads(threads)
        self.module = module.eval()
        if bf16:
            self.module.to(torch.bfloat16)
        self.label = "torch-bf16" if bf16 else "torch-fp32"

    def run(self, batch: TokenBatch) -> Floats:
        import torch

        with torch.inference_mode():
            output = self.module(**{name: torch.from_numpy(batch[name]) for name in INPUT_NAMES})
        result: Floats = output.float().numpy()
        return result


class OnnxRuntime:
    """Runs an ONNX graph with ONNX Runtime's CPU provider.

    Args:
        model: The ONNX file's bytes (read once, after its digest was checked).
        label: What this is, e.g. ``onnx-fp32``.
        threads: Intra-op threads of the session. Defaults to the cores available.
        spin: Let idle pool threads spin-wait for the next run. Defaults to False: the
            pipeline's other stages run between encodes, and a spinning pool takes the
            cores they need (the same reason ``Pipeline`` limits BLAS threads).
    """

    def __init__(
        self, model: bytes, *, label: str, threads: int | None = None, spin: bool = False
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or available_cores()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            model, sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.label = label
        self.threads = options.intra_op_num_threads

    def run(self, batch: TokenBatch) -> Floats:
        # An exporter may drop an input the graph never reads (token_type_ids of some models).
        outputs = self._session.run(None, {name: batch[name] for name in self._inputs})
        return np.asarray(outputs[0], dtype=np.float32)
