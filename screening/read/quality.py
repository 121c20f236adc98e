"""Character error rate: how far an extraction is from a known text (golden tests, benchmarks)."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, bit-parallel (Myers/Hyyrö): fast enough for whole documents."""
    if not a:
        return len(b)
    peq: dict[str, int] = {}
    for i, ch in enumerate(a):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    high = 1 << (len(a) - 1)
    pv, mv, score = full, 0, len(a)
    for ch in b:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & full
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return score


def char_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance over reference length, whitespace ignored (layout is not content)."""
    ref, hyp = _SPACE.sub("", reference), _SPACE.sub("", hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))
