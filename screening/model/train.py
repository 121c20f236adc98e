"""Train a :class:`~screening.model.classifier.ScreeningModel` from the labelled corpus.

The only module that imports scikit-learn. Training is deterministic for a given corpus,
dictionary and seed: the same inputs give the same weights and the same version.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import platform
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..errors import CorpusError
from ..labels import LABELS, NON_NORMATIVE, REPEAL
from ..law import DEFAULT_WEIGHTS, Fact, facts_logit, parse_metadata
from .classifier import (
    ISSUER_LEVELS,
    NO_FINDING,
    REPEAL_CATEGORIES,
    KindScore,
    LegalCombination,
    Precedents,
    Prediction,
    ScreeningModel,
)
from .corpus import CorpusDoc, corpus_hash
from .features import MAX_TOKENS, content, document_features, issuer_level_of
from .metrics import summarize
from .segment import Segmenter

DEFAULT_PARAMS: dict[str, Any] = {
    "C": 1.0,
    "min_df": 2,
    "max_features": 60000,
    "folds": 5,
    "seed": 0,
    # -- an advisor's decision on a real file counts as this many written corpus documents
    "decision_weight": 3.0,
    # -- the words learn what these facts leave open: their weights are a fixed offset of the
    # text model's logit while it is fitted (words_offset, fit_logistic)
    "words_given": ["registered", "unregistered"],
}

Progress = Callable[[str, int, int], None]


def _identity(features: list[str]) -> list[str]:
    return features


def _fit(  # type: ignore[no-untyped-def]
    features: Sequence[list[str]],
    kind: Sequence[bool],
    params: dict[str, Any],
    sample_weight: np.ndarray | None = None,
    offset: np.ndarray | None = None,
):
    """TF-IDF + logistic regression for ``p_kind`` (normative in kind vs not), with ``offset``
    (:func:`words_offset`) added to every document's logit while fitting."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer=_identity,
        sublinear_tf=True,
        min_df=params["min_df"],
        max_features=params["max_features"],
        dtype=np.float64,
    )
    x = vectorizer.fit_transform(features)
    coef, intercept = fit_logistic(
        x, np.asarray(kind, dtype=float), params["C"], offset, sample_weight
    )
    return vectorizer, coef.reshape(1, -1), np.array([intercept])


def fit_logistic(  # type: ignore[no-untyped-def]
    x,
    y: np.ndarray,
    c: float,
    offset: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression with balanced classes (scikit-learn's objective:
    ``C · Σ wᵢ·loss + ½‖β‖²``, intercept free) whose logit is ``x·β + b + offset``: the
    coefficients learn what the offset leaves open. ``x`` is a (sparse) matrix, ``y`` 0/1."""
    from scipy.optimize import minimize
    from scipy.special import expit

    n, d = x.shape
    positives = float(y.sum())
    balanced = np.where(y > 0, n / (2.0 * max(positives, 1.0)), n / (2.0 * max(n - positives, 1.0)))
    w = balanced * (1.0 if sample_weight is None else np.asarray(sample_weight, dtype=float))
    sign = 2.0 * y - 1.0
    offset = np.zeros(n) if offset is None else offset

    def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
        beta = params[:d]
        margin = sign * (x @ beta + params[d] + offset)
        loss = c * float(w @ np.logaddexp(0.0, -margin)) + 0.5 * float(beta @ beta)
        dz = -c * w * sign * expit(-margin)
        return loss, np.concatenate([x.T @ dz + beta, [dz.sum()]])

    result = minimize(
        objective, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 5000}
    )
    return result.x[:d], float(result.x[d])


def words_offset(facts: Sequence[Sequence[Fact]], given: Sequence[str]) -> np.ndarray:
    """Per document, the summed weights of its facts of the kinds ``given``: the offset the words
    are fitted over. The registration facts are read from the 文号 series and the batch, not from
    the words; given them, the words learn the genre among files whose registration is already
    counted, instead of taking on the vocabulary of the registered files (the topics of local
    fund, project and property rules) as a mark of the genre (issue 11)."""
    keep = set(given)
    return np.array(
        [facts_logit([f for f in fs if f.key in keep], DEFAULT_WEIGHTS) for fs in facts]
    )


def _logits(
    vectorizer, coef: np.ndarray, intercept: np.ndarray, features: Sequence[list[str]]
) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(vectorizer.transform(features) @ coef.T).ravel() + intercept[0]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def _nll(p: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> float:
    """The (weighted) mean negative log-likelihood of binary labels ``y`` under ``p``."""
    loss = y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)
    return float(-np.average(loss, weights=sample_weight))


def fit_temperature(
    logits: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
) -> float:
    """The temperature that minimises the (weighted) negative log-likelihood of held-out binary
    logits."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        return _nll(_sigmoid(logits / float(np.exp(log_t))), y, sample_weight)

    result = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(result.x))


def estimate_repeal_table(
    labels: Sequence[str],
    categories: Sequence[str],
    levels: Sequence[str] | None = None,
    ordinary: Sequence[bool] | None = None,
) -> tuple[dict[str, float], float]:
    """P(repeal | normative in kind, strongest repeal finding) per category — and, with
    ``levels``, per issuer level when there is no finding (``none:central`` …) — and
    P(normative in kind | superseded in batch).

    Category rates are add-one smoothed. The rates without a finding count only the ``ordinary``
    documents (all when not given, or when none of them is normative in kind): a corpus writes its
    hard cases on purpose — fair-competition repeals, finished tasks — far more often than a batch
    holds them, and a rate taken over them caps every normative call without a finding too low.
    A level's rate starts from one repeal in as many documents as the rate over all levels expects
    one in: a level with few documents gets about that rate rather than one half.
    """

    def counts(keep: Sequence[bool]) -> tuple[int, int]:
        kind = [lab for lab, k in zip(labels, keep, strict=True) if k and lab != NON_NORMATIVE]
        return sum(lab == REPEAL for lab in kind), len(kind)

    def rate(keep: Sequence[bool]) -> float:
        repeal, n = counts(keep)
        return (repeal + 1) / (n + 2)

    table = {}
    for category, _ in REPEAL_CATEGORIES:
        table[category] = rate([cat == category for cat in categories])
    none = [cat == NO_FINDING for cat in categories]
    if ordinary is not None:
        plain = [o and n for o, n in zip(ordinary, none, strict=True)]
        if counts(plain)[1]:
            none = plain
    pooled = table[NO_FINDING] = rate(none)
    for level in ISSUER_LEVELS if levels is not None else ():
        repeal, n = counts([k and lv == level for k, lv in zip(none, levels, strict=True)])
        table[f"{NO_FINDING}:{level}"] = (repeal + 1) / (n + 1 / pooled)
    superseded = [lab for lab, cat in zip(labels, categories, strict=True) if cat == "superseded"]
    kind_given_superseded = (sum(lab != NON_NORMATIVE for lab in superseded) + 1) / (
        len(superseded) + 2
    )
    return table, kind_given_superseded


def corpus_findings(
    docs: Sequence[CorpusDoc], metas: Sequence[Any]
) -> tuple[list[str], list[list[Fact]]]:
    """The strongest repeal category of every corpus document at its own as-of date, the corpus
    read as one batch (so that a newer document can end an older one), and its legal facts."""
    from datetime import date

    from ..law import batch_context
    from .assess import analyze_text
    from .classifier import repeal_category

    as_of = {doc.id: date.fromisoformat(doc.as_of) for doc in docs}
    analyses = [
        analyze_text(doc.text, meta, as_of[doc.id]) for doc, meta in zip(docs, metas, strict=True)
    ]
    context = batch_context(
        [(doc.id, a.structure) for doc, a in zip(docs, analyses, strict=True)], as_of
    )
    categories, facts = [], []
    for doc, a in zip(docs, analyses, strict=True):
        renewal = context.renewals.get(doc.id)
        renewed = renewal is not None and renewal.until >= as_of[doc.id]
        rule_ids = [
            f.rule_id
            for f in a.findings
            if not (renewed and f.rule_id == "repeal.validity_expired")
        ] + [f.rule_id for f in context.findings_for(doc.id)]
        categories.append(repeal_category(rule_ids))
        facts.append(a.facts + context.facts.get(doc.id, []))
    return categories, facts


def fit_legal_combination(
    logits: np.ndarray,
    facts: Sequence[Sequence[Fact]],
    y: np.ndarray,
    bound: float = 3.0,
    sample_weight: np.ndarray | None = None,
) -> LegalCombination:
    """Scale and bias of the bounded text logit, the legal facts' weights fixed (their defaults,
    :data:`screening.law.evidence.DEFAULT_WEIGHTS`), that minimise the (weighted) negative
    log-likelihood of the out-of-fold genre labels. The weights are the law's; only how much the
    words add to them, and where the zero lies, is learned."""
    from scipy.optimize import minimize

    weights = dict(DEFAULT_WEIGHTS)
    offset = np.array([facts_logit(list(f), weights) for f in facts])

    def nll(params: np.ndarray) -> float:
        p = _sigmoid(params[1] + np.clip(params[0] * logits, -bound, bound) + offset)
        # -- a weak prior keeps the scale near 1 on a small corpus (a team's first decisions)
        return _nll(p, y, sample_weight) + 1e-3 * ((params[0] - 1.0) ** 2 + params[1] ** 2)

    result = minimize(
        nll, x0=np.array([1.0, 0.0]), method="L-BFGS-B", bounds=[(0.05, 3.0), (-6.0, 6.0)]
    )
    return LegalCombination(weights, float(result.x[0]), float(result.x[1]), bound)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "screening": __version__}
    for name in ("numpy", "scikit-learn", "scipy", "jieba", "rjieba"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


def reading_length(lengths: Sequence[int], share: float = 0.95) -> int:
    """Words a model reads per file: the length ``share`` of the training documents stay
    within, rounded up to a hundred (at most ``MAX_TOKENS``)."""
    ordered = sorted(lengths)
    at = ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]
    return min(MAX_TOKENS, max(100, math.ceil(at / 100) * 100))


def is_decision(doc: CorpusDoc) -> bool:
    """Whether a training document is an advisor's decision (not a written corpus document)."""
    return doc.meta.get("source") == "decision"


def train_model(
    docs: Sequence[CorpusDoc],
    dictionary: str,
    params: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> ScreeningModel:
    """Cross-validate, calibrate and fit a model on ``docs``; the card records how.

    Decided documents (:func:`is_decision`) weigh ``decision_weight`` corpus documents in the
    text model and become the model's precedents.
    """
    from sklearn.model_selection import StratifiedKFold

    params = {**DEFAULT_PARAMS, **(params or {})}
    segmenter = Segmenter(dictionary)
    tokens: list[list[str]] = []
    metas = []
    for i, doc in enumerate(docs, start=1):
        metas.append(parse_metadata(doc.text))
        tokens.append(segmenter.cut(content(doc.text)))
        if progress:
            progress("分词", i, len(docs))
    # Read no further into a file than 95% of the training documents go (features.py).
    params["max_tokens"] = reading_length([len(t) for t in tokens])
    # -- the words only: structure is read by the legal facts (screening.law.evidence)
    params["markers"] = False
    features = [
        document_features(t, doc.text, meta, params["max_tokens"], markers=False)
        for t, doc, meta in zip(tokens, docs, metas, strict=True)
    ]
    labels = [doc.label for doc in docs]
    counts = Counter(labels)
    scarce = [lab for lab in LABELS if counts[lab] < 2]
    if scarce:
        raise CorpusError(
            f"每个标签至少需要 2 份训练文件，{'、'.join(scarce)} 不足。请补充语料后重试。"
        )
    # Small corpora (a team's first decisions) get fewer folds rather than an error.
    params["folds"] = min(params["folds"], min(counts.values()))
    kind = np.array([lab != NON_NORMATIVE for lab in labels])
    decided = np.array([is_decision(doc) for doc in docs])
    weights = np.where(decided, float(params["decision_weight"]), 1.0)
    if progress:
        progress("法律规则", 0, 1)
    categories, facts = corpus_findings(docs, metas)
    offset = words_offset(facts, params["words_given"])
    levels = [issuer_level_of(meta) for meta in metas]
    # -- documents written as deliberate hard cases do not set the rate of repeal without a finding
    ordinary = [not str(doc.meta.get("hard_case") or "").strip() for doc in docs]
    y = np.array([LABELS.index(lab) for lab in labels])

    oof_logit = np.zeros(len(docs))
    oof_table: list[tuple[dict[str, float], float]] = [({}, 0.0)] * len(docs)
    folds = StratifiedKFold(n_splits=params["folds"], shuffle=True, random_state=params["seed"])
    for k, (train_idx, test_idx) in enumerate(folds.split(np.zeros(len(y)), y), start=1):
        vec, coef, intercept = _fit(
            [features[i] for i in train_idx],
            kind[train_idx],
            params,
            weights[train_idx],
            offset[train_idx],
        )
        oof_logit[test_idx] = _logits(vec, coef, intercept, [features[i] for i in test_idx])
        fold_table = estimate_repeal_table(
            [labels[i] for i in train_idx],
            [categories[i] for i in train_idx],
            [levels[i] for i in train_idx],
            [ordinary[i] for i in train_idx],
        )
        for i in test_idx:
            oof_table[i] = fold_table
        if progress:
            progress("交叉验证", k, params["folds"])
    # -- a decision weighs as much in the calibration as in the words (decision_weight corpus
    # documents): the team's own files move where the zero lies. Not more: a calibration fitted
    # on the decisions alone follows the first few hard files of the review queue (issue 11 note)
    temperature = fit_temperature(oof_logit, kind.astype(float), weights)
    legal = fit_legal_combination(
        oof_logit / temperature, facts, kind.astype(float), sample_weight=weights
    )

    def oof_predictions(t: float, combination: LegalCombination | None) -> list[Prediction]:
        out = []
        for i in range(len(docs)):
            table, kgs = oof_table[i]
            probe = ScreeningModel(
                labels=LABELS,
                vocab=[],
                idf=np.zeros(0),
                coef=np.zeros((1, 0)),
                intercept=np.zeros(1),
                temperature=1.0,
                repeal_table=table,
                kind_given_superseded=kgs,
                dictionary="",
                card={},
                version="cv",
            )
            text_logit = float(oof_logit[i] / t)
            if combination is not None:
                p = float(_sigmoid(np.array([combination.logit(text_logit, facts[i])]))[0])
            else:
                p = float(_sigmoid(np.array([text_logit]))[0])
            out.append(
                probe.combine(
                    KindScore(p, []),
                    [dict(REPEAL_CATEGORIES).get(categories[i], "")],
                    levels[i],
                )
            )
        return out

    calibrated = oof_predictions(temperature, legal)
    cv = summarize(
        labels,
        [p.label for p in calibrated],
        [p.probabilities[p.label] for p in calibrated],
        LABELS,
    )
    raw = oof_predictions(1.0, None)
    cv["ece_uncalibrated"] = summarize(
        labels, [p.label for p in raw], [p.probabilities[p.label] for p in raw], LABELS
    )["ece"]
    cv["kind_accuracy"] = float(
        np.mean([(p.kind_probability >= 0.5) == k for p, k in zip(calibrated, kind, strict=True)])
    )
    cv["kind_accuracy_text_only"] = float(
        np.mean((_sigmoid(oof_logit / temperature) >= 0.5) == kind)
    )

    vectorizer, coef, intercept = _fit(features, kind, params, weights, offset)
    table, kind_given_superseded = estimate_repeal_table(labels, categories, levels, ordinary)
    vocab = vectorizer.get_feature_names_out().tolist()
    digest = hashlib.sha256()
    for array in (vectorizer.idf_, coef, intercept):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update("\n".join(vocab).encode("utf-8"))
    digest.update(repr(sorted(table.items())).encode("utf-8"))
    digest.update(f"max_tokens={params['max_tokens']}".encode())
    digest.update(repr(sorted(legal.to_dict().items())).encode("utf-8"))
    version = digest.hexdigest()[:12]  # content-addressed: same corpus, same seed, same version
    card = {
        "name": "screening",
        "version": version,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "labels": list(LABELS),
        "training_data": {
            "corpus_sha256": corpus_hash(list(docs)),
            "documents": len(docs),
            "per_label": dict(counts),
            "repeal_categories": dict(Counter(categories)),
        },
        "dictionary_sha256": segmenter.fingerprint(),
        "segmenter": segmenter.backend,
        "features": {
            "kind": "words + word pairs (issuer-level copies), sublinear TF-IDF; structure is read by the legal facts",
            "n_features": len(vocab),
        },
        "classifier": "logistic regression (balanced) for normative-in-kind, fitted with the weights of the facts in params.words_given as an offset; repeal table over the legal rules' findings",
        "params": params,
        "calibration": {
            "method": "temperature scaling on out-of-fold logits; then scale and bias of the bounded text logit with the legal facts' weights added",
            "temperature": temperature,
        },
        "legal_combination": legal.to_dict(),
        "repeal_table": table,
        "kind_given_superseded": kind_given_superseded,
        "cross_validation": cv,
        "library_versions": _versions(),
    }
    model = ScreeningModel(
        labels=LABELS,
        vocab=vocab,
        idf=vectorizer.idf_,
        coef=coef,
        intercept=intercept,
        temperature=temperature,
        repeal_table=table,
        kind_given_superseded=kind_given_superseded,
        dictionary=segmenter.dictionary_text,
        card=card,
        version=version,
        legal=legal,
    )
    _attach_precedents(model, docs, features, kind, decided)
    return model


def _attach_precedents(
    model: ScreeningModel,
    docs: Sequence[CorpusDoc],
    features: Sequence[list[str]],
    kind: np.ndarray,
    decided: np.ndarray,
) -> None:
    """Keep the decided documents as the model's precedents; fold them into its version."""
    rows = [i for i in range(len(docs)) if decided[i]]
    if not rows:
        return
    model.precedents = Precedents.build(
        [model.vector(features[i]) for i in rows],
        [bool(kind[i]) for i in rows],
        [docs[i].meta.get("sha256", docs[i].id) for i in rows],
    )
    digest = hashlib.sha256(model.version.encode())
    for array in model.precedents.arrays().values():
        digest.update(np.ascontiguousarray(array).tobytes())
    model.version = digest.hexdigest()[:12]
    model.card["version"] = model.version
    model.card["precedents"] = len(rows)


def load_dictionary_text(corpus_dir: Path) -> str:
    """Concatenate the user dictionaries in ``corpus_dir/dict/*.dict`` (jieba format)."""
    from .segment import parse_dictionary

    parts = []
    for path in sorted((corpus_dir / "dict").glob("*.dict")):
        text = path.read_text(encoding="utf-8")
        parse_dictionary(text, str(path))
        parts.append(text)
    return "\n".join(parts)
