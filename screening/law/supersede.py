"""The supersession graph of a batch: which document repeals or replaces which.

A newer document often ends older ones in so many words: "《…》（文号）同时废止", "…停止执行",
"…不再执行". :func:`supersession_graph` resolves every such clause in a batch to the documents
it names, by 文号 (year and number equal, issuer codes compatible) and by title (the normalised
title or the name wrapped in 关于印发《…》的通知). A document never supersedes itself or a newer
document. :func:`supersession` turns the edges into ``repeal.superseded_in_batch`` findings on
the superseded documents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .rules import Finding, make_finding
from .structure import DocNumber, Span, Structure, normalize_title

#: Titles shorter than this are too generic to match on (《通知》, 《办法》).
MIN_TITLE = 6


@dataclass(frozen=True)
class Edge:
    """``newer`` ends ``older`` by the clause at ``span`` of ``newer``'s text."""

    newer: str
    older: str
    by: str  # "文号" or "标题"
    reference: str
    clause: str
    span: Span
    verb: str


def _codes_compatible(a: str, b: str) -> bool:
    # Codes read from running text may carry words before them (公告 vs 中国人民银行公告) or be
    # abbreviated differently; one must end with the other.
    return bool(a) and bool(b) and (a.endswith(b) or b.endswith(a))


def _title_keys(s: Structure) -> set[str]:
    """The names a later document may cite this one by: its title (whole and unwrapped) and the
    instruments it issues (a 公告 that publishes 《…暂行办法》 is repealed as that 办法)."""
    keys = set()
    if s.title:
        keys.add(normalize_title(s.title))
        keys.add(normalize_title(s.title, unwrap=False))
    keys.update(normalize_title(name) for name in s.promulgates)
    return {k for k in keys if len(k) >= MIN_TITLE}


def _without_issuer(title: str) -> str:
    """``中国人民银行关于…的通知`` → ``关于…的通知``; titles without 关于 unchanged."""
    at = title.find("关于")
    return title[at:] if at > 0 else title


def _strictly_older(a: Structure, b: Structure) -> bool:
    return a.issue_date is not None and b.issue_date is not None and a.issue_date < b.issue_date


class _Index:
    """The documents of a batch by 文号 and by the titles they may be cited by."""

    def __init__(self, batch: Sequence[tuple[str, Structure]]) -> None:
        self.structures = dict(batch)
        self.by_number: dict[tuple[int, int], list[tuple[str, DocNumber]]] = defaultdict(list)
        self.by_title: dict[str, list[str]] = defaultdict(list)
        # -- titles by their part from 关于 on, with whether an issuer stood before it
        self.by_short_title: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        for key, s in batch:
            if s.doc_number is not None:
                self.by_number[(s.doc_number.year, s.doc_number.number)].append((key, s.doc_number))
            for title in _title_keys(s):
                self.by_title[title].append(key)
                short = _without_issuer(title)
                self.by_short_title[short].append((key, short != title))

    def resolve(
        self, citing: Structure, titles: Sequence[str], numbers: Sequence[DocNumber]
    ) -> list[tuple[str, str, str]]:
        """The documents a clause of ``citing`` names: (key, "文号" or "标题", reference)."""
        found: list[tuple[str, str, str]] = []
        for ref in numbers:
            for key, number in self.by_number.get((ref.year, ref.number), []):
                if _codes_compatible(number.code, ref.code):
                    found.append((key, "文号", ref.raw))
        own_titles = _title_keys(citing)
        for name in titles:
            title = normalize_title(name)
            if len(title) < MIN_TITLE:
                continue
            # -- a revision that keeps its name (原《…办法》同时废止) ends only a strictly older
            # namesake: two copies of one file must not end each other
            same_name = title in own_titles and not numbers
            keys = self.by_title.get(title, [])
            if not keys:
                # -- cited with or without the issuer's name before 关于: one side may omit it,
                # but two different issuers' names mean two different documents
                short = _without_issuer(title)
                prefixed = short != title
                keys = [
                    k for k, has in self.by_short_title.get(short, []) if not (has and prefixed)
                ]
            if same_name:
                keys = [k for k in keys if _strictly_older(self.structures[k], citing)]
            found.extend((key, "标题", name) for key in keys)
        return found

    def older_or_same_age(self, newer: str, older: str) -> bool:
        """Whether ``older`` may be acted on by ``newer``: another document, not issued later."""
        if older == newer:
            return False
        a, b = self.structures[newer].issue_date, self.structures[older].issue_date
        return not (a is not None and b is not None and b > a)


def supersession_graph(batch: Sequence[tuple[str, Structure]]) -> list[Edge]:
    """Every resolved supersession edge in ``batch`` (pairs of document key and structure)."""
    index = _Index(batch)
    edges: list[Edge] = []
    seen: set[tuple[str, str]] = set()
    for newer, s in batch:
        for clause in s.supersessions:
            for older, by, reference in index.resolve(s, clause.titles, clause.doc_numbers):
                if (newer, older) in seen or not index.older_or_same_age(newer, older):
                    continue
                seen.add((newer, older))
                edges.append(
                    Edge(newer, older, by, reference, clause.clause, clause.span, clause.verb)
                )
    return edges


@dataclass(frozen=True)
class Renewal:
    """``newer`` extends the validity of ``older`` to ``until`` by the clause at ``span``."""

    newer: str
    older: str
    until: date
    clause: str
    span: Span


def extension_graph(batch: Sequence[tuple[str, Structure]]) -> dict[str, Renewal]:
    """The latest extension of each document a newer document of the batch extends
    (《…》（文号）有效期延长至…), by document key."""
    index = _Index(batch)
    latest: dict[str, Renewal] = {}
    for newer, s in batch:
        for ext in s.extensions:
            for older, _, _ in index.resolve(s, ext.titles, ext.doc_numbers):
                if not index.older_or_same_age(newer, older):
                    continue
                if older not in latest or ext.until > latest[older].until:
                    latest[older] = Renewal(newer, older, ext.until, ext.clause, ext.span)
    return latest


def _describe(s: Structure, key: str) -> str:
    parts = [f"《{s.title}》" if s.title else key]
    if s.doc_number is not None:
        parts.append(f"（{s.doc_number.raw}）")
    return "".join(parts)


def supersession(batch: Sequence[tuple[str, Structure]]) -> dict[str, list[Finding]]:
    """``repeal.superseded_in_batch`` findings per superseded document key.

    Each finding's ``span`` points into the text of the newer document (``finding.source``),
    and its excerpt is the clause that ends the older one.
    """
    structures = dict(batch)
    result: dict[str, list[Finding]] = defaultdict(list)
    for edge in supersession_graph(batch):
        newer = _describe(structures[edge.newer], edge.newer)
        result[edge.older].append(
            make_finding(
                "repeal.superseded_in_batch",
                edge.span,
                edge.clause,
                f"本批次文件{newer}按{edge.by}“{edge.reference}”载明本文件{edge.verb}。",
                source=edge.newer,
            )
        )
    return dict(result)
