"""Retraining on advisors' decisions, and promotion that never ships a worse model.

``train_candidate`` trains on the corpus plus every current decision in the ledger (a decision
overrides the corpus label of the same document) and writes a new versioned model into the
user's registry, with its parent version in the card. ``promote`` evaluates the candidate and the
model in use on the same fixed evaluation set — decided documents the candidate was not trained
on, plus an optional labelled dataset — and refuses a candidate with a lower macro-F1 unless
forced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ledger
from .corpus import CorpusDoc, load_corpus
from .errors import UsageError
from .evaluate import Record, evaluate, load_dataset
from .model import ScreeningModel
from .registry import ModelEntry, activate, find_model, resolve_model_path, user_models_dir
from .store import Store
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


def evaluation_records(
    store: Store, candidate: ScreeningModel, dataset: Path | None
) -> list[Record]:
    """Decided documents the candidate did not train on, plus the records of ``dataset``."""
    trained_on = set(candidate.card.get("training_data", {}).get("decision_sha256", []))
    records = [
        Record(
            id=f"decision-{d['sha256'][:12]}", text=d["text"], label=d["label"], source="台账决定"
        )
        for d in ledger.decided_documents(store)
        if d["sha256"] not in trained_on
    ]
    if dataset is not None:
        records += load_dataset(dataset)
    return records


def promote(
    store: Store, version: str, as_of: str, dataset: Path | None = None, force: bool = False
) -> Promotion:
    """Evaluate candidate and current model on the same set; switch only if not worse (or forced)."""
    entry: ModelEntry = find_model(version)
    candidate = ScreeningModel.load(entry.path)
    current_path = resolve_model_path()
    current = ScreeningModel.load(current_path)
    if candidate.version == current.version:
        raise UsageError(f"模型 {candidate.version} 已经是当前使用的模型。")
    records = evaluation_records(store, candidate, dataset)
    if not records and not force:
        raise UsageError(
            "没有可用于比较的评估数据：台账中没有该候选模型未训练过的审查决定。"
            "请用 --eval 指定带标签的数据集；确需直接启用请加 --force。"
        )
    cand_score = evaluate(candidate, records, as_of) if records else {"macro_f1": None}
    curr_score = evaluate(current, records, as_of) if records else {"macro_f1": None}
    worse = records and cand_score["macro_f1"] < curr_score["macro_f1"]
    result = Promotion(
        candidate.version, current.version, cand_score, curr_score, len(records), False, force
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
            "forced": force,
        },
    )
    result.promoted = True
    return result
