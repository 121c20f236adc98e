"""The screening model: a linear classifier over document features, saved without pickle.

File format (``format: 1``), one ``.npz`` archive read with ``numpy.load(allow_pickle=False)``,
so loading a model can never run code:

``meta``       uint8 array: UTF-8 JSON with ``format``, ``version``, ``labels``, ``temperature``,
               ``dictionary`` (the jieba user dictionary the model was trained with) and ``card``
``vocab``      unicode array: feature strings, in column order
``idf``        float64 (n_features,): inverse document frequencies
``coef``       float64 (n_labels, n_features) and ``intercept`` float64 (n_labels,)

A copy of the card is written beside it as ``<name>.card.json`` for people to read. Bump
:data:`FORMAT` when the layout changes, and keep a loader for every released format.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelLoadError
from .features import document_features
from .metadata import Metadata
from .segment import Segmenter

FORMAT = 1
_ARRAYS = {"meta", "vocab", "idf", "coef", "intercept"}


@dataclass
class Evidence:
    """A feature that pushed the document towards its label, as words of the text."""

    feature: str
    weight: float

    @property
    def phrase(self) -> str:
        """The feature as a reader sees it: word pairs joined, markers explained."""
        return evidence_phrase(self.feature)


MARKER_NAMES = {
    "@条款多": "〔结构〕分条款（5条以上）",
    "@条款少": "〔结构〕少量条款",
    "@无条款": "〔结构〕无条款",
    "@分章": "〔结构〕分章",
    "@施行条款": "〔结构〕施行日期条款",
    "@有效期条款": "〔结构〕有效期条款",
    "@解释条款": "〔结构〕解释权条款",
    "@无文号": "〔结构〕无文号",
    "@规字号": "〔结构〕规字号文号",
    "@暂行试行": "〔结构〕标题含暂行/试行",
}


@dataclass
class Prediction:
    """The model's call on one document."""

    label: str
    probabilities: dict[str, float]
    evidence: list[Evidence] = field(default_factory=list)


def _marker_name(feature: str) -> str:
    if feature.startswith("@文种:"):
        return f"〔结构〕文种：{feature.split(':', 1)[1]}"
    if feature.startswith("@印发:"):
        return f"〔结构〕印发{feature.split(':', 1)[1]}"
    return MARKER_NAMES.get(feature, feature)


class ScreeningModel:
    """TF-IDF features × a linear model with temperature-scaled softmax probabilities."""

    def __init__(
        self,
        *,
        labels: Sequence[str],
        vocab: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        temperature: float,
        dictionary: str,
        card: dict[str, Any],
        version: str,
    ) -> None:
        self.labels = tuple(labels)
        self.vocab_list = list(vocab)
        self.vocab = {term: i for i, term in enumerate(self.vocab_list)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.temperature = float(temperature)
        self.dictionary = dictionary
        self.card = card
        self.version = version
        self._segmenter: Segmenter | None = None
        n = len(self.vocab_list)
        if self.idf.shape != (n,) or self.coef.shape != (len(self.labels), n):
            raise ModelLoadError(
                "模型文件内部数组形状不一致，文件可能已损坏。请重新训练或恢复模型。"
            )

    # -- features ---------------------------------------------------------------------------
    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = Segmenter(self.dictionary, backend=self.card.get("segmenter"))
        return self._segmenter

    def features(self, text: str, meta: Metadata) -> list[str]:
        return document_features(self.segmenter.cut(text), text, meta)

    def _vectorize(self, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and TF-IDF weights, exactly as sklearn's sublinear, l2 TfidfVectorizer."""
        counts = Counter(i for i in map(self.vocab.get, features) if i is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        weights = (1.0 + np.log(tf)) * self.idf[idx]
        norm = math.sqrt(float(weights @ weights))
        return idx, weights / norm if norm else weights

    # -- prediction -------------------------------------------------------------------------
    def predict_features(self, features: Sequence[str], n_evidence: int = 5) -> Prediction:
        idx, weights = self._vectorize(features)
        logits = self.coef[:, idx] @ weights + self.intercept
        scaled = logits / self.temperature
        probs = np.exp(scaled - scaled.max())
        probs /= probs.sum()
        best = int(np.argmax(probs))
        # Contribution of each feature to the winning label relative to the others' average.
        others = np.delete(self.coef[:, idx], best, axis=0).mean(axis=0)
        contrib = weights * (self.coef[best, idx] - others)
        order = np.argsort(-contrib)[:n_evidence]
        evidence = [
            Evidence(self.vocab_list[idx[j]], round(float(contrib[j]), 4))
            for j in order
            if contrib[j] > 0
        ]
        return Prediction(
            label=self.labels[best],
            probabilities={
                lab: round(float(p), 4) for lab, p in zip(self.labels, probs, strict=True)
            },
            evidence=evidence,
        )

    def predict(self, text: str, meta: Metadata, n_evidence: int = 5) -> Prediction:
        """Label, calibrated probabilities and the top evidence for one document."""
        return self.predict_features(self.features(text, meta), n_evidence)

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: Path) -> Path:
        """Write the model archive and its ``.card.json`` sidecar; return the archive path."""
        meta = {
            "format": FORMAT,
            "version": self.version,
            "labels": list(self.labels),
            "temperature": self.temperature,
            "dictionary": self.dictionary,
            "card": self.card,
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            meta=np.frombuffer(
                json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8
            ),
            vocab=np.array(self.vocab_list, dtype=str),
            idf=self.idf,
            coef=self.coef,
            intercept=self.intercept,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())
        card_path = path.with_suffix(".card.json")
        card_path.write_text(json.dumps(self.card, ensure_ascii=False, indent=2) + "\n", "utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> ScreeningModel:
        """Load a model archive. Never unpickles: object arrays are refused."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                missing = _ARRAYS - set(archive.files)
                if missing:
                    raise ModelLoadError(
                        f"模型文件 {path} 缺少 {', '.join(sorted(missing))}，不是 screening 模型。"
                    )
                arrays = {name: archive[name] for name in _ARRAYS}
        except FileNotFoundError as exc:
            raise ModelLoadError(
                f"找不到模型文件 {path}。请检查路径，或先运行 screening train。"
            ) from exc
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
            raise ModelLoadError(
                f"无法读取模型文件 {path}（文件损坏，或含有不安全的对象数据）。请重新训练或恢复模型。"
            ) from exc
        try:
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"模型文件 {path} 的元数据已损坏。") from exc
        if meta.get("format") != FORMAT:
            raise ModelLoadError(
                f"模型文件 {path} 的格式版本为 {meta.get('format')}，本程序只支持版本 {FORMAT}。"
                "请升级 screening 或重新训练模型。"
            )
        return cls(
            labels=meta["labels"],
            vocab=[str(v) for v in arrays["vocab"]],
            idf=arrays["idf"],
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            temperature=meta["temperature"],
            dictionary=meta["dictionary"],
            card=meta["card"],
            version=meta["version"],
        )


def evidence_phrase(feature: str) -> str:
    """How a feature is shown to a reader."""
    if feature.startswith("@"):
        return _marker_name(feature)
    return feature.replace(" ", "")
