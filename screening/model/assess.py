"""Assess documents: the model's genre call, the legal rules' findings, and the label they give.

One place joins :mod:`screening.model.classifier` (text → ``p_kind``), :mod:`screening.law.rules`
(text + as-of date → findings) and :mod:`screening.law.batch` (what a batch says about each file),
so that screening, evaluation, reports and training all decide the same way
(docs/decision-policy.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..law import REPEAL as REPEAL_GROUP
from ..law import Analysis, BatchContext, Finding, Metadata, Renewal, RuleConfig, analyze
from .classifier import REPEAL_CATEGORIES, KindScore, Prediction, ScreeningModel

#: Rules whose findings can be a repeal reason (the categories of the model's repeal table).
REASON_RULES = frozenset(rule_id for _, rule_id in REPEAL_CATEGORIES)


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


def finding_dicts(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in findings]
