"""A variant's publishing state, as stored: a plain enum, importable without SQLAlchemy (the
calendar's first month is read before the data layer is imported; see
desktop.services.calendar_rows). desktop.store.models re-exports it."""

from __future__ import annotations

import enum


class VariantState(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    RETRYING = "retrying"
    PUBLISHED = "published"
    FAILED = "failed"
    NEEDS_RECONNECT = "needs_reconnect"
    CANCELLED = "cancelled"
    #: Some thread parts are public, the rest failed: retry resumes after the last live part.
    PARTIALLY_LIVE = "partially_live"
    #: Interrupted mid-publish where the network cannot be asked: the user checks the network.
    OUTCOME_UNKNOWN = "outcome_unknown"
    #: Saved by a CSV import still in progress: invisible to the publisher until released.
    IMPORTING = "importing"
