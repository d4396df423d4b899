"""Monitored feeds: managing them, polling one, and analysing each new article once.

A poll takes the feed's run lock, fetches the feed with its validators, and records the
entries never seen before as pending items (``ON CONFLICT DO NOTHING`` on the feed and
entry key, so two pollers never make two items of one entry). Each pending item is then
fetched, extracted with trafilatura (text, title, publication date), analysed through the
same path as ``POST /v1/analyze`` (stored, its claims queued under the outlet's name, and
webhooks raised for new queue items), and marked analysed in the same transaction that
stores the analysis. An attempt that dies leaves the item pending with no article; the
compare-and-set on the item's status makes a second attempt at an analysed item a no-op.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import time

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from claims_db.base import utcnow
from claims_db.run_lock import run_lock
from claims_db.search import SearchBackend
from claims_db.sync_models import Feed, FeedItem, FeedKind, ItemStatus, RunStatus
from claims_db.sync_repository import FeedRepository
from models.pipeline import Pipeline
from service.analysis.schemas import AnalyzeRequest
from service.analysis.service import analyze_article
from service.config import Settings
from service.errors import ClaimflagError, ConflictError, NotFoundError
from service.fetcher import Fetcher, FetchError
from service.monitoring.entries import FeedFormatError, read_entries
from service.monitoring.schemas import (
    FeedCreate,
    FeedItemOut,
    FeedOut,
    FeedRunOut,
    FeedUpdate,
)
from service.reliability.extract import extract_article

logger = logging.getLogger(__name__)

HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)


class Outcome(enum.StrEnum):
    """What an attempt at an item did."""

    ANALYSED = "analysed"
    SKIPPED = "skipped"  # not pending (any more): analysed or given up on elsewhere
    RETRY = "retry"  # a transient failure; the item waits for its next attempt
    FAILED = "failed"  # given up: the article cannot be fetched, read or analysed


# --- managing feeds -----------------------------------------------------------------------


def _feed_out(session: Session, feed: Feed) -> FeedOut:
    repository = FeedRepository(session)
    out = FeedOut.model_validate(feed)
    last = repository.last_runs([feed.id]).get(feed.id)
    out.last_run = FeedRunOut.model_validate(last) if last else None
    out.items = repository.item_counts([feed.id]).get(feed.id, {})
    return out


def get_feed(session: Session, feed_id: int) -> Feed:
    feed = FeedRepository(session).get(feed_id)
    if feed is None:
        raise NotFoundError(f"no feed with id {feed_id}")
    return feed


def find_feed(session: Session, name_or_id: str) -> Feed:
    """A feed by name, or by id when given digits."""
    repository = FeedRepository(session)
    feed = repository.by_name(name_or_id)
    if feed is None and name_or_id.isdigit():
        feed = repository.get(int(name_or_id))
    if feed is None:
        raise NotFoundError(f"no feed named {name_or_id!r}")
    return feed


def list_feeds(session: Session) -> list[FeedOut]:
    repository = FeedRepository(session)
    feeds = repository.all()
    last = repository.last_runs(f.id for f in feeds)
    counts = repository.item_counts(f.id for f in feeds)
    outs = []
    for feed in feeds:
        out = FeedOut.model_validate(feed)
        run = last.get(feed.id)
        out.last_run = FeedRunOut.model_validate(run) if run else None
        out.items = counts.get(feed.id, {})
        outs.append(out)
    return outs


def feed_detail(session: Session, feed_id: int) -> FeedOut:
    return _feed_out(session, get_feed(session, feed_id))


def create_feed(session: Session, body: FeedCreate) -> FeedOut:
    """Add a feed, due at once; 409 if the name is taken."""
    repository = FeedRepository(session)
    if repository.by_name(body.name) is not None:
        raise ConflictError(f"a feed named {body.name!r} exists")
    feed = Feed(
        name=body.name,
        url=body.url,
        kind=body.kind.value,
        language=body.language,
        interval_minutes=body.interval_minutes,
        enabled=body.enabled,
        next_run_at=utcnow(),
    )
    try:
        with session.begin_nested():
            repository.add(feed)
    except IntegrityError as exc:
        raise ConflictError(f"a feed named {body.name!r} exists") from exc
    return _feed_out(session, feed)


def update_feed(session: Session, feed_id: int, body: FeedUpdate) -> FeedOut:
    feed = get_feed(session, feed_id)
    changes = body.model_dump(exclude_unset=True)
    if "url" in changes and changes["url"] is None:
        changes.pop("url")
    for name, value in changes.items():
        setattr(feed, name, value.value if isinstance(value, enum.Enum) else value)
    if "url" in changes:
        feed.etag = feed.last_modified = None
    session.flush()
    return _feed_out(session, feed)


def delete_feed(session: Session, feed_id: int) -> None:
    """Delete a feed with its polls and items; the analyses it stored stay."""
    FeedRepository(session).delete(get_feed(session, feed_id))


def request_poll(session: Session, feed_id: int) -> FeedOut:
    """Make the feed due now: the job runner polls it at its next tick (409 if paused)."""
    feed = get_feed(session, feed_id)
    if not feed.enabled:
        raise ConflictError(f"feed {feed.name} is paused: enable it to poll it")
    feed.next_run_at = utcnow()
    session.flush()
    return _feed_out(session, feed)


def runs(session: Session, feed_id: int, limit: int = 20) -> list[FeedRunOut]:
    get_feed(session, feed_id)
    return [FeedRunOut.model_validate(r) for r in FeedRepository(session).runs(feed_id, limit)]


def items(
    session: Session, feed_id: int, status: ItemStatus | None = None, limit: int = 50
) -> list[FeedItemOut]:
    get_feed(session, feed_id)
    rows = FeedRepository(session).items(feed_id, status, limit)
    return [FeedItemOut.model_validate(row) for row in rows]


def schedule_due(session: Session, now: dt.datetime) -> list[int]:
    """Ids of the feeds due now, each given its next poll time (committed by the caller)."""
    due = []
    for feed in FeedRepository(session).due(now):
        feed.next_run_at = now + dt.timedelta(minutes=feed.interval_minutes)
        due.append(feed.id)
    session.flush()
    return due


# --- polling --------------------------------------------------------------------------------


def poll_feed(
    session_factory: sessionmaker[Session],
    settings: Settings,
    feed_id: int,
    *,
    trigger: str = "schedule",
) -> tuple[FeedRunOut | None, list[int]]:
    """Poll a feed once: record its new entries as pending items.

    Returns the poll (None when another poll of the feed is live) and the new items' ids.
    """
    engine = session_factory.kw["bind"]
    with run_lock(engine, f"feed:{feed_id}") as taken:
        if not taken:
            logger.info("feed %d is being polled elsewhere; skipped", feed_id)
            return None, []
        with session_factory.begin() as session:
            feed = get_feed(session, feed_id)
            run_id = FeedRepository(session).start_run(feed.id, trigger).id
            url, kind, etag, last_modified = feed.url, feed.kind, feed.etag, feed.last_modified
            name = feed.name
        started = time.perf_counter()
        status, error, new_ids = RunStatus.SUCCEEDED, None, []
        entries = 0
        not_modified = False
        validators: tuple[str | None, str | None] | None = None
        try:
            with Fetcher.from_settings(settings) as fetcher:
                fetched = fetcher.get(url, etag=etag, last_modified=last_modified)
            not_modified = fetched.not_modified
            if not not_modified:
                listed = read_entries(fetched.content, fetched.url, FeedKind(kind))
                entries = len(listed)
                with session_factory.begin() as session:
                    repository = FeedRepository(session)
                    known = repository.known_keys(feed_id, [e.key for e in listed])
                    fresh = [e for e in listed if e.key not in known]
                    fresh = list({e.key: e for e in fresh}.values())
                    new_ids = repository.add_items(feed_id, fresh[: settings.monitor_max_new_items])
                validators = (fetched.etag, fetched.last_modified)
        except (FetchError, FeedFormatError) as failure:
            status, error = RunStatus.FAILED, str(failure)
        except Exception as failure:  # recorded on the run, never lost in a log only
            logger.exception("feed %s poll failed", name)
            status, error = RunStatus.FAILED, f"{type(failure).__name__}: {failure}"
        with session_factory.begin() as session:
            repository = FeedRepository(session)
            run = repository.run(run_id)
            stored = get_feed(session, feed_id)
            assert run is not None
            run.status = status.value
            run.error = error[:2000] if error else None
            run.finished_at = utcnow()
            run.duration_s = round(time.perf_counter() - started, 3)
            run.not_modified = not_modified
            run.entries = entries
            run.new_items = len(new_ids)
            stored.last_run_at = run.finished_at
            if validators is not None:
                stored.etag, stored.last_modified = validators
            session.flush()
            out = FeedRunOut.model_validate(run)
        logger.info("feed %s: %s, %d entries, %d new", name, status.value, entries, len(new_ids))
        return out, new_ids


# --- analysing one article -----------------------------------------------------------------


def _html(content: bytes, content_type: str | None) -> str:
    match = _CHARSET.search(content_type or "")
    try:
        return content.decode(match.group(1) if match else "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return content.decode("utf-8", errors="replace")


def _give_up(session_factory: sessionmaker[Session], item_id: int, reason: str) -> Outcome:
    with session_factory.begin() as session:
        FeedRepository(session).fail(item_id, reason[:2000])
    logger.info("feed item %d failed: %s", item_id, reason)
    return Outcome.FAILED


def _retry_or_give_up(
    session_factory: sessionmaker[Session],
    settings: Settings,
    item_id: int,
    attempts: int,
    reason: str,
) -> Outcome:
    if attempts >= settings.monitor_max_attempts:
        return _give_up(session_factory, item_id, f"{reason} (after {attempts} attempts)")
    delay = settings.jobs_tick_seconds * 2 ** (attempts - 1)
    with session_factory.begin() as session:
        FeedRepository(session).retry_later(
            item_id, reason[:2000], utcnow() + dt.timedelta(seconds=delay)
        )
    logger.info("feed item %d: %s; retry in %ds", item_id, reason, delay)
    return Outcome.RETRY


def _request(
    item: FeedItem, feed: Feed, fetcher: Fetcher, max_html_bytes: int
) -> AnalyzeRequest | str:
    """The analysis request for an item's page, or why there is none (FetchError passes)."""
    fetched = fetcher.get(item.url, accept=HTML_ACCEPT)
    content_type = (fetched.content_type or "").lower()
    if content_type and "html" not in content_type and "xml" not in content_type:
        return f"not an HTML page ({content_type.split(';')[0]})"
    if len(fetched.content) > max_html_bytes:
        return (
            f"page is {len(fetched.content):,} bytes; pages over {max_html_bytes:,} bytes"
            " are not extracted (CLAIMFLAG_MAX_HTML_BYTES)"
        )
    extracted = extract_article(_html(fetched.content, fetched.content_type), fetched.url)
    if extracted is None:
        return "no article text could be extracted"
    published: dt.datetime | dt.date | None = item.published_at or extracted.published
    try:
        return AnalyzeRequest(
            text=extracted.text,
            title=(item.title or extracted.title or "")[:1000] or None,
            url=item.url,
            published_at=published,
            language=feed.language,
        )
    except ValidationError as error:
        return f"unusable article: {error.errors()[0].get('msg', 'invalid')}"


def analyse_item(
    session_factory: sessionmaker[Session],
    pipeline: Pipeline,
    index: SearchBackend,
    settings: Settings,
    fetcher: Fetcher,
    item_id: int,
) -> Outcome:
    """Fetch, extract, analyse and store one pending article; see the module docstring."""
    with session_factory.begin() as session:
        repository = FeedRepository(session)
        item = repository.begin_attempt(item_id)
        if item is None:
            return Outcome.SKIPPED
        feed = get_feed(session, item.feed_id)
        session.expunge_all()
    try:
        request = _request(item, feed, fetcher, settings.max_html_bytes)
    except FetchError as error:
        if error.transient:
            return _retry_or_give_up(session_factory, settings, item_id, item.attempts, str(error))
        return _give_up(session_factory, item_id, str(error))
    if isinstance(request, str):
        return _give_up(session_factory, item_id, request)
    with session_factory() as session:
        try:
            response = analyze_article(
                session,
                pipeline,
                index,
                request,
                max_chars=settings.max_text_chars,
                settings=settings,
                submitted_by=f"feed {feed.name}"[:128],
                publisher=feed.name,
            )
        except ClaimflagError as error:
            session.rollback()
            return _give_up(session_factory, item_id, error.detail)
        except Exception as error:
            session.rollback()
            logger.exception("feed item %d: analysis failed", item_id)
            reason = f"analysis failed ({type(error).__name__})"
            return _retry_or_give_up(session_factory, settings, item_id, item.attempts, reason)
        if not FeedRepository(session).complete(
            item_id,
            article_id=response.article.id,
            sentences=response.article.sentences,
            flagged=sum(claim.flagged for claim in response.claims),
        ):
            session.rollback()  # analysed meanwhile by another attempt: keep only that one
            return Outcome.SKIPPED
        session.commit()
    return Outcome.ANALYSED
