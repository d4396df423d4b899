"""What one service process holds for its lifetime: settings, database, model, index."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.migrate import require_current
from claims_db.pg_search import IndexState, PgFactCheckSource, vector_index_state
from claims_db.search import FactCheckIndex, SearchBackend
from models.checkworthiness import load_scorer
from models.embedding import Embedder
from models.pipeline import MatchingSettings, Pipeline
from models.stance import StanceModel
from service.config import Settings
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


def build_pipeline(settings: Settings) -> Pipeline:
    """Load the encoder, scorer and stance model and wire them into a pipeline per
    ``settings``."""
    embedder = Embedder(settings.model_path, precision=settings.precision)
    matching = MatchingSettings(
        match_threshold=settings.match_threshold,
        possible_threshold=settings.possible_threshold,
        top_k=settings.top_k,
        max_age_days=settings.max_age_days,
    )
    return Pipeline(
        embedder,
        load_scorer(settings.check_worthiness_threshold),
        matching,
        stance=StanceModel(precision=settings.precision),
        blas_threads=settings.blas_threads or None,
    )


def build_search_backend(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    pipeline: Pipeline,
) -> SearchBackend:
    """pgvector search inside PostgreSQL; elsewhere an in-memory index kept in step."""
    model_name = pipeline.embedder.model_name
    if engine.dialect.name == "postgresql":
        return PgFactCheckSource(
            session_factory,
            model_name,
            ef_search=settings.pg_ef_search,
            lexical_budget=settings.pg_lexical_budget,
        )
    return FactCheckIndex(
        model_name,
        pipeline.embedder.dimension,
        ann_threshold=settings.ann_threshold,
        graph_dir=settings.resolved_graph_dir,
    )


def build_runtime(settings: Settings, pipeline: Pipeline | None = None) -> Runtime:
    """Connect to the database (refusing an un-migrated one) and load the model and index."""
    url = settings.resolved_database_url
    engine = make_engine(url)
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
        )
        webhooks.attach(session_factory)
    logger.info("ready: %d fact-checks indexed from %s", len(index), engine.url.render_as_string())
    return Runtime(settings, engine, session_factory, pipeline, index, webhooks)
