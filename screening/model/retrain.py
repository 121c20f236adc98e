"""Retraining on advisors' decisions, and promotion that never ships a worse model.

``train_candidate`` trains on the corpus plus every current decision in the ledger (a decision
overrides the corpus label of the same document, weighs as several corpus documents, and is kept
as a precedent that similar files follow) and writes a new versioned model into the user's
registry, with its parent version in the card. ``promote`` evaluates the candidate and the model
in use on the same fixed evaluation set — decided documents the candidate was not trained on,
plus an optional labelled dataset — and refuses a candidate with a lower macro-F1 unless forced.
When the candidate trained on every decision there is (an advisor who retrains on all of theirs),
the two are compared by cross-validation over the decisions: the candidate is refitted without
each fold of them and scored on that fold, the model in use on the same documents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..labels import LABELS
from ..ledger import Store
from ..ledger import decisions as ledger
from .classifier import ScreeningModel
from .corpus import CorpusDoc, load_corpus
from .evaluate import Record, evaluate, load_dataset
from .metrics import summarize
from .registry import ModelEntry, activate, find_model, resolve_model_path, user_models_dir
from .train import Progress, load_dictionary_text, train_model


def _text_key(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def training_documents(
    corpus: list[CorpusDoc], decided: list[dict[str, Any]]
) -> tuple[list[CorpusDoc], int]:
    """Corpus plus decided documents; a decision replaces a corpus document with the same text.

    Returns the documents and how many corpus labels were overridden.
    """
    by_text = {_text_key(d["text"]): d for d in decided}
    kept, overridden = [], 0
    for doc in corpus:
        if _text_key(doc.text) in by_text:
            overridden += 1
            continue
        kept.append(doc)
    for d in decided:
        meta = {"source": "decision", "reviewer": d["reviewer"], "sha256": d["sha256"]}
        kept.append(
            CorpusDoc(
                id=f"decision-{d['sha256'][:16]}",
                label=d["label"],
                as_of=d["as_of"],
                text=d["text"],
                meta=meta,
            )
        )
    return kept, overridden


def train_candidate(
    corpus_dir: Path,
    store: Store | None,
    out_dir: Path | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[ScreeningModel, Path]:
    """Train on the corpus (and, with ``store``, every current decision); save as a candidate."""
    corpus = load_corpus(corpus_dir)
    decided = ledger.decided_documents(store) if store is not None else []
    docs, overridden = training_documents(corpus, decided)
    try:
        parent: str | None = ScreeningModel.load(resolve_model_path()).version
    except Exception:  # no model in use yet: this is the first one
        parent = None
    model = train_model(docs, load_dictionary_text(corpus_dir), {"seed": seed}, progress=progress)
    model.card["parent_version"] = parent
    model.card["training_data"]["decisions"] = len(decided)
    model.card["training_data"]["corpus_overridden_by_decisions"] = overridden
    model.card["training_data"]["decision_sha256"] = sorted(d["sha256"] for d in decided)
    model.card["training_data"]["corpus_dir"] = str(corpus_dir.resolve())
    out_dir = out_dir or user_models_dir()
    path = model.save(out_dir / f"screening-{model.version}.npz")
    return model, path


@dataclass
class Promotion:
    candidate: str
    current: str
    candidate_score: dict[str, Any]
    current_score: dict[str, Any]
    eval_documents: int
    promoted: bool
    forced: bool
    #: "held_out" (decisions the candidate did not train on, and --eval) or "cross_validation".
    method: str = "held_out"


#: The progress stage of promotion's cross-validation (each fold a full training).
CV_STAGE = "交叉验证（每折重新训练）"
#: Decisions needed before a candidate trained on all of them can be cross-validated.
MIN_CV_DECISIONS = 6
CV_FOLDS = 5


def cross_validated_records(
    store: Store,
    candidate: ScreeningModel,
    as_of: str,
    progress: Progress | None = None,
) -> tuple[list[Record], list[str], list[float]]:
    """The decided documents the candidate trained on, each predicted by the candidate refitted
    without its fold — words, calibration and repeal table, as ``train`` fits them, so that no
    part of the model that predicts a fold has seen it: records, labels and probabilities."""
    from .evaluate import assess_records

    trained_on = set(candidate.card.get("training_data", {}).get("decision_sha256", []))
    decided = [d for d in ledger.decided_documents(store) if d["sha256"] in trained_on]
    if len(decided) < MIN_CV_DECISIONS:
        raise UsageError(
            f"没有可用于比较的评估数据：候选模型训练用到的审查决定只有 {len(decided)} 条，"
            f"至少需要 {MIN_CV_DECISIONS} 条才能做交叉验证。请用 --eval 指定带标签的数据集；"
            "确需直接启用请加 --force。"
        )
    corpus_dir = Path(candidate.card["training_data"].get("corpus_dir", ""))
    if not (corpus_dir / "docs").is_dir():
        raise UsageError(
            f"找不到候选模型训练时用的语料目录（{corpus_dir}），无法做交叉验证。"
            "请在原语料目录仍在的机器上比较，或用 --eval 指定带标签的数据集。"
        )
    corpus = load_corpus(corpus_dir)
    dictionary = load_dictionary_text(corpus_dir)
    ordered = sorted(decided, key=lambda d: d["sha256"])
    folds = min(CV_FOLDS, len(ordered))
    records: list[Record] = []
    labels: list[str] = []
    probabilities: list[float] = []
    # -- as the candidate was fitted: a model trained before words_given had no offset
    params = {"words_given": [], **candidate.card.get("params", {})}
    # -- a full training per fold takes a while (about 25 s with our corpus), most of it in its
    # own cross-validation: each fold counts one step for reading, one per inner fold, one for
    # the final fit
    steps = int(params.get("folds", 5)) + 2
    total = folds * steps
    for k in range(folds):
        held = [d for i, d in enumerate(ordered) if i % folds == k]
        docs, _ = training_documents(corpus, [d for i, d in enumerate(ordered) if i % folds != k])

        def inner(stage: str, i: int, n: int, before: int = k * steps) -> None:
            if progress and stage == "交叉验证":
                progress(CV_STAGE, min(before + 1 + i, before + steps - 1), total)
            elif progress and stage == "分词" and i == n:
                progress(CV_STAGE, before + 1, total)

        refit = train_model(docs, dictionary, params, progress=inner)
        if progress:
            progress(CV_STAGE, (k + 1) * steps, total)
        fold = [_record(d) for d in held]
        assessed, _ = assess_records(refit, fold, as_of)
        records += fold
        labels += [a.label for a in assessed]
        probabilities += [a.prediction.probabilities[a.label] for a in assessed]
    return records, labels, probabilities


def _record(d: dict[str, Any]) -> Record:
    return Record(
        id=f"decision-{d['sha256'][:12]}", text=d["text"], label=d["label"], source="台账决定"
    )


def evaluation_records(
    store: Store, candidate: ScreeningModel, dataset: Path | None
) -> list[Record]:
    """Decided documents the candidate did not train on, plus the records of ``dataset``."""
    trained_on = set(candidate.card.get("training_data", {}).get("decision_sha256", []))
    records = [_record(d) for d in ledger.decided_documents(store) if d["sha256"] not in trained_on]
    if dataset is not None:
        records += load_dataset(dataset)
    return records


def promote(
    store: Store,
    version: str,
    as_of: str,
    dataset: Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> Promotion:
    """Evaluate candidate and current model on the same set; switch only if not worse (or forced).

    The set is the decided documents the candidate did not train on, plus ``dataset``; when that
    is empty, the decisions the candidate trained on, by cross-validation
    (:func:`cross_validated_records`).
    """
    entry: ModelEntry = find_model(version)
    candidate = ScreeningModel.load(entry.path)
    current_path = resolve_model_path()
    current = ScreeningModel.load(current_path)
    if candidate.version == current.version:
        raise UsageError(f"模型 {candidate.version} 已经是当前使用的模型。")
    records = evaluation_records(store, candidate, dataset)
    method = "held_out"
    if records:
        cand_score = evaluate(candidate, records, as_of)
    elif force:
        cand_score = {"macro_f1": None}
    else:
        method = "cross_validation"
        records, predicted, probabilities = cross_validated_records(
            store, candidate, as_of, progress
        )
        cand_score = summarize([r.label for r in records], predicted, probabilities, LABELS)
    curr_score = evaluate(current, records, as_of) if records else {"macro_f1": None}
    worse = bool(records) and cand_score["macro_f1"] < curr_score["macro_f1"]
    result = Promotion(
        candidate.version,
        current.version,
        cand_score,
        curr_score,
        len(records),
        False,
        force,
        method,
    )
    if worse and not force:
        return result
    activate(
        entry,
        current_path,
        {
            "candidate_macro_f1": cand_score["macro_f1"],
            "current_macro_f1": curr_score["macro_f1"],
            "eval_documents": len(records),
            "method": method,
            "forced": force,
        },
    )
    result.promoted = True
    return result
