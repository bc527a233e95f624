"""Cutting a long text into thread parts that each fit a network's limit."""

from __future__ import annotations

import re

from providers.base import Limits, Provider

_TOKEN = re.compile(r"\S+\s*")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"')\]]*\s+$")


def auto_split(text: str, provider: Provider, limits: Limits, *, numbering: bool = False) -> list[str]:
    """``text`` cut into parts that each fit ``limits`` as ``provider`` counts, at sentence
    boundaries where possible, else between words (a word longer than a part is cut).
    With ``numbering``, each part ends in " 1/3" and still fits."""
    text = text.strip()
    if not text:
        return [""]
    if provider.measure(text, limits) <= limits.max_chars:
        return [text]
    reserve = 0
    parts = [text]
    for _ in range(4):  # the suffix width depends on the count, which depends on the width
        reserve = len(f" {len(parts)}/{len(parts)}") if numbering else 0
        parts = _split(text, provider, limits, limits.max_chars - reserve)
        if not numbering or len(f" {len(parts)}/{len(parts)}") <= reserve:
            break
    if numbering:
        parts = [f"{p} {i}/{len(parts)}" for i, p in enumerate(parts, 1)]
    return parts


def _split(text: str, provider: Provider, limits: Limits, budget: int) -> list[str]:
    def fits(chunk: str) -> bool:
        return provider.measure(chunk.strip(), limits) <= budget

    tokens = _TOKEN.findall(text)
    parts: list[str] = []
    current: list[str] = []
    for token in tokens:
        if fits("".join([*current, token])):
            current.append(token)
            continue
        if current:
            # prefer to end the part at its last sentence end, if that keeps it at least half full
            cut = max((i for i, t in enumerate(current) if _SENTENCE_END.search(t)), default=-1) + 1
            if cut and cut < len(current) and len("".join(current[:cut])) * 2 >= len("".join(current)):
                parts.append("".join(current[:cut]).strip())
                current = current[cut:]
            else:
                parts.append("".join(current).strip())
                current = []
            if fits("".join([*current, token])):
                current.append(token)
                continue
            if current:
                parts.append("".join(current).strip())
                current = []
        # one word longer than a whole part: cut it
        piece = ""
        for ch in token:
            if piece and not fits(piece + ch):
                parts.append(piece.strip())
                piece = ""
            piece += ch
        current = [piece]
    if current and "".join(current).strip():
        parts.append("".join(current).strip())
    return parts
