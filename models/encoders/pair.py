"""Sequence-pair classifiers (cross-encoders) on either runtime: (text_a, text_b) -> logits.

A cross-encoder reads both texts in one pass (``[CLS] a [SEP] b [SEP]`` on MiniLM, token
type 0 for ``a`` and 1 for ``b``; ``<s> a </s></s> b </s>`` on multilingual-e5, type 0 for
both: the base's ``tokenizer.json`` decides) and returns one logit per label. Any PyTorch
module whose forward takes ``input_ids, attention_mask, token_type_ids`` by name and returns
``(batch, labels)`` logits can be described by ``pair_spec`` and then run through
``models.encoders.export.open_runtime`` on PyTorch, ONNX fp32 or ONNX int8 (the setting
``CLAIMFLAG_ENCODER_RUNTIME``), with ``PairClassifier`` doing the tokenising::

    spec = pair_spec("stance", {"artifact": digest}, build, tokenizer, labels)
    runtime, _ = open_runtime(spec, settings.encoder_runtime, settings.resolved_encoder_dir)
    classifier = PairClassifier(tokenizer, runtime, labels)
    classifier.probabilities([("claim", "sentence")])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from models.encoders.export import ExportSpec, logit_agreement
from models.encoders.runtime import EncoderRuntime, Floats, Tokenizer, encode_batched

if TYPE_CHECKING:
    import torch

# Pairs an export must reproduce: claim against fact-check, claim against article sentence
# (agreeing, contradicting, unrelated), short and long, and one past the token limit.
CHECK_PAIRS: tuple[tuple[str, str], ...] = (
    ("Vaccines cause autism.", "There is no link between vaccines and autism, studies show."),
    ("Vaccines cause autism.", "The minister said vaccines cause autism."),
    ("Unemployment fell to 4.2% in March.", "The jobless rate dropped to 4.2 per cent."),
    ("Unemployment fell to 4.2% in March.", "Starmer met Macron in Paris on Monday."),
    ("5G spreads the virus", "Claims that 5G masts spread Covid-19 are false."),
    ("The election was stolen.", "Courts in six states rejected the fraud claims."),
    ("a", "b"),
    ("Why?", "Because."),
    ("Le budget de la santé augmente de 12 %.", "The health budget rises by 12%."),
    (
        " ".join(["The NHS waiting list is at a record high of 7.6 million."] * 30),
        " ".join(["Waiting lists fell for the third month in a row."] * 30),
    ),
)


class PairClassifier:
    """Logits and probabilities for text pairs, whatever runtime runs the graph.

    Args:
        tokenizer: The model's tokeniser.
        runtime: The classifier graph (PyTorch module or ONNX export).
        labels: Label names, in the order of the logits.
        batch_size: Most pairs per forward pass. Defaults to 32.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        runtime: EncoderRuntime,
        labels: Sequence[str],
        *,
        batch_size: int = 32,
    ) -> None:
        self.tokenizer = tokenizer
        self.runtime = runtime
        self.labels = tuple(labels)
        self.batch_size = batch_size

    def logits(self, pairs: Sequence[tuple[str, str]]) -> Floats:
        """One row of logits per pair, shape ``(len(pairs), len(labels))``."""
        return encode_batched(
            self.tokenizer,
            self.runtime,
            list(pairs),
            batch_size=self.batch_size,
            width=len(self.labels),
        )

    def probabilities(self, pairs: Sequence[tuple[str, str]], temperature: float = 1.0) -> Floats:
        """Softmax of the logits divided by ``temperature`` (1.0: uncalibrated)."""
        scaled = self.logits(pairs) / np.float32(temperature)
        scaled -= scaled.max(axis=1, keepdims=True)
        exp = np.exp(scaled)
        result: Floats = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
        return result


def pair_spec(
    name: str,
    source: Mapping[str, str],
    build_module: Callable[[], torch.nn.Module],
    tokenizer: Tokenizer,
    labels: Sequence[str],
    *,
    check_pairs: Sequence[tuple[str, str]] = CHECK_PAIRS,
    fp32_tolerance: float = 1e-3,
    int8_tolerance: float = 1.0,
) -> ExportSpec:
    """How to export and check a sequence-pair classifier.

    Args:
        name: The export's folder name (one per trained artefact).
        source: What the weights are, e.g. the artefact's and the base model's SHA-256;
            a change re-exports.
        build_module: Builds the PyTorch classifier (adapters merged), in eval mode.
        tokenizer: Its tokeniser.
        labels: Label names, in logit order.
        check_pairs: Pairs both runtimes must agree on. Defaults to ``CHECK_PAIRS``.
        fp32_tolerance: Largest absolute logit difference accepted for fp32. Defaults to
            1e-3.
        int8_tolerance: The same for int8. Defaults to 1.0 (report, not a calibration:
            measure the int8 model's quality before using it).
    """
    return ExportSpec(
        name=name,
        source=source,
        build_module=build_module,
        tokenizer=tokenizer,
        check_inputs=check_pairs,
        width=len(labels),
        output_name="logits",
        measure=logit_agreement,
        fp32_tolerance=fp32_tolerance,
        int8_tolerance=int8_tolerance,
    )
