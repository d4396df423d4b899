"""The service against its encoder: POST /v1/analyze beside the raw ONNX fp32 encode, and
encoder speed under each runtime, in one run.

    .venv/bin/python bench/bench_runtime.py --database /tmp/full.db [--requests 30]

``--database`` is a copy of a full database (``claimflag seed --with-datasets``) whose
embeddings come from the configured runtime (``CLAIMFLAG_ENCODER_RUNTIME``; reindex a
copy for ``onnx-int8``). The app is the service's own (middleware included) behind
Starlette's test client; each request (``store: false``) on the seed article is
immediately followed by an ONNX Runtime fp32 encode of the texts that request encoded, so
both see the same machine load. Encoder speed: 400 claim-like sentences per call, the
runtimes taking turns in every round. Prints Markdown tables; writes
bench/results/runtime.json.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from _data import EXAMPLE, environment, query_sentences, table, write_json
from fastapi.testclient import TestClient

from models.embedding import Embedder, Precision, cpu_has_amx
from models.encoders.runtime import RuntimeKind
from service.app import create_app
from service.config import Settings
from service.runtime import build_runtime


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def service_against_encoder(
    database: Path, requests: int
) -> tuple[dict[str, Any], list[str], Embedder]:
    """p50/p95 of POST /v1/analyze and of the raw fp32 encode of the same texts."""
    runtime = build_runtime(Settings(database_path=database))
    embedder = runtime.pipeline.embedder
    captured: list[list[str]] = []
    encode = embedder.encode

    def capturing(texts: list[str]) -> Any:
        captured.append(list(texts))
        return encode(texts)

    embedder.encode = capturing  # type: ignore[method-assign]
    body = {"text": EXAMPLE.read_text(encoding="utf-8"), "store": False}
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.post("/v1/analyze", json=body).status_code == 200
        embedder.encode = encode  # type: ignore[method-assign]
        texts = captured[0]
        fp32 = embedder if embedder.label == "onnx-fp32" else Embedder()
        for _ in range(2):
            client.post("/v1/analyze", json=body)
            fp32.encode(texts)
        service_ms: list[float] = []
        encode_ms: list[float] = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.post("/v1/analyze", json=body)
            service_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            started = time.perf_counter()
            fp32.encode(texts)
            encode_ms.append((time.perf_counter() - started) * 1000)
    runtime.engine.dispose()
    result = {
        "service_runtime": embedder.label,
        "fact_checks": len(runtime.index),
        "texts_encoded": len(texts),
        "requests": requests,
        "analyze_p50_ms": round(statistics.median(service_ms), 1),
        "analyze_p95_ms": round(percentile(service_ms, 95), 1),
        "onnx_fp32_encode_p50_ms": round(statistics.median(encode_ms), 1),
        "onnx_fp32_encode_p95_ms": round(percentile(encode_ms, 95), 1),
        # Per request, then the median: each ratio compares two calls made back to back.
        "ratio_p50": round(
            statistics.median(s / e for s, e in zip(service_ms, encode_ms, strict=True)), 3
        ),
    }
    return result, texts, fp32


def encoder_speeds(fp32: Embedder, rounds: int, count: int) -> dict[str, float]:
    """Sentences per second of each runtime, the runtimes taking turns every round."""
    embedders = {"onnx fp32": fp32, "onnx int8": Embedder(runtime=RuntimeKind.ONNX_INT8)}
    embedders["torch fp32"] = Embedder(runtime=RuntimeKind.TORCH, precision=Precision.FP32)
    if cpu_has_amx():
        embedders["torch bf16"] = Embedder(runtime=RuntimeKind.TORCH, precision=Precision.BF16)
    sentences = query_sentences(count)
    seconds: dict[str, list[float]] = {name: [] for name in embedders}
    for embedder in embedders.values():
        embedder.encode(sentences[:64])
    for _ in range(rounds):
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.encode(sentences)
            seconds[name].append(time.perf_counter() - started)
    return {name: round(count / statistics.median(times), 1) for name, times in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=400)
    args = parser.parse_args()

    service, _texts, fp32 = service_against_encoder(args.database, args.requests)
    print(
        f"seed article: {service['texts_encoded']} texts encoded per request, "
        f"{service['fact_checks']:,} fact-checks, service encoder {service['service_runtime']}"
    )
    print(
        table(
            ["", "p50 ms", "p95 ms"],
            [
                ["POST /v1/analyze", service["analyze_p50_ms"], service["analyze_p95_ms"]],
                [
                    "raw ONNX fp32 encode of the same texts",
                    service["onnx_fp32_encode_p50_ms"],
                    service["onnx_fp32_encode_p95_ms"],
                ],
            ],
        )
    )
    print(f"\nservice / encode, median of per-request ratios: x{service['ratio_p50']:.2f}\n")
    speeds = encoder_speeds(fp32, args.rounds, args.sentences)
    base = speeds["onnx fp32"]
    print(
        table(
            ["encoder runtime", "sentences/s", "vs onnx fp32"],
            [[name, rate, f"x{rate / base:.2f}"] for name, rate in speeds.items()],
        )
    )
    path = write_json(
        "runtime",
        {"environment": environment(), "service": service, "sentences_per_s": speeds},
    )
    print(f"\nresults in {path}")


if __name__ == "__main__":
    main()
