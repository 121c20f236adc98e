"""The screening model: genre from the text, repeal from dated legal facts; saved without pickle.

Two parts (see docs/decision-policy.md):

1. a linear text classifier gives ``p_kind``, the probability that the document is normative in
   kind (a 规范性文件, whether still in force or not), calibrated by a softmax temperature;
2. a table, estimated on the corpus, gives the probability that a normative document should be
   repealed given the strongest repeal finding of the legal rules (validity expired, superseded
   in the batch, …, or none). The three label probabilities are
   ``non_normative = 1 − p_kind``, ``repeal = p_kind · r``, ``normative = p_kind · (1 − r)``.
   Without a repeal finding ``r`` stays below one half, so a repeal suggestion always has a reason.

File format (``format: 2``), one ``.npz`` archive read with ``numpy.load(allow_pickle=False)``,
so loading a model can never run code:

``meta``       uint8 array: UTF-8 JSON with ``format``, ``version``, ``labels``, ``temperature``,
               ``repeal_table``, ``kind_given_superseded``, ``dictionary`` (the jieba user
               dictionary the model was trained with) and ``card``
``vocab``      unicode array: feature strings, in column order
``idf``        float64 (n_features,): inverse document frequencies
``coef``       float64 (1, n_features) and ``intercept`` float64 (1,): logit of ``p_kind``

A copy of the card is written beside it as ``<name>.card.json`` for people to read. Bump
:data:`FORMAT` when the layout changes, and keep a loader for every released format.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelLoadError
from .features import MAX_TOKENS, content, document_features, issuer_level_of
from .metadata import Metadata
from .segment import Segmenter

FORMAT = 2
_PUNCT = re.compile(r"^[\W_]+$")
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


#: Repeal categories, strongest first: the first one a document's findings contain decides ``r``.
REPEAL_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("superseded", "repeal.superseded_in_batch"),
    ("validity_expired", "repeal.validity_expired"),
    ("default_period_lapsed", "repeal.default_period_lapsed"),
    ("campaign_ended", "repeal.campaign_ended"),
    ("superior_law_repealed", "repeal.superior_law_repealed"),
)
NO_FINDING = "none"
#: Issuer levels with their own no-finding rate in the repeal table (structure.issuer_level).
ISSUER_LEVELS: tuple[str, ...] = ("central", "local", "unknown")
#: Without a repeal finding, r is capped below one half: the model alone never suggests repeal.
MAX_R_WITHOUT_REASON = 0.45


def repeal_category(rule_ids: Sequence[str]) -> str:
    """The strongest repeal category among ``rule_ids`` (``"none"`` if there is none)."""
    present = set(rule_ids)
    for category, rule_id in REPEAL_CATEGORIES:
        if rule_id in present:
            return category
    return NO_FINDING


@dataclass
class Prediction:
    """The model's call on one document."""

    label: str
    probabilities: dict[str, float]
    evidence: list[Evidence] = field(default_factory=list)
    kind_probability: float = 0.0
    repeal_category: str = NO_FINDING


@dataclass
class KindScore:
    """The text part's output for one document (independent of the as-of date and the batch)."""

    probability: float
    evidence: list[Evidence]


def _marker_name(feature: str) -> str:
    if feature.startswith("@文种:"):
        return f"〔结构〕文种：{feature.split(':', 1)[1]}"
    if feature.startswith("@印发:"):
        return f"〔结构〕印发{feature.split(':', 1)[1]}"
    return MARKER_NAMES.get(feature, feature)


class ScreeningModel:
    """Text classifier for the genre plus a repeal table over the legal rules' findings."""

    def __init__(
        self,
        *,
        labels: Sequence[str],
        vocab: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        temperature: float,
        repeal_table: dict[str, float],
        kind_given_superseded: float,
        dictionary: str,
        card: dict[str, Any],
        version: str,
    ) -> None:
        self.labels = tuple(labels)
        self.vocab_list = list(vocab)
        self.vocab = {term: i for i, term in enumerate(self.vocab_list)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64).reshape(1, -1)
        self.intercept = np.asarray(intercept, dtype=np.float64).reshape(1)
        self.temperature = float(temperature)
        self.repeal_table = {k: float(v) for k, v in repeal_table.items()}
        self.kind_given_superseded = float(kind_given_superseded)
        self.dictionary = dictionary
        self.card = card
        self.version = version
        self._segmenter: Segmenter | None = None
        n = len(self.vocab_list)
        if self.idf.shape != (n,) or self.coef.shape != (1, n):
            raise ModelLoadError(
                "模型文件内部数组形状不一致，文件可能已损坏。请重新训练或恢复模型。"
            )

    # -- features
    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = Segmenter(self.dictionary, backend=self.card.get("segmenter"))
        return self._segmenter

    def features(self, text: str, meta: Metadata) -> list[str]:
        max_tokens = int(self.card.get("params", {}).get("max_tokens", MAX_TOKENS))
        return document_features(self.segmenter.cut(content(text)), text, meta, max_tokens)

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

    # -- prediction
    def kind_from_features(self, features: Sequence[str], n_evidence: int = 5) -> KindScore:
        """``p_kind`` and the features that pushed the document towards its side."""
        idx, weights = self._vectorize(features)
        logit = float(self.coef[0, idx] @ weights + self.intercept[0]) / self.temperature
        probability = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))
        contrib = weights * self.coef[0, idx] * (1.0 if probability >= 0.5 else -1.0)
        # A word and its issuer-level copy are one piece of evidence for the reader: add them up.
        merged: dict[str, float] = {}
        # The strongest few dozen are enough to find the top evidence (a word and its copy
        # rank close together); scanning every feature would cost more than the prediction.
        candidates = np.argsort(-contrib)[: 8 * n_evidence + 20]
        for j in candidates[contrib[candidates] > 0]:
            feature = self.vocab_list[idx[j]]
            base = feature.split("|", 1)[1] if "|" in feature else feature
            if not base.startswith("@") and (
                any(_PUNCT.match(w) for w in base.split(" ")) or len(base.replace(" ", "")) < 2
            ):
                continue  # "的 ，" or "并" weigh in the model but tell a reader nothing
            merged[base] = merged.get(base, 0.0) + float(contrib[j])
        top = sorted(merged.items(), key=lambda kv: -kv[1])[:n_evidence]
        return KindScore(probability, [Evidence(f, round(w, 4)) for f, w in top])

    def kind(self, text: str, meta: Metadata, n_evidence: int = 5) -> KindScore:
        """The text part on one document."""
        return self.kind_from_features(self.features(text, meta), n_evidence)

    def combine(
        self, kind: KindScore, repeal_rule_ids: Sequence[str], level: str = "unknown"
    ) -> Prediction:
        """The three label probabilities from ``p_kind`` and the document's repeal findings.

        Without a repeal finding, ``r`` is the rate for the issuer's ``level`` (central, local,
        unknown) when the model has one: grounds the rules cannot read are rarer in central
        documents, which have no default validity period and little local protectionism.
        """
        category = repeal_category(repeal_rule_ids)
        p_kind = kind.probability
        if category == "superseded":
            # -- The issuer itself ended this document as a standing rule: strong evidence of genre.
            p_kind = max(p_kind, self.kind_given_superseded)
        r = self.repeal_table.get(category, self.repeal_table.get(NO_FINDING, 0.0))
        if category == NO_FINDING:
            r = min(self.repeal_table.get(f"{NO_FINDING}:{level}", r), MAX_R_WITHOUT_REASON)
        probabilities = {
            self.labels[0]: p_kind * (1.0 - r),  # -- normative
            self.labels[1]: 1.0 - p_kind,  # -- non_normative
            self.labels[2]: p_kind * r,  # -- repeal
        }
        label = max(self.labels, key=lambda lab: probabilities[lab])
        return Prediction(
            label=label,
            probabilities={lab: round(p, 4) for lab, p in probabilities.items()},
            evidence=kind.evidence,
            kind_probability=round(p_kind, 4),
            repeal_category=category,
        )

    def predict(
        self, text: str, meta: Metadata, repeal_rule_ids: Sequence[str] = (), n_evidence: int = 5
    ) -> Prediction:
        """Label, probabilities and evidence for one document with the given repeal findings."""
        level = issuer_level_of(meta)
        return self.combine(self.kind(text, meta, n_evidence), repeal_rule_ids, level)

    # -- persistence
    def save(self, path: Path) -> Path:
        """Write the model archive and its ``.card.json`` sidecar; return the archive path."""
        meta = {
            "format": FORMAT,
            "version": self.version,
            "labels": list(self.labels),
            "temperature": self.temperature,
            "repeal_table": self.repeal_table,
            "kind_given_superseded": self.kind_given_superseded,
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
        """Load a model archive. Never unpickles: object arrays are refused.

        Every part is checked before the model is built (see :func:`_checked_meta` and
        :func:`_checked_arrays`): a truncated, damaged or crafted file is refused with a
        :class:`ModelLoadError` that says what to do, never with a Python error.
        """
        damaged = (
            f"无法读取模型文件 {path}（文件不完整或已损坏，或含有不安全的对象数据）。"
            "请重新训练（screening train）或从备份恢复模型文件。"
        )
        try:
            _check_container(path)
            with np.load(path, allow_pickle=False) as archive:
                missing = _ARRAYS - set(archive.files)
                if missing:
                    raise ModelLoadError(
                        f"模型文件 {path} 缺少 {', '.join(sorted(missing))}，不是 screening 模型。"
                    )
                arrays = {name: archive[name] for name in _ARRAYS}
            # -- numpy hands back the raw bytes of a member that is not in .npy format
            if not all(isinstance(array, np.ndarray) for array in arrays.values()):
                raise ModelLoadError(damaged)
        except ModelLoadError:
            raise
        except FileNotFoundError as exc:
            raise ModelLoadError(
                f"找不到模型文件 {path}。请检查路径，或先运行 screening train。"
            ) from exc
        except Exception as exc:  # zipfile, zlib and numpy raise many types on damaged archives
            raise ModelLoadError(damaged) from exc
        try:
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ModelLoadError(f"模型文件 {path} 的元数据已损坏。{_RETRAIN}") from exc
        meta = _checked_meta(meta, path)
        vocab, idf, coef, intercept = _checked_arrays(arrays, path)
        return cls(
            labels=meta["labels"],
            vocab=vocab,
            idf=idf,
            coef=coef,
            intercept=intercept,
            temperature=meta["temperature"],
            repeal_table=meta["repeal_table"],
            kind_given_superseded=meta["kind_given_superseded"],
            dictionary=meta["dictionary"],
            card=meta["card"],
            version=meta["version"],
        )


_RETRAIN = "请重新训练（screening train）或从备份恢复模型文件。"
#: A model archive holds five arrays; the shipped one inflates to about 3 MB.
_MAX_MEMBERS = 16
_MAX_MODEL_BYTES = 1 << 30


def _check_container(path: Path) -> None:
    """Refuse an archive with unexpected members or that would inflate past 1 GiB."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > _MAX_MEMBERS or sum(i.file_size for i in infos) > _MAX_MODEL_BYTES:
            raise ModelLoadError(
                f"模型文件 {path} 的内容大小或部件数量异常，不像 screening 模型，已拒绝加载。{_RETRAIN}"
            )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _probability(value: Any) -> bool:
    return _finite(value) and 0.0 <= value <= 1.0


def _checked_meta(meta: Any, path: Path) -> dict[str, Any]:
    """``meta`` if every field has the type and range the model needs, else ModelLoadError."""

    def refuse(what: str) -> ModelLoadError:
        return ModelLoadError(f"模型文件 {path} 的元数据无效：{what}。{_RETRAIN}")

    if not isinstance(meta, dict):
        raise refuse("不是 JSON 对象")
    if meta.get("format") != FORMAT:
        raise ModelLoadError(
            f"模型文件 {path} 的格式版本为 {meta.get('format')!r:.40}，本程序只支持版本 {FORMAT}。"
            "请升级 screening 或重新训练模型。"
        )
    labels = meta.get("labels")
    if not (
        isinstance(labels, list)
        and len(labels) == 3
        and all(isinstance(lab, str) for lab in labels)
        and len(set(labels)) == 3
    ):
        raise refuse("labels 应为三个不同的标签名")
    if not (_finite(meta.get("temperature")) and meta["temperature"] > 0):
        raise refuse("temperature 应为正数")
    table = meta.get("repeal_table")
    if not (
        isinstance(table, dict)
        and NO_FINDING in table
        and all(isinstance(k, str) and _probability(v) for k, v in table.items())
    ):
        raise refuse("repeal_table 应为 0 到 1 之间的概率表，且含 none")
    if not _probability(meta.get("kind_given_superseded")):
        raise refuse("kind_given_superseded 应为 0 到 1 之间的概率")
    if not isinstance(meta.get("dictionary"), str):
        raise refuse("dictionary 应为文本")
    card = meta.get("card")
    if not isinstance(card, dict):
        raise refuse("card 应为 JSON 对象")
    params = card.get("params", {})
    if not isinstance(params, dict) or not (
        "max_tokens" not in params
        or (isinstance(params["max_tokens"], int) and params["max_tokens"] > 0)
    ):
        raise refuse("card.params.max_tokens 应为正整数")
    if not (card.get("segmenter") is None or isinstance(card["segmenter"], str)):
        raise refuse("card.segmenter 应为文本")
    version = meta.get("version")
    if not (isinstance(version, str) and 0 < len(version) <= 200):
        raise refuse("version 应为非空文本")
    return meta


def _checked_arrays(
    arrays: dict[str, np.ndarray], path: Path
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """vocab, idf, coef and intercept, checked for kind, shape and finite values."""
    vocab, idf, coef, intercept = (arrays[k] for k in ("vocab", "idf", "coef", "intercept"))
    mismatched = ModelLoadError(
        f"模型文件 {path} 内部数组的类型或形状不一致，文件可能已损坏。{_RETRAIN}"
    )
    if vocab.dtype.kind != "U" or vocab.ndim != 1:
        raise mismatched
    n = vocab.shape[0]
    for array, shape in ((idf, (n,)), (coef, (1, n)), (intercept, (1,))):
        if array.dtype.kind != "f" or array.shape != shape:
            raise mismatched
        if not np.isfinite(array).all():
            raise ModelLoadError(f"模型文件 {path} 的参数含有无效数值（NaN 或无穷大）。{_RETRAIN}")
    terms = [str(v) for v in vocab]
    if len(set(terms)) != n:
        raise ModelLoadError(f"模型文件 {path} 的词表有重复项，文件可能已损坏。{_RETRAIN}")
    return terms, idf, coef, intercept


def evidence_phrase(feature: str) -> str:
    """How a feature is shown to a reader (the issuer-level prefix is dropped)."""
    feature = feature.split("|", 1)[1] if "|" in feature else feature
    if feature.startswith("@"):
        return _marker_name(feature)
    return feature.replace(" ", "")
