"""Export a PyTorch transformer to ONNX (fp32, and dynamic int8), checked before any use.

An ``ExportSpec`` names a model, says what its weights are (``source``: a package version,
a file digest; any change re-exports), how to build the PyTorch module (called only when
an export is needed, so a service that finds a current export never imports torch) and
which inputs the export is checked on. ``ensure_export`` writes into ``<cache>/<name>/``:

- ``model.onnx``: ``torch.onnx.export`` (TorchScript exporter, opset 17), dynamic batch and
  token axes; its outputs are compared with the PyTorch module's on the check inputs and
  the file is refused unless they agree within ``spec.fp32_tolerance``;
- ``model-int8.onnx``: ``onnxruntime.quantization.quantize_dynamic`` of it (per-channel
  int8 weights), checked against PyTorch the same way with the looser ``int8_tolerance``;
- ``export.json``: what was exported from what (source, exporter, torch and ONNX Runtime
  versions), each file's SHA-256 and its measured agreement.

``load_export`` returns a file's bytes only when the record is current and the digest
matches, so a truncated, corrupted or foreign file is refused, never run. Files are written
under a lock and moved into place before the record, so concurrent starts (several
workers) export once and never read a half-written file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import fcntl
import hashlib
import json
import logging
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models.encoders.runtime import (
    INPUT_NAMES,
    EncoderRuntime,
    Floats,
    OnnxRuntime,
    RuntimeKind,
    TextInput,
    Tokenizer,
    TorchRuntime,
    encode_batched,
)

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

# Bump when this module changes what it writes: every cached export is then redone.
EXPORTER_VERSION = 1
OPSET = 17
MANIFEST = "export.json"
DEFAULT_CACHE_DIR = Path("var/encoders")


class Variant(enum.StrEnum):
    """Numeric format of an exported file."""

    FP32 = "fp32"
    INT8 = "int8"

    @property
    def filename(self) -> str:
        return "model.onnx" if self is Variant.FP32 else "model-int8.onnx"


class ExportError(RuntimeError):
    """An export is missing, stale, corrupted, or failed its check against PyTorch."""


Measure = Callable[[Floats, Floats], dict[str, float]]


def cosine_agreement(reference: Floats, candidate: Floats) -> dict[str, float]:
    """Row-wise cosine of two outputs; ``deviation`` is one minus the worst row's."""
    norms = np.linalg.norm(reference, axis=1) * np.linalg.norm(candidate, axis=1)
    cosines = (reference * candidate).sum(axis=1) / np.maximum(norms, 1e-12)
    return {
        "deviation": float(1.0 - cosines.min()),
        "min_cosine": float(cosines.min()),
        "mean_cosine": float(cosines.mean()),
    }


def logit_agreement(reference: Floats, candidate: Floats) -> dict[str, float]:
    """Largest absolute logit difference (the ``deviation``) and how often argmax agrees."""
    difference = np.abs(reference - candidate)
    same = reference.argmax(axis=1) == candidate.argmax(axis=1)
    return {
        "deviation": float(difference.max()),
        "mean_abs_difference": float(difference.mean()),
        "same_argmax": float(same.mean()),
    }


@dataclass(frozen=True)
class ExportSpec:
    """What to export and how to check it.

    Attributes:
        name: Folder under the cache directory, e.g. ``all-MiniLM-L6-v2``.
        source: What the weights are (package versions, digests); part of the record, so
            any change re-exports.
        build_module: Returns the PyTorch module in eval mode; its forward takes
            ``input_ids, attention_mask, token_type_ids`` by name and returns one tensor.
        tokenizer: The model's tokeniser (for the check inputs and the sample batch).
        check_inputs: Texts or pairs both runtimes must agree on.
        output_name: Name of the graph's output. Defaults to ``output``.
        width: Columns of the output.
        measure: Agreement of two outputs; its ``deviation`` is compared with the
            tolerances. Defaults to ``cosine_agreement``.
        fp32_tolerance: Largest deviation accepted for fp32. Defaults to 1e-4 (cosine
            0.9999 with ``cosine_agreement``).
        int8_tolerance: Largest deviation accepted for int8. Defaults to 0.05.
    """

    name: str
    source: Mapping[str, str]
    build_module: Callable[[], torch.nn.Module]
    tokenizer: Tokenizer
    check_inputs: Sequence[TextInput]
    width: int
    output_name: str = "output"
    measure: Measure = cosine_agreement
    fp32_tolerance: float = 1e-4
    int8_tolerance: float = 0.05


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def identity(spec: ExportSpec) -> dict[str, Any]:
    """What an export was made from and by; a stored record must equal this to be used."""
    return {
        "name": spec.name,
        "exporter_version": EXPORTER_VERSION,
        "opset": OPSET,
        "source": dict(spec.source),
        "torch": _version("torch"),
        "onnxruntime": _version("onnxruntime"),
        "max_length": spec.tokenizer.max_length,
    }


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The export record in ``directory``, or None when absent or unreadable."""
    try:
        record: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record


def _stale_reason(spec: ExportSpec, record: dict[str, Any] | None) -> str | None:
    if record is None:
        return "no export yet"
    if record.get("identity") != identity(spec):
        return "made from other weights or by another exporter version"
    return None


def load_export(spec: ExportSpec, cache_dir: Path, variant: Variant) -> bytes:
    """The checked ONNX file of ``spec`` in ``variant``, read once and digest-verified.

    Raises:
        ExportError: The export is missing, stale, or its bytes are not those checked.
    """
    directory = cache_dir / spec.name
    record = read_manifest(directory)
    reason = _stale_reason(spec, record)
    if reason is not None:
        raise ExportError(
            f"ONNX export of {spec.name} in {directory} unusable ({reason}): "
            "run `claimflag models export`"
        )
    assert record is not None
    entry = record["files"][variant.value]
    path = directory / str(entry["file"])
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExportError(f"{path} unreadable ({error}): run `claimflag models export`") from error
    if sha256_of(data) != str(entry["sha256"]):
        raise ExportError(
            f"{path} is not the file that passed its check (SHA-256 differs: corrupted or "
            "replaced): run `claimflag models export --force`"
        )
    return data


def verify_export(spec: ExportSpec, cache_dir: Path) -> str | None:
    """Why the export of ``spec`` cannot be used as it is, or None when every file is good."""
    try:
        for variant in Variant:
            load_export(spec, cache_dir, variant)
    except ExportError as error:
        return str(error)
    return None


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_export(spec: ExportSpec, cache_dir: Path, *, force: bool = False) -> dict[str, Any]:
    """Export ``spec`` unless a current, intact, checked export is already there.

    Returns:
        The export record (``export.json``).

    Raises:
        ExportError: A fresh export disagrees with PyTorch beyond the tolerances (nothing
            is installed then).
    """
    directory = cache_dir / spec.name
    with _locked(directory):
        problem = "forced" if force else verify_export(spec, cache_dir)
        if problem is None:
            record = read_manifest(directory)
            assert record is not None
            return record
        logger.info("exporting %s to ONNX in %s (%s)", spec.name, directory, problem)
        return _export(spec, directory)


def open_runtime(
    spec: ExportSpec,
    kind: RuntimeKind,
    cache_dir: Path,
    *,
    threads: int | None = None,
    bf16: bool = False,
) -> tuple[EncoderRuntime, dict[str, Any] | None]:
    """The runtime ``kind`` for ``spec``: its PyTorch module, or its checked ONNX export.

    The one switch every request-time transformer goes through: an ONNX kind exports on
    first use (``ensure_export``) and runs only a file whose digest matches its record.

    Args:
        spec: The model.
        kind: Which runtime (``CLAIMFLAG_ENCODER_RUNTIME``).
        cache_dir: Where exports are kept.
        threads: Intra-op threads. Defaults to the cores available.
        bf16: With ``RuntimeKind.TORCH``, run in bfloat16. Defaults to False.

    Returns:
        The runtime, and the export record for an ONNX kind (None for PyTorch).
    """
    if kind is RuntimeKind.TORCH:
        return TorchRuntime(spec.build_module(), bf16=bf16, threads=threads), None
    variant = Variant.INT8 if kind is RuntimeKind.ONNX_INT8 else Variant.FP32
    record = ensure_export(spec, cache_dir)
    runtime = OnnxRuntime(
        load_export(spec, cache_dir, variant), label=f"onnx-{variant.value}", threads=threads
    )
    return runtime, record


def export_onnx(
    module: torch.nn.Module, path: Path, sample: Mapping[str, Any], output_name: str
) -> None:
    """``torch.onnx.export`` of ``module`` with dynamic batch and token axes (opset 17).

    The TorchScript exporter (``dynamo=False``): it needs no extra package and traces the
    BERT models here exactly.
    """
    import torch

    axes = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}
    axes[output_name] = {0: "batch"}
    arguments = tuple(torch.from_numpy(sample[name]) for name in INPUT_NAMES)
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            arguments,
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=[output_name],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of ``source``: per-channel int8 weights, uint8 activations."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantization_logger = logging.getLogger()
    level = quantization_logger.level
    quantization_logger.setLevel(max(level, logging.ERROR))  # a pre-processing hint
    try:
        quantize_dynamic(
            source,
            target,
            per_channel=True,
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        quantization_logger.setLevel(level)


def _export(spec: ExportSpec, directory: Path) -> dict[str, Any]:
    module = spec.build_module()
    reference_runtime = TorchRuntime(module)

    def outputs(runtime: TorchRuntime | OnnxRuntime) -> Floats:
        return encode_batched(
            spec.tokenizer, runtime, spec.check_inputs, batch_size=16, width=spec.width
        )

    reference = outputs(reference_runtime)
    sample = spec.tokenizer.pad(spec.tokenizer.tokenize(spec.check_inputs[:2]))
    staged = {variant: directory / f".{variant.filename}.tmp" for variant in Variant}
    files: dict[str, Any] = {}
    try:
        export_onnx(module, staged[Variant.FP32], sample, spec.output_name)
        quantize_int8(staged[Variant.FP32], staged[Variant.INT8])
        for variant, tolerance in (
            (Variant.FP32, spec.fp32_tolerance),
            (Variant.INT8, spec.int8_tolerance),
        ):
            data = staged[variant].read_bytes()
            label = f"onnx-{variant.value}"
            check = spec.measure(reference, outputs(OnnxRuntime(data, label=label)))
            logger.info("%s %s against PyTorch: %s", spec.name, label, check)
            if not check["deviation"] <= tolerance:
                raise ExportError(
                    f"ONNX {variant.value} export of {spec.name} disagrees with PyTorch on "
                    f"{len(spec.check_inputs)} check inputs: deviation {check['deviation']:.3g}"
                    f" > {tolerance:g} ({check}); not installed"
                )
            files[variant.value] = {
                "file": variant.filename,
                "sha256": sha256_of(data),
                "bytes": len(data),
                "check": {key: round(value, 7) for key, value in check.items()},
            }
        for variant, path in staged.items():
            os.replace(path, directory / variant.filename)
    finally:
        for path in staged.values():
            path.unlink(missing_ok=True)
    record = {
        "identity": identity(spec),
        "files": files,
        "check_inputs": len(spec.check_inputs),
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    manifest = directory / f".{MANIFEST}.tmp"
    manifest.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(manifest, directory / MANIFEST)
    return record
