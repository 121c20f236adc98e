"""Train a :class:`~screening.model.ScreeningModel` from the labelled corpus.

The only module that imports scikit-learn. Training is deterministic for a given corpus,
dictionary and seed: the same inputs give the same weights and the same version.
"""

from __future__ import annotations

import contextlib
import hashlib
import platform
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .corpus import CorpusDoc, corpus_hash
from .errors import CorpusError
from .features import document_features
from .labels import LABELS
from .metadata import parse_metadata
from .metrics import summarize
from .model import ScreeningModel
from .segment import Segmenter

DEFAULT_PARAMS: dict[str, Any] = {
    "C": 10.0,
    "min_df": 2,
    "max_features": 60000,
    "folds": 5,
    "seed": 0,
}

Progress = Callable[[str, int, int], None]


def _identity(features: list[str]) -> list[str]:
    return features


def _fit(features: Sequence[list[str]], labels: Sequence[str], params: dict[str, Any]):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=_identity,
        sublinear_tf=True,
        min_df=params["min_df"],
        max_features=params["max_features"],
        dtype=np.float64,
    )
    x = vectorizer.fit_transform(features)
    clf = LogisticRegression(C=params["C"], max_iter=5000, class_weight="balanced")
    clf.fit(x, labels)
    order = [list(clf.classes_).index(lab) for lab in LABELS]
    return vectorizer, clf.coef_[order], clf.intercept_[order]


def _logits(
    vectorizer, coef: np.ndarray, intercept: np.ndarray, features: Sequence[list[str]]
) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(vectorizer.transform(features) @ coef.T) + intercept


def _softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimises the negative log-likelihood of held-out logits."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        p = _softmax(logits, float(np.exp(log_t)))
        return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))

    result = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(result.x))


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "screening": __version__}
    for name in ("numpy", "scikit-learn", "scipy", "jieba", "rjieba"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


def train_model(
    docs: Sequence[CorpusDoc],
    dictionary: str,
    params: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> ScreeningModel:
    """Cross-validate, calibrate and fit a model on ``docs``; the card records how."""
    from sklearn.model_selection import StratifiedKFold

    params = {**DEFAULT_PARAMS, **(params or {})}
    segmenter = Segmenter(dictionary)
    features: list[list[str]] = []
    for i, doc in enumerate(docs, start=1):
        features.append(
            document_features(segmenter.cut(doc.text), doc.text, parse_metadata(doc.text))
        )
        if progress:
            progress("分词", i, len(docs))
    labels = np.array([doc.label for doc in docs])
    y = np.array([LABELS.index(lab) for lab in labels])
    counts = Counter(labels.tolist())
    scarce = [lab for lab in LABELS if counts[lab] < 2]
    if scarce:
        raise CorpusError(
            f"每个标签至少需要 2 份训练文件，{'、'.join(scarce)} 不足。请补充语料后重试。"
        )
    # Small corpora (a team's first decisions) get fewer folds rather than an error.
    params["folds"] = min(params["folds"], min(counts.values()))

    oof = np.zeros((len(docs), len(LABELS)))
    folds = StratifiedKFold(n_splits=params["folds"], shuffle=True, random_state=params["seed"])
    for k, (train_idx, test_idx) in enumerate(folds.split(np.zeros(len(y)), y), start=1):
        vec, coef, intercept = _fit([features[i] for i in train_idx], labels[train_idx], params)
        oof[test_idx] = _logits(vec, coef, intercept, [features[i] for i in test_idx])
        if progress:
            progress("交叉验证", k, params["folds"])
    temperature = fit_temperature(oof, y)
    probs = _softmax(oof, temperature)
    predicted = [LABELS[i] for i in probs.argmax(axis=1)]
    cv = summarize(list(labels), predicted, list(probs.max(axis=1)), LABELS)
    cv["ece_uncalibrated"] = summarize(
        list(labels), predicted, list(_softmax(oof, 1.0).max(axis=1)), LABELS
    )["ece"]

    vectorizer, coef, intercept = _fit(features, labels, params)
    vocab = vectorizer.get_feature_names_out().tolist()
    digest = hashlib.sha256()
    for array in (vectorizer.idf_, coef, intercept):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update("\n".join(vocab).encode("utf-8"))
    version = digest.hexdigest()[:12]  # content-addressed: same corpus, same seed, same version
    card = {
        "name": "screening",
        "version": version,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "labels": list(LABELS),
        "training_data": {
            "corpus_sha256": corpus_hash(list(docs)),
            "documents": len(docs),
            "per_label": dict(Counter(labels.tolist())),
        },
        "dictionary_sha256": segmenter.fingerprint(),
        "segmenter": segmenter.backend,
        "features": {
            "kind": "words+word pairs+structure markers, sublinear TF-IDF",
            "n_features": len(vocab),
        },
        "classifier": "multinomial logistic regression, balanced class weights",
        "params": params,
        "calibration": {
            "method": "temperature scaling on out-of-fold logits",
            "temperature": temperature,
        },
        "cross_validation": cv,
        "library_versions": _versions(),
    }
    return ScreeningModel(
        labels=LABELS,
        vocab=vocab,
        idf=vectorizer.idf_,
        coef=coef,
        intercept=intercept,
        temperature=temperature,
        dictionary=segmenter.dictionary_text,
        card=card,
        version=version,
    )


def load_dictionary_text(corpus_dir: Path) -> str:
    """Concatenate the user dictionaries in ``corpus_dir/dict/*.dict`` (jieba format)."""
    from .segment import parse_dictionary

    parts = []
    for path in sorted((corpus_dir / "dict").glob("*.dict")):
        text = path.read_text(encoding="utf-8")
        parse_dictionary(text, str(path))
        parts.append(text)
    return "\n".join(parts)
