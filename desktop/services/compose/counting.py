"""Counting and checking a document the way each target network does (pure and fast: fine on
the GUI thread on every keystroke)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import regex

from desktop.services import app_settings, utm
from desktop.services.compose.document import ComposeDoc, MediaRef, Target
from desktop.services.posts import REQUIRE_ALT_TEXT
from providers.base import Limits, PostPart, PostRequest, Problem, Provider

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from providers.registry import Registry

_GRAPHEME = regex.compile(r"\X")

#: Counters turn amber at this share of the limit.
WARN_RATIO = 0.9


@dataclass(frozen=True)
class Count:
    """One part's length as a network counts it, against its limit."""

    length: int
    limit: int

    @property
    def level(self) -> str:
        """ "ok", "warn" (≥ 90 % of the limit) or "over"."""
        if self.length > self.limit:
            return "over"
        return "warn" if self.length >= self.limit * WARN_RATIO else "ok"


def measure_parts(provider: Provider, limits: Limits, parts: Sequence[str]) -> list[Count]:
    return [Count(provider.measure(p, limits), limits.max_chars) for p in parts]


def tagged(doc: ComposeDoc, target: Target, texts: Sequence[str], campaign: Any | None) -> list[str]:
    """``texts`` with ``campaign``'s UTM tags as ``target``'s network gets them (links the user
    opted out left alone); unchanged without a campaign. ``campaign``: a ``CampaignRow``."""
    if campaign is None or not doc.campaign:
        return list(texts)
    return utm.tag_parts(texts, utm.params_for(campaign, target.network), skip=doc.no_utm)


def measure_all(
    doc: ComposeDoc, targets: Mapping[int, Target], registry: Registry, *, campaign: Any | None = None
) -> dict[int, list[Count]]:
    """Each selected account's part lengths, counted as its network counts them (links tagged
    with ``campaign``'s UTM parameters, as they will go out).

    Accounts of one network with the same limits and texts count alike, so each such text is
    measured once (seven accounts on two networks: two counts per keystroke, not seven)."""
    out: dict[int, list[Count]] = {}
    seen: dict[tuple[str, Limits, tuple[str, ...]], list[Count]] = {}
    for account_id in doc.account_ids:
        t = targets.get(account_id)
        if t is None:  # not loaded (yet): nothing to count against
            continue
        texts = tuple(tagged(doc, t, doc.parts_for(account_id), campaign))
        key = (t.network, t.limits, texts)
        if key not in seen:
            seen[key] = measure_parts(registry.get(t.network), t.limits, texts)
        out[account_id] = list(seen[key])
    return out


def request_for(doc: ComposeDoc, target: Target, *, campaign: Any | None = None) -> PostRequest:
    """What the provider would be asked to publish for ``target`` (first comment included, links
    tagged with ``campaign``'s UTM parameters)."""
    texts = doc.parts_for(target.account_id)
    if doc.first_comment.strip() and target.threads:
        texts = [*texts, doc.first_comment]
    texts = tagged(doc, target, texts, campaign)
    media = tuple(m.item() for m in doc.media_for(target.account_id))
    parts = tuple(PostPart(t, media if i == 0 else ()) for i, t in enumerate(texts))
    return PostRequest(parts=parts, link=doc.link or None)


def validate_target(
    doc: ComposeDoc,
    target: Target,
    provider: Provider,
    *,
    require_alt: bool = False,
    campaign: Any | None = None,
) -> list[Problem]:
    """The problems ``target``'s network would refuse the post for, plus the user's own rules."""
    request = request_for(doc, target, campaign=campaign)
    problems = list(provider.validate(request, target.limits))
    if require_alt and target.alt_text:
        for m in request.parts[0].media:
            if m.mime.startswith("image/") and not m.alt_text.strip():
                problems.append(Problem("alt_missing", f"{m.path.name} has no alt text (describe the image)."))
    return problems


def validate_all(
    doc: ComposeDoc,
    targets: Mapping[int, Target],
    registry: Registry,
    *,
    require_alt: bool = False,
    campaign: Any | None = None,
) -> dict[int, list[Problem]]:
    """Each selected account's problems (an empty list: ready to schedule)."""
    return {
        a: validate_target(
            doc, targets[a], registry.get(targets[a].network), require_alt=require_alt, campaign=campaign
        )
        for a in doc.account_ids
        if a not in doc.locked and a in targets
    }


def check_media(media: MediaRef, targets: Iterable[Target], registry: Registry) -> dict[int, list[Problem]]:
    """Whether each target network takes this file (type, size), checked when it is added."""
    out: dict[int, list[Problem]] = {}
    for t in targets:
        request = PostRequest.single("x", [media.item()])
        found = [p for p in registry.get(t.network).validate(request, t.limits) if p.code.startswith("media")]
        if found:
            out[t.account_id] = found
    return out


def require_alt_text(ctx: AppContext) -> bool:
    return bool(app_settings.get(ctx, REQUIRE_ALT_TEXT))


def over_limit_from(
    provider: Provider, limits: Limits, text: str, *, prepare: Callable[[str], str] | None = None
) -> int | None:
    """Where ``text`` goes past ``limits.max_chars`` as ``provider`` counts it: the index (in
    ``text``, a whole grapheme) of the first character over the limit, or None when it fits.
    ``prepare`` turns a prefix into what is really sent (e.g. links with their UTM tags)."""

    def length(prefix: str) -> int:
        return provider.measure(prepare(prefix) if prepare else prefix, limits)

    if length(text) <= limits.max_chars:
        return None
    ends = [m.end() for m in _GRAPHEME.finditer(text)]  # prefix ends at grapheme boundaries
    lo, hi = 0, len(ends) - 1  # the answer: the longest prefix that fits
    fits = 0
    while lo <= hi:
        mid = (lo + hi) // 2
        if length(text[: ends[mid]]) <= limits.max_chars:
            fits, lo = ends[mid], mid + 1
        else:
            hi = mid - 1
    return fits
