import pytest

from screening.model.metrics import (
    confusion,
    expected_calibration_error,
    macro_f1,
    per_label,
    summarize,
)

LABELS = ("normative", "non_normative", "repeal")
# Hand-made example: 6 documents.
TRUE = ["normative", "normative", "normative", "non_normative", "non_normative", "repeal"]
PRED = ["normative", "normative", "non_normative", "non_normative", "repeal", "repeal"]


def test_confusion_rows_true_columns_predicted() -> None:
    assert confusion(TRUE, PRED, LABELS) == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]


def test_per_label_by_hand() -> None:
    stats = per_label(TRUE, PRED, LABELS)
    # normative: tp 2, predicted 2, actual 3 -> P 1, R 2/3, F1 0.8
    assert stats["normative"] == {
        "precision": 1.0,
        "recall": pytest.approx(2 / 3),
        "f1": pytest.approx(0.8),
        "support": 3,
    }
    # non_normative: tp 1, predicted 2, actual 2 -> P 0.5, R 0.5, F1 0.5
    assert stats["non_normative"]["f1"] == pytest.approx(0.5)
    # repeal: tp 1, predicted 2, actual 1 -> P 0.5, R 1, F1 2/3
    assert stats["repeal"]["f1"] == pytest.approx(2 / 3)
    assert macro_f1(TRUE, PRED, LABELS) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_ece_by_hand() -> None:
    # Two bins used: 0.9 (two docs, one right) and 0.6 (two docs, both right).
    ece = expected_calibration_error([0.9, 0.9, 0.6, 0.6], [True, False, True, True])
    assert ece == pytest.approx(0.5 * abs(0.9 - 0.5) + 0.5 * abs(0.6 - 1.0))


def test_summary_accuracy() -> None:
    result = summarize(TRUE, PRED, [0.9] * 6, LABELS)
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["n"] == 6
