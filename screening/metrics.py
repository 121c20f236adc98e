"""Classification metrics, in plain numpy so that they are easy to check by hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


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
    matrix = np.array(confusion(y_true, y_pred, labels), dtype=float)
    out: dict[str, dict[str, float]] = {}
    for i, lab in enumerate(labels):
        tp = matrix[i, i]
        predicted = matrix[:, i].sum()
        actual = matrix[i, :].sum()
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[lab] = {
            "precision": float(precision),
            "recall": float(recall),
            "f1": float(f1),
            "support": int(actual),
        }
    return out


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """Mean F1 over the labels that occur in ``y_true`` or ``y_pred``."""
    stats = per_label(y_true, y_pred, labels)
    present = [lab for lab in labels if stats[lab]["support"] or lab in set(y_pred)]
    return float(np.mean([stats[lab]["f1"] for lab in present])) if present else 0.0


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """ECE of the top-label confidence over ``bins`` equal-width bins."""
    conf = np.asarray(confidences, dtype=float)
    hit = np.asarray(correct, dtype=float)
    if conf.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(conf[mask].mean() - hit[mask].mean())
    return float(ece)


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
        "accuracy": float(np.mean(correct)) if correct else 0.0,
        "macro_f1": macro_f1(y_true, y_pred, labels),
        "per_label": per_label(y_true, y_pred, labels),
        "confusion": confusion(y_true, y_pred, labels),
        "ece": expected_calibration_error(confidences, correct),
    }
