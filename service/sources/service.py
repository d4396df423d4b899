"""Sources: managing them, and one run of a source (fetch incrementally, import, record).

A run takes the source's run lock (one live run per source, released if its process
dies), fetches only what changed since the last run (ETag / Last-Modified, a content
hash, a sitemap's ``lastmod``; a google query asks only for reviews since the newest
review date seen, less a day), imports through the same importers and ``ingest`` as
``claimflag import`` (a changed rating becomes a history entry, never a duplicate), and
records a summary. A document's validators are stored only after its records were
committed, so a run that dies midway is simply redone by the next one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from claims_db.base import utcnow
from claims_db.importers.nesting import check_json_depth
from claims_db.importers.pages import DocumentError, PageItem, read_document
from claims_db.importers.records import ImportItem
from claims_db.importers.sitemaps import SitemapEntry, read_sitemap
from claims_db.ingest import MAX_ERRORS_KEPT, ClaimEncoder, IngestSummary, ingest
from claims_db.repository import FactCheckInput
from claims_db.run_lock import run_lock
from claims_db.sync_models import RunStatus, Source, SourceDocument, SourceKind, SourceRun
from claims_db.sync_repository import SourceRepository
from models.embedding import Embedder
from service.config import Settings
from service.errors import ConflictError, NotFoundError, UnprocessableError
from service.fetcher import Fetched, Fetcher, FetchError, redact
from service.sources.schemas import SourceCreate, SourceOut, SourceRunOut, SourceUpdate

logger = logging.getLogger(__name__)

# Child sitemaps a sitemap index may name; beyond this they are ignored (and reported).
MAX_CHILD_SITEMAPS = 50
# Records asked for per page of a google claims:search query.
GOOGLE_PAGE_SIZE = 100
ERRORS_KEPT = 50
JSON_ACCEPT = "application/ld+json, application/json;q=0.9, text/html;q=0.8, */*;q=0.5"


# --- managing sources ----------------------------------------------------------------------


def _source_out(source: Source, last_run: SourceRun | None) -> SourceOut:
    out = SourceOut.model_validate(source)
    out.last_run = SourceRunOut.model_validate(last_run) if last_run else None
    return out


def get_source(session: Session, source_id: int) -> Source:
    source = SourceRepository(session).get(source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id}")
    return source


def find_source(session: Session, name_or_id: str) -> Source:
    """A source by name, or by id when given digits."""
    repository = SourceRepository(session)
    source = repository.by_name(name_or_id)
    if source is None and name_or_id.isdigit():
        source = repository.get(int(name_or_id))
    if source is None:
        raise NotFoundError(f"no source named {name_or_id!r}")
    return source


def list_sources(session: Session) -> list[SourceOut]:
    repository = SourceRepository(session)
    sources = repository.all()
    last = repository.last_runs(s.id for s in sources)
    return [_source_out(s, last.get(s.id)) for s in sources]


def source_detail(session: Session, source_id: int) -> SourceOut:
    source = get_source(session, source_id)
    return _source_out(source, SourceRepository(session).last_runs([source.id]).get(source.id))


def create_source(session: Session, body: SourceCreate) -> SourceOut:
    """Add a source, due at once; 409 if the name is taken."""
    repository = SourceRepository(session)
    if repository.by_name(body.name) is not None:
        raise ConflictError(f"a source named {body.name!r} exists")
    source = Source(
        name=body.name,
        kind=body.kind.value,
        url=body.url,
        query=body.query,
        language=body.language,
        interval_minutes=body.interval_minutes,
        enabled=body.enabled,
        next_run_at=utcnow(),
    )
    try:
        with session.begin_nested():
            repository.add(source)
    except IntegrityError as exc:  # a concurrent create with the same name
        raise ConflictError(f"a source named {body.name!r} exists") from exc
    return _source_out(source, None)


def update_source(session: Session, source_id: int, body: SourceUpdate) -> SourceOut:
    source = get_source(session, source_id)
    changes = body.model_dump(exclude_unset=True)
    if source.kind == SourceKind.GOOGLE.value and changes.get("url"):
        raise UnprocessableError("a google source has a query, not a url")
    if source.kind != SourceKind.GOOGLE.value and changes.get("query"):
        raise UnprocessableError(f"a {source.kind} source has a url, not a query")
    for name in ("url", "query"):
        if name in changes and changes[name] is None:
            raise UnprocessableError(f"`{name}` cannot be removed")
    for name, value in changes.items():
        setattr(source, name, value)
    if "url" in changes or "query" in changes:
        # Another document: what was fetched from the old one says nothing about it.
        SourceRepository(session).forget_documents(source.id)
        source.newest_review_date = None
    session.flush()
    return source_detail(session, source.id)


def delete_source(session: Session, source_id: int) -> None:
    """Delete a source and its runs; the fact-checks it imported stay."""
    SourceRepository(session).delete(get_source(session, source_id))


def request_run(session: Session, source_id: int) -> SourceOut:
    """Make the source due now: the job runner starts it at its next tick (409 if paused)."""
    source = get_source(session, source_id)
    if not source.enabled:
        raise ConflictError(f"source {source.name} is paused: enable it to run it")
    source.next_run_at = utcnow()
    session.flush()
    return source_detail(session, source.id)


def runs(session: Session, source_id: int, limit: int = 20) -> list[SourceRunOut]:
    get_source(session, source_id)
    return [
        SourceRunOut.model_validate(r) for r in SourceRepository(session).runs(source_id, limit)
    ]


# --- one run ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Progress:
    """Counts of a run in progress."""

    fetched: int = 0
    not_modified: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    newest: dt.date | None = None

    def error(self, message: str) -> None:
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append(message)

    def absorb(self, summary: IngestSummary) -> None:
        self.added += summary.inserted
        self.updated += summary.updated
        self.unchanged += summary.unchanged
        self.rejected += summary.rejected
        room = ERRORS_KEPT - len(self.rejections)
        self.rejections.extend(summary.errors[: max(room, 0)])


@dataclass(slots=True)
class _Run:
    """What a run needs at hand, and the documents whose validators wait for the commit."""

    source: Source
    session_factory: sessionmaker[Session]
    embedder: Embedder
    settings: Settings
    fetcher: Fetcher
    documents: dict[str, SourceDocument]
    full: bool
    multilingual: ClaimEncoder | None = None
    progress: _Progress = field(default_factory=_Progress)
    done: list[tuple[str, Fetched | None, str | None]] = field(default_factory=list)
    failed: int = 0

    @property
    def actor(self) -> str:
        return f"source {self.source.name}"

    def validators(self, url: str) -> tuple[str | None, str | None]:
        known = None if self.full else self.documents.get(url)
        return (known.etag, known.last_modified) if known else (None, None)

    def unchanged_content(self, url: str, digest: str) -> bool:
        known = self.documents.get(url)
        return not self.full and known is not None and known.content_sha256 == digest

    def remember_done(self) -> None:
        """Store the validators of the documents read (their records are committed)."""
        if not self.done:
            return
        with self.session_factory.begin() as session:
            repository = SourceRepository(session)
            for url, fetched, lastmod in self.done:
                known = self.documents.get(url)
                changed = fetched is not None and not fetched.not_modified
                repository.save_document(
                    self.source.id,
                    url,
                    etag=(fetched.etag if fetched else None) or (known.etag if known else None),
                    last_modified=(fetched.last_modified if fetched else None)
                    or (known.last_modified if known else None),
                    lastmod=lastmod,
                    content_sha256=(
                        hashlib.sha256(fetched.content).hexdigest()
                        if fetched is not None and changed
                        else (known.content_sha256 if known else None)
                    ),
                )
        self.done.clear()

    def observe(self, items: Iterable[PageItem]) -> Iterator[ImportItem]:
        """The import items of documents; document errors are recorded, dates watched."""
        for item in items:
            if isinstance(item, DocumentError):
                self.progress.error(str(item))
                continue
            if isinstance(item, FactCheckInput) and item.review_date:
                newest = self.progress.newest
                self.progress.newest = max(newest, item.review_date) if newest else item.review_date
            yield item

    def import_items(self, items: Iterable[PageItem]) -> None:
        """Ingest every item (fetching lazily), then store the documents' validators."""
        summary = ingest(
            self.session_factory,
            self.embedder,
            self.observe(items),
            actor=self.actor,
            multilingual=self.multilingual,
        )
        self.progress.absorb(summary)
        self.remember_done()


def _document_items(run: _Run, url: str, lastmod: str | None = None) -> Iterator[PageItem]:
    """The records of one document when it changed since the last run; failures recorded."""
    etag, last_modified = run.validators(url)
    try:
        fetched = run.fetcher.get(url, etag=etag, last_modified=last_modified, accept=JSON_ACCEPT)
    except FetchError as error:
        run.progress.error(str(error))
        run.failed += 1
        return
    if fetched.not_modified:
        run.progress.not_modified += 1
        run.done.append((url, None, lastmod))
        return
    if run.unchanged_content(url, hashlib.sha256(fetched.content).hexdigest()):
        run.progress.not_modified += 1
    else:
        run.progress.fetched += 1
        yield from read_document(fetched.content, url, run.source.name)
    run.done.append((url, fetched, lastmod))


def _sync_claimreview(run: _Run) -> None:
    assert run.source.url is not None
    run.import_items(_document_items(run, run.source.url))
    if run.failed:
        raise _RunFailed(run.progress.errors.pop())


def _sitemap_pages(run: _Run, url: str) -> tuple[list[SitemapEntry], Fetched]:
    """The pages a sitemap lists (its children's too); no pages when it is unchanged."""
    etag, last_modified = run.validators(url)
    try:
        fetched = run.fetcher.get(url, etag=etag, last_modified=last_modified)
    except FetchError as error:
        raise _RunFailed(str(error)) from error
    if fetched.not_modified:
        return [], fetched
    try:
        sitemap = read_sitemap(fetched.content)
    except ValueError as error:
        raise _RunFailed(f"{redact(url)}: {error}") from error
    pages = list(sitemap.pages)
    if len(sitemap.children) > MAX_CHILD_SITEMAPS:
        run.progress.error(
            f"{redact(url)}: {len(sitemap.children)} child sitemaps; the first "
            f"{MAX_CHILD_SITEMAPS} were read"
        )
    for child in sitemap.children[:MAX_CHILD_SITEMAPS]:
        try:
            pages += read_sitemap(run.fetcher.get(child.url).content).pages
        except (FetchError, ValueError) as error:
            run.progress.error(f"{redact(child.url)}: {error}")
            run.failed += 1
    return pages, fetched


def _sync_sitemap(run: _Run) -> None:
    assert run.source.url is not None
    pages, fetched = _sitemap_pages(run, run.source.url)
    if fetched.not_modified:
        run.progress.not_modified += 1
        return
    # Newest first, so that a capped run takes the latest reviews.
    pages.sort(key=lambda page: page.lastmod or "", reverse=True)
    wanted: list[SitemapEntry] = []
    seen: set[str] = set()
    for page in pages:
        if page.url in seen:
            continue
        seen.add(page.url)
        known = run.documents.get(page.url)
        if not run.full and known and page.lastmod and known.lastmod == page.lastmod:
            run.progress.not_modified += 1
        else:
            wanted.append(page)
    budget = run.settings.sitemap_max_pages
    if len(wanted) > budget:
        run.progress.error(
            f"{len(wanted)} pages changed; {budget} read now (CLAIMFLAG_SITEMAP_MAX_PAGES), "
            "the rest next run"
        )
    run.import_items(
        item for page in wanted[:budget] for item in _document_items(run, page.url, page.lastmod)
    )
    if not run.failed and len(wanted) <= budget:
        # Every page is in: next run may skip the whole sitemap while it is unchanged.
        run.done.append((run.source.url, fetched, None))
        run.remember_done()


def _google_params(run: _Run, page_token: str | None) -> dict[str, str]:
    source = run.source
    params = {
        "query": source.query or "",
        "pageSize": str(GOOGLE_PAGE_SIZE),
        "key": run.settings.google_factcheck_api_key or "",
    }
    if source.language:
        params["languageCode"] = source.language
    if source.newest_review_date and not run.full:
        # A day of overlap: reviews dated on the newest day may have been added since.
        age = (dt.date.today() - source.newest_review_date).days + 1
        params["maxAgeDays"] = str(max(age, 1))
    if page_token:
        params["pageToken"] = page_token
    return params


def _google_items(run: _Run) -> Iterator[PageItem]:
    """The records of every result page, following nextPageToken (fetched as consumed)."""
    page_token: str | None = None
    for _page in range(run.settings.google_factcheck_max_pages):
        try:
            fetched = run.fetcher.get(
                run.settings.google_factcheck_url,
                params=_google_params(run, page_token),
                accept="application/json",
            )
        except FetchError as error:
            raise _RunFailed(str(error)) from error
        run.progress.fetched += 1
        try:
            check_json_depth(fetched.content)
            body = json.loads(fetched.content)
        except ValueError as error:
            raise _RunFailed(f"claims:search answered with malformed JSON ({error})") from error
        yield from read_document(fetched.content, "claims:search", run.source.name)
        token = body.get("nextPageToken") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            return
        page_token = token
    run.progress.error(
        f"stopped after {run.settings.google_factcheck_max_pages} pages "
        "(CLAIMFLAG_GOOGLE_FACTCHECK_MAX_PAGES); the rest comes next run"
    )


def _sync_google(run: _Run) -> None:
    if not run.settings.google_factcheck_api_key:
        raise _RunFailed("no API key: set CLAIMFLAG_GOOGLE_FACTCHECK_API_KEY")
    run.import_items(_google_items(run))


class _RunFailed(Exception):
    """The run cannot go on (its feed cannot be fetched or read)."""


SYNCS: dict[SourceKind, Callable[[_Run], None]] = {
    SourceKind.CLAIMREVIEW: _sync_claimreview,
    SourceKind.SITEMAP: _sync_sitemap,
    SourceKind.GOOGLE: _sync_google,
}


def run_source(
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    settings: Settings,
    source_id: int,
    *,
    trigger: str = "schedule",
    full: bool = False,
    multilingual: ClaimEncoder | None = None,
) -> SourceRunOut | None:
    """Run one sync of a source and record it; None when another run of it is live.

    Args:
        session_factory: Sessions on the database.
        embedder: Embeds new and changed claims.
        settings: Fetch limits, the google key and endpoint.
        source_id: The source.
        trigger: Recorded on the run (``schedule``, ``manual``, ``cli``).
        full: Ignore validators and the review-date cursor: fetch and read everything.
        multilingual: Also writes new and changed claims' multilingual vectors.
    """
    engine = session_factory.kw["bind"]
    with run_lock(engine, f"source:{source_id}") as taken:
        if not taken:
            logger.info("source %d is being synced elsewhere; skipped", source_id)
            return None
        with session_factory.begin() as session:
            repository = SourceRepository(session)
            source = get_source(session, source_id)
            run_row = repository.start_run(source.id, trigger)
            run_id = run_row.id
            documents = repository.documents(source.id)
            session.expunge(source)
        started = time.perf_counter()
        status, error = RunStatus.SUCCEEDED, None
        with Fetcher.from_settings(settings) as fetcher:
            run = _Run(
                source, session_factory, embedder, settings, fetcher, documents, full, multilingual
            )
            try:
                SYNCS[SourceKind(source.kind)](run)
            except _RunFailed as failure:
                status, error = RunStatus.FAILED, str(failure)
            except Exception as failure:  # recorded on the run, never lost in a log only
                logger.exception("source %s run failed", source.name)
                status, error = RunStatus.FAILED, f"{type(failure).__name__}: {failure}"
        progress = run.progress
        if status is RunStatus.SUCCEEDED and progress.errors:
            status = RunStatus.PARTIAL
        with session_factory.begin() as session:
            row = SourceRepository(session).run(run_id)
            stored = get_source(session, source_id)
            assert row is not None
            row.status = status.value
            row.error = error[:2000] if error else None
            row.finished_at = utcnow()
            row.duration_s = round(time.perf_counter() - started, 3)
            for name in ("fetched", "not_modified", "added", "updated", "unchanged", "rejected"):
                setattr(row, name, getattr(progress, name))
            row.rejections = progress.rejections[:MAX_ERRORS_KEPT]
            row.errors = progress.errors
            stored.last_run_at = row.finished_at
            if progress.newest and (
                stored.newest_review_date is None or progress.newest > stored.newest_review_date
            ):
                stored.newest_review_date = progress.newest
            session.flush()
            out = SourceRunOut.model_validate(row)
        logger.info(
            "source %s: %s, %d fetched, %d added, %d updated, %d rejected in %.1fs",
            source.name,
            status.value,
            out.fetched,
            out.added,
            out.updated,
            out.rejected,
            out.duration_s or 0.0,
        )
        return out


def schedule_due(session: Session, now: dt.datetime) -> list[int]:
    """Ids of the sources due now, each given its next run time (committed by the caller)."""
    due = []
    for source in SourceRepository(session).due(now):
        source.next_run_at = now + dt.timedelta(minutes=source.interval_minutes)
        due.append(source.id)
    session.flush()
    return due
