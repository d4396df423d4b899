"""The feed format names, kept free of heavy imports so the CLI can offer them cheaply."""

from __future__ import annotations

import enum


class FeedFormat(enum.StrEnum):
    """The feed formats ``claimflag import`` and ``POST /v1/factchecks/import`` accept."""

    AUTO = "auto"
    CLAIMREVIEW = "claimreview"
    GOOGLE = "google"
    JSONL = "jsonl"
    CSV = "csv"
