"""What one service process holds for its lifetime: settings, database, model, index."""

from __future__ import annotations

import copy
import functools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.embedding_space import require_embedding_space
from claims_db.migrate import require_current
from claims_db.pg_search import IndexState, PgFactCheckSource, vector_index_state
from claims_db.search import FactCheckIndex, SearchBackend
from models.checkworthiness import load_scorer
from models.embedding import DEFAULT_MODEL_NAME, Embedder, embedding_key, resolve_precision
from models.encoders.multilingual import MULTILINGUAL_MODEL_NAME, MultilingualEncoder
from models.encoders.use import UseEncoder
from models.pipeline import MatchingSettings, Pipeline
from models.reranking import load_cross_reranker
from models.retrieval import Matcher
from models.retrieval.crosslingual import CrossLingualMatcher
from models.stance import StanceModel
from service.config import Settings
from service.reliability.writes import WriteHealth
from service.webhooks import WebhookDispatcher

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Runtime:
    """The long-lived objects of a service process, built once at start-up."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    pipeline: Pipeline
    index: SearchBackend
    webhooks: WebhookDispatcher | None = None
    # The multilingual encoder (CLAIMFLAG_MULTILINGUAL), shared by writes and searches.
    multilingual: MultilingualEncoder | None = None
    # The last write failure until a later write succeeds (for /readyz).
    writes: WriteHealth = field(default_factory=WriteHealth)


def build_embedder(settings: Settings) -> Embedder:
    """The sentence encoder on the configured runtime (exported to ONNX on first use)."""
    return Embedder(
        settings.model_path,
        precision=settings.precision,
        runtime=settings.encoder_runtime,
        cache_dir=settings.encoder_dir,
        threads=settings.resolved_encoder_threads,
    )


def build_multilingual_encoder(settings: Settings) -> MultilingualEncoder | None:
    """The process's multilingual encoder on the MiniLM encoder's thread count, warmed up;
    None when ``CLAIMFLAG_MULTILINGUAL`` is off."""
    if not settings.multilingual:
        return None
    return _shared_multilingual_encoder(settings.resolved_encoder_threads)


def build_crosslingual_matcher(settings: Settings) -> CrossLingualMatcher:
    """The cross-lingual matcher, with its second encoder (warmed up, on the MiniLM
    encoder's thread count) when ``CLAIMFLAG_MULTILINGUAL`` and
    ``CLAIMFLAG_MULTILINGUAL_RESCORE`` are on."""
    if not (settings.multilingual and settings.multilingual_rescore):
        return CrossLingualMatcher()
    return CrossLingualMatcher(second=_shared_second_encoder(settings.resolved_encoder_threads))


@functools.cache
def _shared_second_encoder(threads: int) -> UseEncoder:
    encoder = UseEncoder(threads=threads)
    encoder.warm_up()
    return encoder


@functools.cache
def _shared_multilingual_encoder(threads: int) -> MultilingualEncoder:
    # One per process: its engine's thread count is fixed by the first one made anyway,
    # and its first encode pays about a second of page faults (warm-up) only once.
    encoder = MultilingualEncoder(threads=threads)
    encoder.warm_up()
    return encoder


def expected_embedding_key(settings: Settings) -> str:
    """The name the configured encoder stores embeddings under, without loading it."""
    precision = resolve_precision(settings.encoder_runtime, settings.precision)
    return embedding_key(DEFAULT_MODEL_NAME, precision)


def check_database(settings: Settings, model_name: str | None = None) -> None:
    """Refuse an un-migrated database, or one whose embeddings another encoder made.

    Cheap (no model loaded): the service runs it before it starts loading, so a refusal
    stops the start instead of leaving a process that never becomes ready.
    """
    url = settings.resolved_database_url
    engine = make_engine(url)
    try:
        require_current(engine, url)
        with make_session_factory(engine)() as session:
            require_embedding_space(session, model_name or expected_embedding_key(settings))
    finally:
        engine.dispose()


def build_pipeline(settings: Settings) -> Pipeline:
    """Load the encoder, scorer, re-rankers and stance model and wire them into a pipeline
    per ``settings``."""
    embedder = build_embedder(settings)
    matching = MatchingSettings(
        confirmed_threshold=settings.confirmed_threshold,
        match_threshold=settings.match_threshold,
        possible_threshold=settings.possible_threshold,
        top_k=settings.top_k,
        max_age_days=settings.max_age_days,
        precedent_similarity=settings.precedent_similarity,
        precedent_min_fact_checks=settings.precedent_min_fact_checks,
        precedent_checkworthiness=settings.precedent_checkworthiness,
        precedent_min_sentences=settings.precedent_min_sentences,
        article_similarity=settings.article_similarity,
    )
    # One cross-encoder (the configured one, else the packaged one) for both uses: the
    # analysis reads it only when configured, the search unless its depth is 0.
    wanted = settings.reranker_dir is not None and settings.rerank_depth
    reranker = (
        load_cross_reranker(
            settings.reranker_dir, gate=settings.rerank_gate, precision=settings.precision
        )
        if wanted or settings.search_rerank_depth
        else None
    )
    cross = reranker.at_depth(settings.rerank_depth) if reranker and wanted else None
    search_cross = reranker.at_depth(settings.search_rerank_depth) if reranker else None
    return Pipeline(
        embedder,
        load_scorer(settings.check_worthiness_threshold),
        matching,
        Matcher(matching.matcher_settings(), cross=cross),
        stance=StanceModel(precision=settings.precision),
        crosslingual=build_crosslingual_matcher(settings),
        blas_threads=settings.blas_threads or None,
        search_matcher=Matcher(matching.matcher_settings(), cross=search_cross),
    )


def build_search_backend(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    pipeline: Pipeline,
) -> SearchBackend:
    """pgvector search inside PostgreSQL; elsewhere an in-memory index kept in step.

    With ``CLAIMFLAG_MULTILINGUAL`` either also searches the multilingual vectors.
    """
    model_name = pipeline.embedder.model_name
    multilingual_model = MULTILINGUAL_MODEL_NAME if settings.multilingual else None
    if engine.dialect.name == "postgresql":
        return PgFactCheckSource(
            session_factory,
            model_name,
            ef_search=settings.pg_ef_search,
            lexical_budget=settings.pg_lexical_budget,
            multilingual_model=multilingual_model,
        )
    return FactCheckIndex(
        model_name,
        pipeline.embedder.dimension,
        ann_threshold=settings.ann_threshold,
        graph_dir=settings.resolved_graph_dir,
        multilingual_model=multilingual_model,
    )


def build_runtime(
    settings: Settings,
    pipeline: Pipeline | None = None,
    multilingual: MultilingualEncoder | None = None,
) -> Runtime:
    """Connect to the database and load the models and index.

    ``pipeline`` and ``multilingual``, when given, are used instead of loading them (the
    multilingual encoder only with ``CLAIMFLAG_MULTILINGUAL`` on).

    Raises:
        DatabaseNotMigratedError: The schema is behind the code.
        EmbeddingSpaceMismatchError: Stored embeddings were made by another encoder.
    """
    url = settings.resolved_database_url
    engine = make_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout_s=settings.db_pool_timeout_s,
        lock_timeout_s=settings.db_lock_timeout_s,
    )
    require_current(engine, url)
    state = vector_index_state(engine)
    if state not in (None, IndexState.VALID):
        logger.warning(
            "the vector index is %s: dense search scans the whole table until it is built"
            " (claimflag db build-index, or the bulk import building it now ends)",
            state.value,
        )
    session_factory = make_session_factory(engine)
    pipeline = pipeline or build_pipeline(settings)
    if settings.multilingual:
        multilingual = multilingual or pipeline.multilingual or build_multilingual_encoder(settings)
    else:
        multilingual = None
    if pipeline.multilingual is not multilingual:
        # Claims in other languages are matched with the runtime's encoder; a pipeline
        # handed in is left as it was (a shallow copy shares its models).
        pipeline = copy.copy(pipeline)
        pipeline.multilingual = multilingual
    with session_factory() as session:
        require_embedding_space(session, pipeline.embedder.model_name)
    index = build_search_backend(settings, engine, session_factory, pipeline)
    with session_factory() as session:
        index.sync(session)
    webhooks = None
    if settings.webhook_url_list:
        webhooks = WebhookDispatcher(
            settings.webhook_url_list,
            settings.webhook_secret,
            max_attempts=settings.webhook_max_attempts,
            backoff_seconds=settings.webhook_backoff_seconds,
            max_queued=settings.webhook_max_queued,
        )
        webhooks.attach(session_factory)
    logger.info("ready: %d fact-checks indexed from %s", len(index), engine.url.render_as_string())
    runtime = Runtime(
        settings, engine, session_factory, pipeline, index, webhooks, multilingual=multilingual
    )
    runtime.writes.watch(session_factory)
    return runtime


class RuntimeLoader:
    """Builds a service's ``Runtime`` on a thread and installs it on the app when done.

    Until then ``app.state.runtime`` is None and every route but ``/healthz`` answers 503;
    a failure is logged and kept in ``error`` for ``/readyz`` to report.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.error: str | None = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def start(self, app: Any) -> None:
        """Start loading; ``app.state.runtime`` is set when the runtime is ready."""

        def load() -> None:
            started = time.perf_counter()
            try:
                runtime = build_runtime(self.settings)
            except Exception as error:
                self.error = f"{type(error).__name__}: {error}"
                logger.exception("the service failed to load its model and index")
                return
            if self._closed.is_set():
                _close(runtime)
                return
            app.state.runtime = runtime
            logger.info("ready in %.1f s", time.perf_counter() - started)

        self._thread = threading.Thread(target=load, name="claimflag-load", daemon=True)
        self._thread.start()

    def close(self, app: Any) -> None:
        """Release what was loaded (a load still running releases it when done)."""
        self._closed.set()
        runtime: Runtime | None = getattr(app.state, "runtime", None)
        if runtime is not None:
            _close(runtime)


def _close(runtime: Runtime) -> None:
    if runtime.webhooks is not None:
        runtime.webhooks.close()
    runtime.engine.dispose()
