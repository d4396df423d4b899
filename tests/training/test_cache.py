"""The on-disk vector cache shared by training and evaluation (``training.cache``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.cache import cached_rows


class CountingEncoder:
    """Rows that say which text they encode; counts the texts it was asked for and can
    fail on one text, as an interrupted run does."""

    dimension = 2

    def __init__(self, fail_on: str | None = None) -> None:
        self.encoded: list[str] = []
        self.fail_on = fail_on

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.fail_on in texts:
            raise RuntimeError("interrupted")
        self.encoded.extend(texts)
        return np.asarray([[len(t), sum(map(ord, t))] for t in texts], dtype=np.float32)


TEXTS = [f"text number {i}" for i in range(7)]


def test_second_run_reads_every_row_from_disk(tmp_path: Path) -> None:
    first = CountingEncoder()
    rows = cached_rows(first, TEXTS, identity=("m", "fp32"), directory=tmp_path, chunk=3)
    again = CountingEncoder()
    cached = cached_rows(again, TEXTS, identity=("m", "fp32"), directory=tmp_path, chunk=3)
    assert first.encoded == TEXTS
    assert again.encoded == []
    np.testing.assert_array_equal(rows, cached)
    np.testing.assert_array_equal(rows, CountingEncoder().encode(TEXTS))
    assert not list(tmp_path.glob("*.partial.npy"))


def test_an_interrupted_run_resumes_at_the_chunk_it_stopped_in(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        cached_rows(
            CountingEncoder(fail_on=TEXTS[4]), TEXTS, identity=("m",), directory=tmp_path, chunk=3
        )
    resumed = CountingEncoder()
    rows = cached_rows(resumed, TEXTS, identity=("m",), directory=tmp_path, chunk=3)
    assert resumed.encoded == TEXTS[3:]
    np.testing.assert_array_equal(rows, CountingEncoder().encode(TEXTS))


def test_another_model_or_format_encodes_again(tmp_path: Path) -> None:
    cached_rows(CountingEncoder(), TEXTS, identity=("m", "fp32"), directory=tmp_path)
    other = CountingEncoder()
    cached_rows(other, TEXTS, identity=("m", "int8"), directory=tmp_path)
    assert other.encoded == TEXTS


def test_no_texts_gives_no_rows_of_the_encoders_width(tmp_path: Path) -> None:
    rows = cached_rows(CountingEncoder(), [], identity=("m",), directory=tmp_path)
    assert rows.shape == (0, 2)
