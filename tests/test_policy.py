from screening.policy import NO_REASON_NOTE, decide
from screening.rules import Finding


def f(rule_id: str) -> Finding:
    return Finding(rule_id, (0, 3), "摘录", "说明")


def test_normative_with_expired_validity_becomes_repeal_with_that_reason() -> None:
    d = decide("normative", [f("repeal.validity_expired"), f("legal.creates_fee")])
    assert (d.label, d.changed, d.needs_review) == ("repeal", True, False)
    assert [r.rule_id for r in d.reasons] == ["repeal.validity_expired"]


def test_normative_without_decisive_finding_stays() -> None:
    d = decide("normative", [f("repeal.superior_law_repealed"), f("repeal.superior_law_amended")])
    assert (d.label, d.reasons) == ("normative", [])


def test_non_normative_stays_unless_a_newer_document_repeals_it() -> None:
    assert decide("non_normative", [f("repeal.validity_expired")]).label == "non_normative"
    d = decide("non_normative", [f("repeal.superseded_in_batch")])
    assert d.label == "repeal"
    assert [r.rule_id for r in d.reasons] == ["repeal.superseded_in_batch"]


def test_model_repeal_keeps_supporting_reason() -> None:
    d = decide("repeal", [f("repeal.superior_law_repealed")])
    assert d.label == "repeal"
    assert [r.rule_id for r in d.reasons] == ["repeal.superior_law_repealed"]


def test_repeal_without_reason_goes_to_review() -> None:
    d = decide("repeal", [f("repeal.superior_law_amended"), f("legal.creates_penalty")])
    assert (d.label, d.needs_review, d.note) == ("normative", True, NO_REASON_NOTE)
    assert d.to_dict()["model_label"] == "repeal"


def test_every_repeal_decision_carries_a_reason() -> None:
    rules = [
        "repeal.validity_expired",
        "repeal.superseded_in_batch",
        "repeal.superior_law_repealed",
        "repeal.superior_law_amended",
        "legal.creates_fee",
        "repeal.campaign_ended",
    ]
    for label in ("normative", "non_normative", "repeal"):
        for n in range(len(rules) + 1):
            d = decide(label, [f(r) for r in rules[:n]])
            assert d.label != "repeal" or d.reasons
