"""The composer's document and what is done with it, without Qt.

- :mod:`.document`: the document model (:class:`ComposeDoc`, :class:`MediaRef`, :class:`Target`,
  :class:`Override`);
- :mod:`.targets`: the accounts the composer can post to;
- :mod:`.counting`: measuring and validating it the way each target network counts (through
  the providers and each account's stored Limits);
- :mod:`.splitting`: cutting a long text at the limit;
- :mod:`.persistence`: saving it to / loading it from the store, editing a post in place so
  every variant keeps its idempotency key.

Everything public is re-exported here: ``from desktop.services.compose import ComposeDoc``.
"""

from __future__ import annotations

from desktop.services.compose.counting import (
    WARN_RATIO,
    Count,
    check_media,
    measure_all,
    measure_parts,
    over_limit_from,
    request_for,
    require_alt_text,
    tagged,
    validate_all,
    validate_target,
)
from desktop.services.compose.document import ComposeDoc, MediaRef, Override, Target, without_override
from desktop.services.compose.persistence import (
    CHANGED_ELSEWHERE,
    LOCKED,
    discard_draft,
    load_post,
    newest_draft,
    save_draft,
    schedule,
    store_file,
)
from desktop.services.compose.splitting import auto_split
from desktop.services.compose.targets import list_targets
from desktop.services.posts import REQUIRE_ALT_TEXT, When

__all__ = [
    "CHANGED_ELSEWHERE",
    "LOCKED",
    "REQUIRE_ALT_TEXT",
    "WARN_RATIO",
    "ComposeDoc",
    "Count",
    "MediaRef",
    "Override",
    "Target",
    "When",
    "auto_split",
    "check_media",
    "discard_draft",
    "list_targets",
    "load_post",
    "measure_all",
    "measure_parts",
    "newest_draft",
    "over_limit_from",
    "request_for",
    "require_alt_text",
    "save_draft",
    "schedule",
    "store_file",
    "tagged",
    "validate_all",
    "validate_target",
    "without_override",
]
