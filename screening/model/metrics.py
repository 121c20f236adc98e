"""Classification metrics in plain Python, so that they are easy to check by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def confusion(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> list[list[int]]:
    """Rows: true label; columns: predicted label; in the order of ``labels``."""
    index = {lab: i for i, lab in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[index[t]][index[p]] += 1
    return matrix


def per_label(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per label (0 where undefined)."""
    matrix = confusion(y_true, y_pred, labels)
    out: dict[str, dict[str, float]] = {}
    for i, lab in enumerate(labels):
        tp = matrix[i][i]
        predicted = sum(row[i] for row in matrix)
        actual = sum(matrix[i])
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[lab] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
    return out


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """Mean F1 over the labels that occur in ``y_true`` or ``y_pred``."""
    stats = per_label(y_true, y_pred, labels)
    present = [lab for lab in labels if stats[lab]["support"] or lab in set(y_pred)]
    return sum(stats[lab]["f1"] for lab in present) / len(present) if present else 0.0


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """ECE of the top-label confidence over ``bins`` equal-width bins (a confidence on a bin's
    upper edge belongs to that bin)."""
    if not confidences:
        return 0.0
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for conf, hit in zip(confidences, correct, strict=True):
        index = min(bins - 1, max(0, math.ceil(conf * bins) - 1))
        members[index].append((conf, hit))
    ece = 0.0
    for group in members:
        if group:
            mean_conf = sum(c for c, _ in group) / len(group)
            accuracy = sum(h for _, h in group) / len(group)
            ece += len(group) / len(confidences) * abs(mean_conf - accuracy)
    return ece


def summarize(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidences: Sequence[float],
    labels: Sequence[str],
) -> dict[str, Any]:
    """All the scores a model card and ``screening evaluate`` report."""
    correct = [t == p for t, p in zip(y_true, y_pred, strict=True)]
    return {
        "n": len(y_true),
        "accuracy": sum(correct) / len(correct) if correct else 0.0,
        "macro_f1": macro_f1(y_true, y_pred, labels),
        "per_label": per_label(y_true, y_pred, labels),
        "confusion": confusion(y_true, y_pred, labels),
        "ece": expected_calibration_error(confidences, correct),
    }
