"""The triage queue's operations, one import away: what the routers, the UI and the analysis
call. They live by idea in ``queueing`` (storing analyses, priority, duplicates),
``learning`` (reviewers' decisions reused), ``reading`` (items, lists, details, articles)
and ``workflow`` (take, release, resolve, reopen, notes, deleted fact-checks).
"""

from service.triage.learning import (
    REVIEWER_REASON,
    apply_reviewer_decisions,
)
from service.triage.queueing import (
    DEBUNKING_FACTOR,
    UNKNOWN_SEVERITY,
    priority,
    store_analysis,
)
from service.triage.reading import (
    get_article,
    item_claim_review,
    item_detail,
    item_out,
    list_queue,
)
from service.triage.workflow import (
    ConflictError,
    add_note,
    claim_item,
    forget_fact_check,
    next_item,
    release_item,
    reopen_item,
    resolve_item,
)

__all__ = [
    "DEBUNKING_FACTOR",
    "REVIEWER_REASON",
    "UNKNOWN_SEVERITY",
    "ConflictError",
    "add_note",
    "apply_reviewer_decisions",
    "claim_item",
    "forget_fact_check",
    "get_article",
    "item_claim_review",
    "item_detail",
    "item_out",
    "list_queue",
    "next_item",
    "priority",
    "release_item",
    "reopen_item",
    "resolve_item",
    "store_analysis",
]
