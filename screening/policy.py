"""How the model's label and the rules' findings combine into the label a report shows.

The model reads genre (is this a normative document?); the rules read dated facts (is it still
in force on the as-of date?). So the rules never make a document normative or non-normative; they
only turn a normative document into a repeal suggestion, and every repeal suggestion carries at
least one finding as its reason. See docs/decision-policy.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .labels import NON_NORMATIVE, NORMATIVE, REPEAL
from .rules import REPEAL as REPEAL_GROUP
from .rules import Finding

#: Repeal findings that by themselves make a normative document a repeal suggestion: each is a
#: dated fact about the document (its validity ended, a newer document ended it, its task ended).
DECISIVE: frozenset[str] = frozenset(
    {
        "repeal.validity_expired",
        "repeal.default_period_lapsed",
        "repeal.superseded_in_batch",
        "repeal.campaign_ended",
    }
)
#: Repeal findings that support the model's own repeal call but do not make one: a repealed
#: superior law often means the document must be revised, not that it has lapsed. (An amended
#: superior law, ``repeal.superior_law_amended``, is only a hint to check article numbers.)
SUPPORTING: frozenset[str] = frozenset({"repeal.superior_law_repealed"})
#: Findings that override the model's genre call: a newer document that repeals this one by its
#: 文号 or title says, in the issuer's own words, that it was a standing rule in force.
OVERRIDES_GENRE: frozenset[str] = frozenset({"repeal.superseded_in_batch"})

NO_REASON_NOTE = (
    "模型倾向建议废止，但规则未找到废止理由（有效期、被新文件废止、上位法变化等），请人工核查。"
)


@dataclass
class Decision:
    """The label to show, why, and whether a person should look first."""

    label: str
    model_label: str
    reasons: list[Finding] = field(default_factory=list)
    needs_review: bool = False
    note: str | None = None

    @property
    def changed(self) -> bool:
        return self.label != self.model_label

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "model_label": self.model_label,
            "changed": self.changed,
            "reasons": [f.to_dict() for f in self.reasons],
            "needs_review": self.needs_review,
            "note": self.note,
        }


def decide(model_label: str, findings: list[Finding]) -> Decision:
    """Combine the model's label with the document's findings (per-text and batch ones).

    1. ``non_normative`` stays, unless a newer document in the batch repeals this one
       (:data:`OVERRIDES_GENRE`): otherwise rules do not decide genre.
    2. ``normative`` with a :data:`DECISIVE` finding becomes ``repeal`` with those reasons.
    3. ``repeal`` keeps its label with the decisive or supporting findings as reasons.
    4. ``repeal`` without any such finding becomes ``normative`` marked for review: a repeal
       suggestion always carries a reason.
    """
    decisive = [f for f in findings if f.rule_id in DECISIVE]
    supporting = [f for f in findings if f.rule_id in SUPPORTING]
    if model_label == NON_NORMATIVE:
        overriding = [f for f in decisive if f.rule_id in OVERRIDES_GENRE]
        if overriding:
            return Decision(REPEAL, model_label, overriding)
        return Decision(NON_NORMATIVE, model_label)
    if decisive:
        return Decision(REPEAL, model_label, decisive + supporting)
    if model_label == REPEAL:
        if supporting:
            return Decision(REPEAL, model_label, supporting)
        return Decision(NORMATIVE, model_label, needs_review=True, note=NO_REASON_NOTE)
    return Decision(model_label, model_label)


def repeal_findings(findings: list[Finding]) -> list[Finding]:
    """The findings of the repeal group, in the order found."""
    return [f for f in findings if f.rule.group == REPEAL_GROUP]
