"""Service settings: one pydantic-settings class, each field set by ``CLAIMFLAG_<NAME>``."""

from __future__ import annotations

import enum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from claims_db.pg_search import DEFAULT_LEXICAL_BUDGET
from models.ann import DEFAULT_ANN_THRESHOLD
from models.embedding import Precision
from models.encoders.runtime import RuntimeKind, available_cores
from models.reranking import SEARCH_RERANK_DEPTH
from models.retrieval import (
    ARTICLE_SIMILARITY,
    CONFIRMED_THRESHOLD,
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
)

# Host headers a local service answers by default (`testserver`: Starlette's test client).
DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "::1", "testserver")
_ANY_ADDRESS = frozenset({"", "0.0.0.0", "::", "[::]"})


class AuthMode(enum.StrEnum):
    """Whether requests need an API key."""

    REQUIRED = "required"
    OFF = "off"


class Settings(BaseSettings):
    """Configuration read from the environment (prefix ``CLAIMFLAG_``) and an optional ``.env``."""

    model_config = SettingsConfigDict(env_prefix="CLAIMFLAG_", env_file=".env", extra="ignore")

    database_path: Path = Field(
        default=Path("var/claimflag.db"),
        description="SQLite file used when no database_url is set.",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of another database (postgresql://…)."
    )
    graph_dir: Path | None = Field(
        default=None,
        description=(
            "Where the in-memory index (SQLite) saves its HNSW graph for the next start;"
            " default: beside the SQLite file (<database_path>.graph/)."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address `claimflag serve` binds to.")
    port: int = Field(default=8000, description="Port `claimflag serve` listens on.")
    max_text_chars: int = Field(
        default=200_000, gt=0, description="Longest article text accepted, in characters."
    )
    max_html_bytes: int = Field(
        default=2 * 1024 * 1024,
        gt=0,
        description=(
            "Largest HTML page (UTF-8 bytes) whose article text is extracted, checked before"
            " extraction (which costs about 2 s a megabyte, more on odd markup)."
        ),
    )
    model_path: str | None = Field(
        default=None,
        description="Sentence-transformers model directory; default: the packaged MiniLM.",
    )
    encoder_runtime: RuntimeKind = Field(
        default=RuntimeKind.ONNX,
        description=(
            "What runs the transformers: onnx (ONNX Runtime fp32, the default on every CPU),"
            " onnx-int8 (dynamic int8), torch (PyTorch: the fallback). Stored fact-check"
            " embeddings must come from the same one: `claimflag reindex` after a change."
        ),
    )
    precision: Precision = Field(
        default=Precision.AUTO,
        description=(
            "Encoder format: auto (fp32 on onnx, int8 on onnx-int8, on torch bf16 with AMX"
            " else fp32), fp32, bf16 (torch only)."
        ),
    )
    encoder_dir: Path = Field(
        default=Path("var/encoders"),
        description="Where the ONNX exports are made on first start and kept (never committed).",
    )
    encoder_threads: int = Field(
        default=0,
        ge=0,
        description=(
            "Intra-op threads of each process's encoder; 0: the cores available divided by"
            " the worker processes (no oversubscription between workers)."
        ),
    )
    multilingual: bool = Field(
        default=True,
        description=(
            "Load the multilingual encoder (multilingual-e5-small) and keep the fact-checks'"
            " multilingual index: imports, seeds and syncs write each new claim's vector,"
            " `claimflag backfill-multilingual` the rest."
        ),
    )
    multilingual_rescore: bool = Field(
        default=True,
        description=(
            "With `CLAIMFLAG_MULTILINGUAL`, re-score the first cross-lingual candidates with a"
            " second encoder (Universal Sentence Encoder multilingual v3), with the calibration"
            " and tiers fitted for it; off, every claim takes the calibration of e5 alone."
        ),
    )
    workers: int = Field(default=1, ge=1, description="Worker processes of `claimflag serve`.")
    metrics: bool = Field(
        default=True,
        description=(
            "Serve Prometheus metrics at `GET /metrics` (any API key when keys are required):"
            " requests per route and their latency, the model and index state, the review"
            " queue (docs/production.md)."
        ),
    )
    blas_threads: int = Field(
        default=1,
        ge=0,
        description=(
            "Threads numpy's BLAS may use (0: its own default). The pipeline's matrix"
            " products are small, and idle BLAS threads spin on the cores the next encode"
            " needs."
        ),
    )
    check_worthiness_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Check-worthiness decision threshold; default: the scorer's own.",
    )
    confirmed_threshold: float = Field(
        default=CONFIRMED_THRESHOLD,
        ge=0,
        le=1,
        description="Calibrated match confidence of the `confirmed` tier.",
    )
    match_threshold: float = Field(
        default=MATCH_THRESHOLD,
        ge=0,
        le=1,
        description=(
            "Calibrated match confidence at which a verdict is suggested and the claim"
            " flagged (the `likely` tier)."
        ),
    )
    possible_threshold: float = Field(
        default=POSSIBLE_THRESHOLD,
        ge=0,
        le=1,
        description="Calibrated match confidence at which a match is shown for review.",
    )
    max_age_days: int | None = Field(
        default=None, ge=0, description="Only match fact-checks at most this many days old."
    )
    top_k: int = Field(default=5, ge=1, le=50, description="Most matches returned per claim.")
    precedent_similarity: float | None = Field(
        default=0.48,
        ge=0,
        le=1,
        description=(
            "In an article, with enough fact-checks (`CLAIMFLAG_PRECEDENT_MIN_FACT_CHECKS`),"
            " a claim whose five closest fact-checks are this similar on average is"
            " check-worthy, and the head alone needs `CLAIMFLAG_PRECEDENT_CHECKWORTHINESS`;"
            " unset: the head alone (docs/checkworthiness.md)."
        ),
    )
    precedent_min_fact_checks: int = Field(
        default=1000,
        ge=0,
        description="Fact-checks the database must hold before the closest one counts.",
    )
    precedent_checkworthiness: float = Field(
        default=0.90,
        ge=0,
        le=1,
        description="The check-worthiness head's threshold when the closest fact-check counts.",
    )
    precedent_min_sentences: int = Field(
        default=5,
        ge=1,
        description="Sentences a text needs for the closest fact-check to count (an"
        " article; a single statement or short post is judged by the head alone).",
    )
    article_similarity: float | None = Field(
        default=ARTICLE_SIMILARITY,
        ge=0,
        le=1,
        description=(
            "A claim's first match at `possible` becomes `likely` (verdict suggested) when"
            " its fact-check is one of the three closest to the article and this similar to"
            " it; unset: off (docs/matching.md)."
        ),
    )
    reranker_dir: Path | None = Field(
        default=None,
        description=(
            "Directory of a cross-encoder re-ranker trained by `python -m training.reranker`"
            " for the analysis and the search; unset, an article's claims are ranked by the"
            " first stage alone and the search by the packaged re-ranker (docs/matching.md)."
        ),
    )
    rerank_depth: int = Field(
        default=4,
        ge=0,
        le=50,
        description="First-stage candidates per claim the cross-encoder reads (0: none).",
    )
    search_rerank_depth: int = Field(
        default=SEARCH_RERANK_DEPTH,
        ge=0,
        le=50,
        description=(
            "First-stage candidates per query the cross-encoder reads in GET"
            " /v1/factchecks/search (0: the search is ranked by the first stage alone)."
        ),
    )
    rerank_gate: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description=(
            "First-stage confidence a claim's best candidate needs for the cross-encoder to"
            " read its candidates."
        ),
    )
    ann_threshold: int = Field(
        default=DEFAULT_ANN_THRESHOLD,
        ge=0,
        description="Fact-checks at which in-memory search switches from exact to HNSW.",
    )
    pg_ef_search: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description=(
            "pgvector hnsw.ef_search for PostgreSQL search; unset: scaled with the table's"
            " size (64 up to 100k fact-checks, 256 from 1M)."
        ),
    )
    pg_lexical_budget: int = Field(
        default=DEFAULT_LEXICAL_BUDGET,
        ge=1,
        description=(
            "PostgreSQL lexical search: most rows the rarest words of a claim may match to be"
            " its full-text candidates (latency against lexical recall)."
        ),
    )
    data_dir: Path = Field(
        default=Path("../shared/data"),
        description="Folder of the public datasets used by `seed --with-datasets`.",
    )
    max_import_bytes: int = Field(
        default=512 * 1024 * 1024,
        gt=0,
        description="Largest feed accepted by POST /v1/factchecks/import, in bytes.",
    )
    log_level: str = Field(default="INFO", description="Logging level.")
    auth: AuthMode = Field(
        default=AuthMode.OFF,
        description="`required`: every API call needs a key; `off`: allowed only on loopback.",
    )
    queue_new_claim_threshold: float = Field(
        default=0.80,
        ge=0,
        le=1,
        description="Check-worthiness at which an unmatched claim is queued as a new claim.",
    )
    queue_possible_similarity: float = Field(
        default=0.60,
        ge=0,
        le=1,
        description=(
            "Cosine similarity at which a claim whose best match is only `possible` is queued"
            " for review as a possible match instead of being dropped."
        ),
    )
    queue_dedup_threshold: float = Field(
        default=0.88,
        ge=0,
        le=1,
        description="Similarity at which a claim joins an existing queue item as an occurrence.",
    )
    queue_recent_days: int = Field(
        default=30, ge=0, description="Resolved items this recent still absorb recurrences."
    )
    queue_lease_seconds: int = Field(
        default=900, gt=0, description="How long a reviewer holds an item taken into review."
    )
    review_learning_threshold: float = Field(
        default=0.88,
        ge=0,
        le=1,
        description="Similarity at which a reviewer's past decision applies to a new claim.",
    )
    webhook_urls: str = Field(
        default="", description="Comma-separated URLs told when a queue item is created/resolved."
    )
    webhook_secret: str | None = Field(
        default=None, description="HMAC-SHA256 key signing webhook bodies."
    )
    webhook_max_attempts: int = Field(
        default=5, ge=1, le=20, description="Deliveries tried per webhook event."
    )
    webhook_max_queued: int = Field(
        default=1000,
        ge=1,
        description="Webhook deliveries waiting at most per process; more are dropped (logged).",
    )
    webhook_backoff_seconds: float = Field(
        default=1.0, gt=0, description="First retry delay; doubles after each failure."
    )

    @property
    def webhook_url_list(self) -> list[str]:
        """``webhook_urls`` split on commas, blanks dropped."""
        return [u.strip() for u in self.webhook_urls.split(",") if u.strip()]

    # 200,000 characters of \uXXXX-escaped JSON (12 bytes per astral character) fit in 4 MiB.
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024,
        gt=0,
        description="Largest request body accepted, in bytes, counted while it is read (413).",
    )
    request_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="Longest a request may take, body upload included, before a 503 problem.",
    )
    max_analyses_in_flight: int = Field(
        default=0,
        ge=0,
        description=(
            "Analyses one worker process runs at once; more wait up to admission_wait_s,"
            " then get 503 `busy` with Retry-After. 0: the cores available divided by the"
            " worker processes and by each one's encoder threads (the encoder of one"
            " analysis already uses its share of the cores), at least 1."
        ),
    )
    admission_wait_s: float = Field(
        default=0.25,
        ge=0,
        description="Longest an analysis waits for a free slot before the 503 `busy` answer.",
    )
    db_pool_size: int = Field(
        default=10, ge=1, description="Database connections each worker process keeps open."
    )
    db_max_overflow: int = Field(
        default=10, ge=0, description="Connections opened beyond db_pool_size under load."
    )
    db_pool_timeout_s: float = Field(
        default=3.0,
        gt=0,
        description="Longest a request waits for a free connection before 503 `pool_busy`.",
    )
    db_lock_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Longest a write waits for a lock (SQLite's busy timeout, PostgreSQL's"
            " lock_timeout) before 503 `database_locked`."
        ),
    )
    min_free_disk_mb: int = Field(
        default=100,
        ge=0,
        description="/readyz is 503 when the SQLite database's disk has less free space.",
    )
    keep_alive_timeout_s: int = Field(
        default=5, ge=1, description="Seconds `claimflag serve` keeps an idle connection open."
    )
    rate_limit_per_minute: int = Field(
        default=120,
        ge=0,
        description="Requests per minute (and burst) each API key may make, per worker; 0: none.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed by CORS (comma-separated); empty: no CORS headers at all.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED_HOSTS),
        description=(
            "Host header values accepted (comma-separated names or addresses, no port; `*`:"
            " any). The bind address is always added. Others get a 400 (DNS rebinding)."
        ),
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description=(
            "Addresses (comma-separated, `*`: any) of reverse proxies whose X-Forwarded-Proto"
            " and X-Forwarded-For `claimflag serve` believes: behind TLS, cookies get Secure"
            " and responses HSTS."
        ),
    )
    ui_session_hours: float = Field(
        default=12.0, gt=0, description="How long a UI sign-in lasts before signing in again."
    )
    login_attempts_per_minute: int = Field(
        default=10,
        ge=0,
        description="UI sign-in attempts per minute (and burst) from one client address; 0: any.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Origins (scheme://host[:port], comma-separated) besides the service's own that"
            " may send state-changing requests from a browser; others get a 403."
        ),
    )

    # Sources, monitored feeds and the job runner (service/sources, service/monitoring,
    # service/jobs).
    fetch_allow_private_addresses: bool = Field(
        default=False,
        description=(
            "Let sources and feeds fetch from loopback, private, link-local and other"
            " non-public addresses (off: such URLs and redirects are refused)."
        ),
    )
    fetch_timeout_s: float = Field(
        default=20.0, gt=0, description="Connect and read timeout of each fetch, in seconds."
    )
    fetch_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        gt=0,
        description="Largest document a source or feed fetch reads (decoded), in bytes.",
    )
    fetch_max_redirects: int = Field(
        default=5, ge=0, le=20, description="Redirects a fetch follows before giving up."
    )
    fetch_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Tries per fetch on a timeout, a connection error, 429 or 5xx.",
    )
    fetch_backoff_s: float = Field(
        default=2.0, ge=0, description="Delay before the second try; doubles after each."
    )
    fetch_user_agent: str = Field(
        default="claimflag/0.1 (fact-check corpus sync and news monitoring)",
        description="User-Agent header of every fetch.",
    )
    sitemap_max_pages: int = Field(
        default=500, ge=1, description="Most review pages one sitemap source run fetches."
    )
    google_factcheck_api_key: str | None = Field(
        default=None, description="API key of the Google Fact Check Tools API (google sources)."
    )
    google_factcheck_url: str = Field(
        default="https://factchecktools.googleapis.com/v1alpha1/claims:search",
        description="The claims:search endpoint google sources query.",
    )
    google_factcheck_max_pages: int = Field(
        default=20, ge=1, description="Most result pages (nextPageToken) one google run reads."
    )
    monitor_max_new_items: int = Field(
        default=50, ge=1, description="Most new articles taken from a feed per poll, newest first."
    )
    monitor_max_attempts: int = Field(
        default=3, ge=1, description="Tries per article before it is marked failed."
    )
    jobs_tick_seconds: int = Field(
        default=30,
        ge=1,
        le=60,
        description="How often the job runner looks for due sources, feeds and articles.",
    )
    jobs_stalled_seconds: float = Field(
        default=60.0,
        gt=0,
        description="PostgreSQL: a worker silent this long is dead and its jobs are retried.",
    )
    jobs_requeue_minutes: int = Field(
        default=15,
        ge=1,
        description="PostgreSQL: a pending article whose job vanished is queued again after.",
    )

    @field_validator("jobs_tick_seconds")
    @classmethod
    def _divides_a_minute(cls, value: int) -> int:
        if 60 % value:
            raise ValueError("must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)")
        return value

    @field_validator(
        "cors_origins", "allowed_hosts", "allowed_origins", "trusted_proxies", mode="before"
    )
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def resolved_allowed_hosts(self) -> frozenset[str]:
        """``allowed_hosts`` (lower case) plus the address ``serve`` binds to, if specific."""
        hosts = {h.lower().strip("[]") for h in self.allowed_hosts}
        if self.host not in _ANY_ADDRESS:
            hosts.add(self.host.lower().strip("[]"))
        return frozenset(hosts)

    @property
    def resolved_database_url(self) -> str:
        """``database_url`` if set, else the SQLite file at ``database_path``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.database_path.expanduser().resolve()}"

    @property
    def resolved_encoder_threads(self) -> int:
        """``encoder_threads`` if set, else this process's share of the available cores."""
        return self.encoder_threads or max(1, available_cores() // self.workers)

    @property
    def resolved_max_analyses_in_flight(self) -> int:
        """``max_analyses_in_flight`` if set, else as many as this process's share of the
        cores keeps busy without oversubscribing them."""
        per_process = available_cores() // self.workers
        return self.max_analyses_in_flight or max(1, per_process // self.resolved_encoder_threads)

    @property
    def resolved_graph_dir(self) -> Path | None:
        """``graph_dir`` if set; else beside the default SQLite file; None for other URLs."""
        if self.graph_dir is not None:
            return self.graph_dir.expanduser()
        if self.database_url:
            return None
        path = self.database_path.expanduser()
        return path.with_name(path.name + ".graph")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def _shown(value: object) -> str:
    if value is None:
        return "unset"
    if value == "":
        return "empty"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value) or "empty"
    return str(value)


def settings_reference() -> str:
    """Every setting as a Markdown table: variable, default and meaning, read from the
    fields themselves (docs/configuration.md is this text; a test keeps it so)."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        meaning = (field.description or "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{prefix}{name.upper()}` | `{_shown(default)}` | {meaning} |")
    return "\n".join(lines) + "\n"
