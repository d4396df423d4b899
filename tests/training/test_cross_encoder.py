"""Folding a full fine-tune into adapters (``training.cross_encoder.fold_into_adapters``)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from models.encoders.cross_encoder import (
    LORA_TARGETS,
    CrossEncoderSpec,
    build_network,
    trained_state,
)
from training.cross_encoder import fold_into_adapters

LABELS = ("a", "b", "c")


def _inputs() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(3)
    ids = torch.randint(1000, 20000, (3, 12), generator=generator)
    return {
        "input_ids": ids,
        "attention_mask": torch.ones_like(ids),
        "token_type_ids": torch.zeros_like(ids),
    }


def _tuned_network(change_rank: int) -> Any:
    """The packaged encoder with a known change of rank ``change_rank`` in every layer the
    adapters cover, as a full fine-tune would leave it."""
    network: Any = build_network(CrossEncoderSpec(labels=LABELS, lora_rank=0))
    assert not any(p.requires_grad for p in network.encoder.embeddings.parameters())
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, module in network.encoder.named_modules():
            if isinstance(module, torch.nn.Linear) and name.rsplit(".", 1)[-1] in LORA_TARGETS:
                out_features, in_features = module.weight.shape
                left = torch.randn(out_features, change_rank, generator=generator) * 0.02
                right = torch.randn(change_rank, in_features, generator=generator) * 0.02
                module.weight += left @ right
        torch.nn.init.normal_(network.head.weight, std=0.5, generator=generator)
    network.eval()
    return network


def test_folding_is_exact_when_the_rank_covers_the_change() -> None:
    tuned = _tuned_network(change_rank=4)
    folded, kept = fold_into_adapters(tuned, CrossEncoderSpec(labels=LABELS, lora_rank=8))
    assert kept > 0.9999
    with torch.no_grad():
        expected = tuned(**_inputs())
        got = folded(**_inputs())
        packaged: Any = build_network(CrossEncoderSpec(labels=LABELS, lora_rank=8)).eval()
        packaged.head.load_state_dict(tuned.head.state_dict())
        untuned = packaged(**_inputs())
    assert torch.allclose(got, expected, atol=1e-4)
    assert not torch.allclose(untuned, expected, atol=1e-2)  # the change mattered
    # What the artefact saves is adapters and head, as for a LoRA run.
    assert all("lora_" in name or name.startswith("head.") for name in trained_state(folded))


def test_folding_to_a_lower_rank_keeps_the_largest_part() -> None:
    tuned = _tuned_network(change_rank=16)
    _, kept = fold_into_adapters(tuned, CrossEncoderSpec(labels=LABELS, lora_rank=4))
    assert 0.1 < kept < 0.6


def test_folding_needs_a_rank() -> None:
    tuned = build_network(CrossEncoderSpec(labels=LABELS, lora_rank=0))
    with pytest.raises(ValueError, match="LoRA rank"):
        fold_into_adapters(tuned, CrossEncoderSpec(labels=LABELS, lora_rank=0))
