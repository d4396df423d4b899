"""Claim retrieval: lexical + dense candidates, fused, re-ranked and calibrated into tiers.

Backends (``models.matching.FactCheckSource``) only produce candidates; everything here
works on top of them, so every storage backend gets the same fusion, re-ranking,
calibration and tiers. ``query`` cleans claims, ``profiles`` holds the lexical profiles
and overlap table, ``features`` the pair and article features, ``head`` the first-stage
logistic head and its calibration (trained by ``python -m training.first_stage``), and
``matcher`` puts them together. Imports only ``models``.
"""

from models.retrieval.features import (
    FEATURE_NAMES,
    RRF_K,
    CandidatePool,
    PairFeatures,
    article_features,
    pair_features,
)
from models.retrieval.head import Calibration, Reranker, load_reranker
from models.retrieval.matcher import (
    ARTICLE_SIMILARITY,
    CONFIRMED_THRESHOLD,
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    Agreement,
    Match,
    Matcher,
    MatcherSettings,
    Tier,
    agreement,
)
from models.retrieval.profiles import (
    OverlapSource,
    OverlapTable,
    StoredProfile,
    lexical_profile,
    profile_version,
    read_lexical_profile,
    record_profile,
)
from models.retrieval.query import clean_query

__all__ = [
    "ARTICLE_SIMILARITY",
    "CONFIRMED_THRESHOLD",
    "FEATURE_NAMES",
    "MATCH_THRESHOLD",
    "POSSIBLE_THRESHOLD",
    "RRF_K",
    "Agreement",
    "Calibration",
    "CandidatePool",
    "Match",
    "Matcher",
    "MatcherSettings",
    "OverlapSource",
    "OverlapTable",
    "PairFeatures",
    "Reranker",
    "StoredProfile",
    "Tier",
    "agreement",
    "article_features",
    "clean_query",
    "lexical_profile",
    "load_reranker",
    "pair_features",
    "profile_version",
    "read_lexical_profile",
    "record_profile",
]
