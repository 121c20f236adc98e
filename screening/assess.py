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

from .metadata import Metadata
from .model import REPEAL_CATEGORIES, KindScore, Prediction, ScreeningModel
from .rules import REPEAL as REPEAL_GROUP
from .rules import Analysis, Finding, RuleConfig, analyze
from .structure import Structure
from .supersede import supersession

#: Rules whose findings can be a repeal reason (the categories of the model's repeal table).
REASON_RULES = frozenset(rule_id for _, rule_id in REPEAL_CATEGORIES)


@dataclass
class Assessment:
    """Everything decided about one document at one as-of date, within its batch."""

    prediction: Prediction
    analysis: Analysis
    batch_findings: list[Finding] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.prediction.label

    @property
    def findings(self) -> list[Finding]:
        """The findings to show for the label (normative-only rules hidden for other files)."""
        return self.analysis.findings_for(self.label) + self.batch_findings

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
    batch_findings: Sequence[Finding] = (),
) -> Assessment:
    """Combine the text part's score with the document's own and batch findings."""
    rule_ids = [f.rule_id for f in analysis.findings] + [f.rule_id for f in batch_findings]
    prediction = model.combine(kind, rule_ids, analysis.structure.issuer_level)
    return Assessment(prediction, analysis, list(batch_findings))


def batch_findings(
    structures: Sequence[tuple[str, Structure]], as_of: date | dict[str, date]
) -> dict[str, list[Finding]]:
    """``repeal.superseded_in_batch`` findings per document key.

    A newer document counts only if it was issued on or before the as-of date of the document
    it ends (``as_of`` may differ per document, as in the corpus).
    """
    issued = {key: s.issue_date for key, s in structures}
    out: dict[str, list[Finding]] = {}
    for key, findings in supersession(structures).items():
        limit = as_of[key] if isinstance(as_of, dict) else as_of
        kept = [
            f
            for f in findings
            if f.source is None or issued.get(f.source) is None or issued[f.source] <= limit
        ]  # type: ignore[operator]
        if kept:
            out[key] = kept
    return out


def finding_dicts(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in findings]
