"""Assess documents: the model's genre call, the legal rules' findings, and the label they give.

One place joins :mod:`screening.model` (text → ``p_kind``), :mod:`screening.rules` (text +
as-of date → findings) and :mod:`screening.supersede` (a batch → which documents a newer one
ends), so that screening, evaluation, reports and training all decide the same way
(docs/decision-policy.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .evidence import Fact, registration_practice
from .metadata import Metadata
from .model import REPEAL_CATEGORIES, KindScore, Prediction, ScreeningModel
from .rules import REPEAL as REPEAL_GROUP
from .rules import Analysis, Finding, RuleConfig, analyze
from .structure import Structure
from .supersede import Renewal, extension_graph, supersession

#: Rules whose findings can be a repeal reason (the categories of the model's repeal table).
REASON_RULES = frozenset(rule_id for _, rule_id in REPEAL_CATEGORIES)


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


@dataclass
class Assessment:
    """Everything decided about one document at one as-of date, within its batch."""

    prediction: Prediction
    analysis: Analysis
    batch_findings: list[Finding] = field(default_factory=list)
    #: Validity findings a newer file of the batch made moot by extending the document.
    renewal: Renewal | None = None

    @property
    def label(self) -> str:
        return self.prediction.label

    @property
    def findings(self) -> list[Finding]:
        """The findings to show for the label (normative-only rules hidden for other files)."""
        return [
            f for f in self.analysis.findings_for(self.label) if not self._renewed(f)
        ] + self.batch_findings

    @property
    def findings_all(self) -> list[Finding]:
        """Every finding, whatever the label (a later batch rule may change the label)."""
        return [f for f in self.analysis.findings if not self._renewed(f)] + self.batch_findings

    def _renewed(self, finding: Finding) -> bool:
        return self.renewal is not None and finding.rule_id == "repeal.validity_expired"

    @property
    def repeal_reasons(self) -> list[Finding]:
        """Repeal-group findings (reasons when the label is repeal, signals otherwise)."""
        return [f for f in self.findings if f.rule.group == REPEAL_GROUP]

    @property
    def flags(self) -> list[Finding]:
        """Legality and fair-competition red flags."""
        return [f for f in self.findings if f.rule.group != REPEAL_GROUP]


def analyze_text(
    text: str, meta: Metadata, as_of: date, config: RuleConfig | None = None
) -> Analysis:
    """The rules' reading of one text at ``as_of``."""
    return analyze(text, as_of, config, hints=meta)


def assess(
    model: ScreeningModel,
    kind: KindScore,
    analysis: Analysis,
    batch: BatchContext | None = None,
    key: str | None = None,
) -> Assessment:
    """Combine the text part's score, the legal facts on the genre and the document's own and
    batch findings. ``batch`` and ``key`` place the document in its batch."""
    batch = batch or BatchContext()
    extra = batch.findings.get(key, []) if key is not None else []
    renewal = batch.renewals.get(key) if key is not None else None
    if renewal is not None and renewal.until < analysis.as_of:
        renewal = None  # -- extended, but the extension has run out as well
    rule_ids = [
        f.rule_id
        for f in analysis.findings
        if not (renewal is not None and f.rule_id == "repeal.validity_expired")
    ] + [f.rule_id for f in extra]
    genre = model.with_facts(kind, analysis.facts)
    if key is not None and batch.facts.get(key):
        genre = model.shift(genre, batch.facts[key])
    prediction = model.combine(genre, rule_ids, analysis.structure.issuer_level)
    return Assessment(prediction, analysis, list(extra), renewal)


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


def finding_dicts(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in findings]
