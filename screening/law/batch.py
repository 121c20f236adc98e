"""Reading a batch as one: what its files say about each other.

A newer file that names an older one (by 文号 or title) and says 同时废止 ends it; one that says
有效期延长至… keeps it in force; an issuer whose files show a normative series and issues a rule
under an ordinary number did not register it. :func:`batch_context` gathers all three per file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .evidence import Fact, registration_practice
from .rules import Finding
from .structure import Structure
from .supersede import Renewal, extension_graph, supersession


@dataclass
class BatchContext:
    """What a batch says about each of its documents, by document key: newer files that end it
    (supersession findings), newer files that extend its validity, and the issuers' registration
    practice (``unregistered`` facts)."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    renewals: dict[str, Renewal] = field(default_factory=dict)
    facts: dict[str, list[Fact]] = field(default_factory=dict)

    def findings_for(self, key: str) -> list[Finding]:
        return self.findings.get(key, [])


def batch_context(
    structures: Sequence[tuple[str, Structure]], as_of: date | dict[str, date]
) -> BatchContext:
    """Read a batch as one: supersession findings (a newer document counts only if it was issued
    on or before the as-of date of the document it ends — ``as_of`` may differ per document, as in
    the corpus), validity renewals by newer documents, and the issuers' registration practice."""
    issued = {key: s.issue_date for key, s in structures}

    def in_time(key: str, source: str | None) -> bool:
        limit = as_of[key] if isinstance(as_of, dict) else as_of
        return source is None or issued.get(source) is None or issued[source] <= limit  # type: ignore[operator]

    findings: dict[str, list[Finding]] = {}
    for key, found in supersession(structures).items():
        kept = [f for f in found if in_time(key, f.source)]
        if kept:
            findings[key] = kept
    renewals = {
        key: renewal
        for key, renewal in extension_graph(structures).items()
        if in_time(key, renewal.newer)
    }
    return BatchContext(findings, renewals, registration_practice(list(structures)))


def batch_findings(
    structures: Sequence[tuple[str, Structure]], as_of: date | dict[str, date]
) -> dict[str, list[Finding]]:
    """``repeal.superseded_in_batch`` findings per document key (see :func:`batch_context`)."""
    return batch_context(structures, as_of).findings
