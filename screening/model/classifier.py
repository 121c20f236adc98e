"""The screening model: genre from the text, repeal from dated legal facts; saved without pickle.

Three parts (see docs/decision-policy.md):

1. a linear text classifier over the words gives a logit for "normative in kind" (a 规范性文件,
   whether still in force or not), calibrated by a temperature;
2. the legal facts of :mod:`screening.law.evidence` (registration number, validity clause, a reply to
   one party, a technical standard …) add their weights to that logit, which is first bounded so
   that words can never outvote a decisive fact; a scale and a bias fitted on the corpus's
   out-of-fold scores calibrate the sum into ``p_kind``;
3. a table, estimated on the corpus, gives the probability that a normative document should be
   repealed given the strongest repeal finding of the legal rules (validity expired, superseded
   in the batch, …, or none). The three label probabilities are
   ``non_normative = 1 − p_kind``, ``repeal = p_kind · r``, ``normative = p_kind · (1 − r)``.
   Without a repeal finding ``r`` stays below one half, so a repeal suggestion always has a reason.

File format (``format: 3``), one ``.npz`` archive read with ``numpy.load(allow_pickle=False)``,
so loading a model can never run code:

``meta``       uint8 array: UTF-8 JSON with ``format``, ``version``, ``labels``, ``temperature``,
               ``repeal_table``, ``kind_given_superseded``, ``legal`` (the weights of the legal
               facts, the text scale, bias and bound), ``dictionary`` (the jieba user
               dictionary the model was trained with) and ``card``
``vocab``      unicode array: feature strings, in column order
``idf``        float64 (n_features,): inverse document frequencies
``coef``       float64 (1, n_features) and ``intercept`` float64 (1,): logit of ``p_kind``

A copy of the card is written beside it as ``<name>.card.json`` for people to read. Bump
:data:`FORMAT` when the layout changes, and keep a loader for every released format: a format-2
file (no ``legal``) reads words and structure markers and takes ``p_kind`` from the text alone.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelLoadError
from ..law import Document, Fact, Metadata, facts_logit
from .features import (
    MAX_TOKENS,
    content,
    document_features,
    issuer_level_of,
    normalize_token,
    word_features,
)
from .segment import Segmenter

FORMAT = 3
#: Formats this loader reads.
READABLE_FORMATS = (2, 3)
_PUNCT = re.compile(r"^[\W_]+$")
_ARRAYS = {"meta", "vocab", "idf", "coef", "intercept"}
#: Optional arrays: the precedents (advisors' decisions the model was trained with).
_PRECEDENT_ARRAYS = ("prec_ptr", "prec_idx", "prec_val", "prec_kind", "prec_sha")


@dataclass
class Precedents:
    """Documents advisors decided, kept as the model's sparse TF-IDF rows, with whether each was
    normative in kind. A new document close to decided ones follows them (:meth:`nearest`): an
    advisor who decided five files of one bureau's template sees the sixth follow.

    ``threshold``: cosine similarity below which a decided document is no precedent; the weight
    of the precedents grows linearly from 0 there to ``max_weight`` at similarity 1, times
    ``1 − ½ⁿ`` for ``n`` close decided documents (of the ``top`` nearest).
    """

    ptr: np.ndarray  # int64 (n + 1,): row offsets into idx/val
    idx: np.ndarray  # int64: column indices
    val: np.ndarray  # float64: l2-normalised TF-IDF weights
    kind: np.ndarray  # int8 (n,): 1 normative in kind (normative or repeal), 0 not
    sha: np.ndarray  # unicode (n,): sha256 of each decided document
    threshold: float = 0.5
    max_weight: float = 0.9
    top: int = 5

    def __len__(self) -> int:
        return int(self.kind.shape[0])

    def nearest(
        self, idx: np.ndarray, val: np.ndarray, n_features: int
    ) -> tuple[float, float, list[tuple[str, float, int]]]:
        """``(weight, share, neighbours)``: how much the precedents count for a document with the
        sparse row ``(idx, val)``, the similarity-weighted share of them normative in kind, and
        the closest ones as (sha256, similarity, kind)."""
        if not len(self) or not idx.size or not self.idx.size:
            return 0.0, 0.0, []
        query = np.zeros(n_features)
        query[idx] = val
        products = query[self.idx] * self.val
        lengths = np.diff(self.ptr)
        sims = np.zeros(len(self))
        nonempty = lengths > 0
        sims[nonempty] = np.add.reduceat(products, self.ptr[:-1][nonempty])
        order = np.argsort(-sims, kind="stable")[: self.top]
        close = [int(i) for i in order if sims[i] >= self.threshold]
        if not close:
            return 0.0, 0.0, []
        strength = np.array([sims[i] ** 2 for i in close])
        share = float(strength @ self.kind[close].astype(float) / strength.sum())
        best = float(sims[close[0]])
        # -- evidence accumulates: one close decided file counts half, five of a template nearly
        # in full (1 − ½ⁿ)
        weight = (
            self.max_weight
            * (best - self.threshold)
            / (1.0 - self.threshold)
            * (1.0 - 0.5 ** len(close))
        )
        refs = [(str(self.sha[i]), round(float(sims[i]), 4), int(self.kind[i])) for i in close]
        return float(min(self.max_weight, max(0.0, weight))), share, refs

    @classmethod
    def build(
        cls,
        rows: Sequence[tuple[np.ndarray, np.ndarray]],
        kinds: Sequence[bool],
        shas: Sequence[str],
    ) -> Precedents:
        lengths = [len(i) for i, _ in rows]
        ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        idx = (
            np.concatenate([i for i, _ in rows]).astype(np.int64) if rows else np.zeros(0, np.int64)
        )
        val = np.concatenate([v for _, v in rows]).astype(np.float64) if rows else np.zeros(0)
        return cls(ptr, idx, val, np.asarray(kinds, dtype=np.int8), np.array(list(shas), dtype=str))

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "prec_ptr": self.ptr,
            "prec_idx": self.idx,
            "prec_val": self.val,
            "prec_kind": self.kind,
            "prec_sha": self.sha,
        }


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
    facts: list[Fact] = field(default_factory=list)


@dataclass
class KindScore:
    """The genre score of one document (independent of the as-of date and the batch): from the
    text alone (``facts`` empty) or with the legal facts added (:meth:`ScreeningModel.with_facts`)."""

    probability: float
    evidence: list[Evidence]
    #: The calibrated text logit the probability came from (``None`` when only a stored
    #: probability is known).
    text_logit: float | None = None
    facts: list[Fact] = field(default_factory=list)
    #: Decided documents close to this one: their weight, the share normative in kind, and the
    #: closest ones (sha256, similarity, kind).
    precedent_weight: float = 0.0
    precedent_share: float = 0.0
    precedents: list[tuple[str, float, int]] = field(default_factory=list)


@dataclass(frozen=True)
class LegalCombination:
    """How the legal facts join the text: ``logit = bias + clip(scale · text, ±bound) + Σ weights``.

    The bound keeps the words below a decisive fact: with ``bound`` 3 no text, however sure,
    outweighs a registration number (3.5) or a technical standard (−3.0).
    """

    weights: dict[str, float]
    scale: float = 1.0
    bias: float = 0.0
    bound: float = 3.0

    def logit(self, text_logit: float, facts: Sequence[Fact]) -> float:
        bounded = max(-self.bound, min(self.bound, self.scale * text_logit))
        return self.bias + bounded + facts_logit(list(facts), self.weights)

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": self.weights,
            "scale": self.scale,
            "bias": self.bias,
            "bound": self.bound,
        }


def _marker_name(feature: str) -> str:
    if feature.startswith("@文种:"):
        return f"〔结构〕文种：{feature.split(':', 1)[1]}"
    if feature.startswith("@印发:"):
        return f"〔结构〕印发{feature.split(':', 1)[1]}"
    return MARKER_NAMES.get(feature, feature)


class _TokenIds(dict[str, int]):
    """Token → the id of the word it normalises to, filled as tokens are met."""

    def __init__(self, index: _ColumnIndex) -> None:
        super().__init__()
        self.index = index

    def __missing__(self, token: str) -> int:
        word = normalize_token(token)
        index = self.index
        found = index.UNSUPPORTED if " " in word else index.words.get(word, index.unknown)
        self[token] = found
        return found


class _ColumnIndex:
    """The model's columns looked up by word ids, not by feature strings.

    A document's features are its words (punctuation left out), the pairs of adjacent words
    (``"a b"``) and a copy of each prefixed with the issuer's level (``"local|a"``). Building those
    strings for every document cost more than the rest of the prediction; here each token is
    looked up once (cached across documents) as the id of the word it normalises to, and the
    columns of words, pairs and copies come from arrays over those ids. The result is the string
    path's, in its order (a test holds them equal).
    """

    #: Cached tokens kept at most (a batch's distinct tokens are far fewer).
    MAX_CACHED_TOKENS = 1 << 20
    #: The id of a token the ids cannot stand for (it holds a space, as no word should).
    UNSUPPORTED = -2

    def __init__(self, vocab: Sequence[str]) -> None:
        words: dict[str, int] = {}
        unigrams: list[tuple[str, str, int]] = []
        pairs: list[tuple[str, str, str, int]] = []
        for column, term in enumerate(vocab):
            level, bar, base = term.partition("|")
            if not (bar and level in ISSUER_LEVELS):
                level, base = "", term
            first, space, second = base.partition(" ")
            if space and " " not in second:
                pairs.append((level, first, second, column))
                words.setdefault(first, len(words))
                words.setdefault(second, len(words))
            elif not space:
                unigrams.append((level, base, column))
                words.setdefault(base, len(words))
            # -- any other term (two spaces) is no feature a document can have
        self.words = words
        n = len(words) + 1  # -- the last slot stands for every word outside the vocabulary
        self.unknown = len(words)
        levels = ("", *ISSUER_LEVELS)
        self.unigram = {level: np.full(n, -1, dtype=np.int64) for level in levels}
        for level, word, column in unigrams:
            self.unigram[level][words[word]] = column
        keys = np.array([words[a] * n + words[b] for _, a, b, _ in pairs], dtype=np.int64)
        # -- -1 is no pair's key: it keeps the array from being empty
        self.pair_keys = np.unique(np.append(keys, -1))
        slots = np.searchsorted(self.pair_keys, keys)
        of_level = np.array([level for level, _, _, _ in pairs], dtype=object)
        columns = np.array([column for _, _, _, column in pairs], dtype=np.int64)
        self.pair = {}
        for level in levels:
            table = np.full(len(self.pair_keys), -1, dtype=np.int64)
            mine = of_level == level
            table[slots[mine]] = columns[mine]
            self.pair[level] = table
        self.size = n
        self._ids = _TokenIds(self)

    def columns(self, tokens: Sequence[str], level: str) -> np.ndarray | None:
        """Columns of the features of ``tokens`` (already cut to the words read) and their
        ``level`` copies; ``None`` when a token holds a space (the strings decide then)."""
        if len(self._ids) >= self.MAX_CACHED_TOKENS:
            self._ids.clear()
        ids = np.fromiter(map(self._ids.__getitem__, tokens), np.int64, count=len(tokens))
        if (ids == self.UNSUPPORTED).any():
            return None
        keys = ids[:-1] * self.size + ids[1:]
        slots = np.searchsorted(self.pair_keys, keys)
        slots[slots == len(self.pair_keys)] = 0
        known = self.pair_keys[slots] == keys
        parts = []
        for lvl in ("", level) if level in ISSUER_LEVELS else ("",):
            parts.append(self.unigram[lvl][ids])
            parts.append(np.where(known, self.pair[lvl][slots], -1))
        found = np.concatenate(parts)
        return found[found >= 0]


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
        legal: LegalCombination | None = None,
        precedents: Precedents | None = None,
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
        #: ``None`` for format-2 models: the genre comes from the text alone.
        self.legal = legal
        self.precedents = precedents
        self._table: _ColumnIndex | None = None
        #: The file the model was loaded from and the sha256 of its bytes (``None`` when built
        #: in memory): worker processes here load it themselves rather than receive it by pipe.
        self.source: tuple[str, str] | None = None
        self._evidence_names: dict[int, str | None] = {}
        self._segmenter: Segmenter | None = None
        n = len(self.vocab_list)
        if self.idf.shape != (n,) or self.coef.shape != (1, n):
            raise ModelLoadError(
                "模型文件内部数组形状不一致，文件可能已损坏。请重新训练或恢复模型。"
            )

    def __getstate__(self) -> dict[str, Any]:
        # -- sent to worker processes: the lookup tables are rebuilt there, not pickled
        state = dict(self.__dict__)
        state["_table"] = None
        state["_evidence_names"] = {}
        state["vocab"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.vocab = {term: i for i, term in enumerate(self.vocab_list)}

    def prepare(self) -> None:
        """Build now what the model builds on first use (the segmenter, the column index): before
        worker processes fork from this one, so that they share it rather than build it each."""
        self.segmenter  # noqa: B018
        if self.legal is not None:
            self._index()

    def unchanged_source(self) -> tuple[str, str] | None:
        """:attr:`source` while its file still holds the bytes the model was loaded from."""
        if self.source is None:
            return None
        try:
            now = hashlib.sha256(Path(self.source[0]).read_bytes()).hexdigest()
        except OSError:
            return None
        return self.source if now == self.source[1] else None

    @property
    def fact_weights(self) -> dict[str, float]:
        """The weight of each legal fact in this model (none for format-2 models)."""
        return self.legal.weights if self.legal else {}

    # -- features
    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = Segmenter(self.dictionary, backend=self.card.get("segmenter"))
        return self._segmenter

    def features(self, text: str, meta: Metadata) -> list[str]:
        params = self.card.get("params", {})
        max_tokens = int(params.get("max_tokens", MAX_TOKENS))
        # -- format-2 models read structure markers among the words; later ones leave structure
        # to the legal facts
        markers = bool(params.get("markers", self.legal is None))
        return document_features(
            self.segmenter.cut(content(text)), text, meta, max_tokens, markers=markers
        )

    def _vectorize(self, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and TF-IDF weights, exactly as sklearn's sublinear, l2 TfidfVectorizer."""
        vocab = self.vocab
        return self._weigh(np.array([vocab[f] for f in features if f in vocab], dtype=np.int64))

    def _weigh(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """TF-IDF weights of a document given the column of each of its features, in feature
        order. The columns come back in the order of their first occurrence, as a Counter
        would give them, so that every sum runs in the same order whichever path built them."""
        if not columns.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        unique, first, tf = np.unique(columns, return_index=True, return_counts=True)
        order = np.argsort(first, kind="stable")
        idx, tf = unique[order], tf[order].astype(np.float64)
        weights = (1.0 + np.log(tf)) * self.idf[idx]
        norm = math.sqrt(float(weights @ weights))
        return idx, weights / norm if norm else weights

    def _index(self) -> _ColumnIndex:
        if self._table is None:
            self._table = _ColumnIndex(self.vocab_list)
        return self._table

    @property
    def max_tokens(self) -> int:
        """Words read per document (set in training)."""
        return int(self.card.get("params", {}).get("max_tokens", MAX_TOKENS))

    def words(self, text: str) -> list[str]:
        """The words of ``text`` the model reads: the first :attr:`max_tokens` of its content."""
        return self.segmenter.head(content(text), self.max_tokens)

    def columns(self, tokens: Sequence[str], level: str) -> np.ndarray:
        """The column of every feature of a document (words, pairs, their copies for ``level``),
        in the order :func:`~screening.model.features.document_features` lists them, filtered
        to the vocabulary — without building the features' strings (see :class:`_ColumnIndex`)."""
        max_tokens = self.max_tokens
        columns = self._index().columns(tokens[:max_tokens], level)
        if columns is None:  # -- a token the index cannot stand for: the strings, as trained
            base = word_features(tokens, max_tokens)
            features = base + ([f"{level}|{f}" for f in base] if level in ISSUER_LEVELS else [])
            vocab = self.vocab
            columns = np.array([vocab[f] for f in features if f in vocab], dtype=np.int64)
        return columns

    def _evidence_name(self, column: int) -> str | None:
        """The feature of ``column`` as evidence for a reader: a word and its issuer-level copy
        under one name; ``None`` for what tells a reader nothing ("的 ，" or "并")."""
        try:
            return self._evidence_names[column]
        except KeyError:
            pass
        feature = self.vocab_list[column]
        base = feature.split("|", 1)[1] if "|" in feature else feature
        if not base.startswith("@") and (
            any(_PUNCT.match(w) for w in base.split(" ")) or len(base.replace(" ", "")) < 2
        ):
            name = None
        else:
            name = base
        self._evidence_names[column] = name
        return name

    def kind_from_features(self, features: Sequence[str], n_evidence: int = 5) -> KindScore:
        """``p_kind`` and the features that pushed the document towards its side."""
        return self._kind(*self._vectorize(features), n_evidence)

    def _kind(self, idx: np.ndarray, weights: np.ndarray, n_evidence: int) -> KindScore:
        logit = float(self.coef[0, idx] @ weights + self.intercept[0]) / self.temperature
        probability = _sigmoid(logit)
        contrib = weights * self.coef[0, idx] * (1.0 if probability >= 0.5 else -1.0)
        # A word and its issuer-level copy are one piece of evidence for the reader: add them up.
        merged: dict[str, float] = {}
        # The strongest few dozen are enough to find the top evidence (a word and its copy
        # rank close together); scanning every feature would cost more than the prediction.
        candidates = np.argsort(-contrib)[: 8 * n_evidence + 20]
        for j in candidates[contrib[candidates] > 0]:
            base = self._evidence_name(int(idx[j]))
            if base is not None:
                merged[base] = merged.get(base, 0.0) + float(contrib[j])
        top = sorted(merged.items(), key=lambda kv: -kv[1])[:n_evidence]
        kind = KindScore(probability, [Evidence(f, round(w, 4)) for f, w in top], logit)
        if self.precedents is not None:
            kind.precedent_weight, kind.precedent_share, kind.precedents = self.precedents.nearest(
                idx, weights, len(self.vocab_list)
            )
        return kind

    def vector(self, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The document's sparse TF-IDF row (column indices, l2-normalised weights)."""
        return self._vectorize(features)

    def with_facts(self, kind: KindScore, facts: Sequence[Fact]) -> KindScore:
        """The genre score once the legal facts are added to the text's (format-2 models and
        stored scores without a text logit are returned as they are)."""
        if kind.text_logit is None:
            return kind
        probability = (
            _sigmoid(self.legal.logit(kind.text_logit, facts)) if self.legal else kind.probability
        )
        # -- decided documents like this one pull the genre towards the advisors' call
        w = kind.precedent_weight
        probability = (1.0 - w) * probability + w * kind.precedent_share
        return KindScore(
            probability,
            kind.evidence,
            kind.text_logit,
            list(facts),
            kind.precedent_weight,
            kind.precedent_share,
            kind.precedents,
        )

    def kind(self, text: str, meta: Metadata, n_evidence: int = 5) -> KindScore:
        """The text part on one document."""
        if self.legal is None:  # -- format 2: structure markers among the words, string path
            return self.kind_from_features(self.features(text, meta), n_evidence)
        columns = self.columns(self.words(text), issuer_level_of(meta))
        return self._kind(*self._weigh(columns), n_evidence)

    def kind_of(self, document: Document, n_evidence: int = 5) -> KindScore:
        """The text part on a document already read; its words are cut once and kept on it."""
        if self.legal is None:
            return self.kind(document.text, document.metadata, n_evidence)
        # -- tokens depend on the model's dictionary: kept per model version
        if document.tokens is None or document.tokens_by != self.version:
            document.tokens = self.words(document.text)
            document.tokens_by = self.version
        columns = self.columns(document.tokens, issuer_level_of(document.metadata))
        return self._kind(*self._weigh(columns), n_evidence)

    def shift(self, kind: KindScore, facts: Sequence[Fact]) -> KindScore:
        """``kind`` with the weights of more facts added to its logit (facts a batch shows about a
        document, after its own were counted). Exact: facts add outside the text's bound."""
        if self.legal is None or not facts:
            return kind
        p = min(max(kind.probability, 1e-9), 1 - 1e-9)
        logit = math.log(p / (1 - p)) + facts_logit(list(facts), self.legal.weights)
        return KindScore(
            _sigmoid(logit),
            kind.evidence,
            kind.text_logit,
            kind.facts + list(facts),
            kind.precedent_weight,
            kind.precedent_share,
            kind.precedents,
        )

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
            facts=kind.facts,
        )

    def predict(
        self, text: str, meta: Metadata, repeal_rule_ids: Sequence[str] = (), n_evidence: int = 5
    ) -> Prediction:
        """Label, probabilities and evidence for one document with the given repeal findings."""
        from ..law import legal_facts, parse_structure

        level = issuer_level_of(meta)
        kind = self.kind(text, meta, n_evidence)
        kind = self.with_facts(kind, legal_facts(parse_structure(text, meta), text))
        return self.combine(kind, repeal_rule_ids, level)

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
            "legal": self.legal.to_dict() if self.legal else None,
            "precedents": (
                {
                    "threshold": self.precedents.threshold,
                    "max_weight": self.precedents.max_weight,
                    "top": self.precedents.top,
                }
                if self.precedents is not None
                else None
            ),
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
            **(self.precedents.arrays() if self.precedents is not None else {}),
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
            data = path.read_bytes()  # -- once: the archive and its sha256 are the same bytes
            _check_container(io.BytesIO(data), path)
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                missing = _ARRAYS - set(archive.files)
                if missing:
                    raise ModelLoadError(
                        f"模型文件 {path} 缺少 {', '.join(sorted(missing))}，不是 screening 模型。"
                    )
                arrays = {name: archive[name] for name in _ARRAYS}
                arrays.update({n: archive[n] for n in _PRECEDENT_ARRAYS if n in archive.files})
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
        legal = _checked_legal(meta, path)
        model = cls(
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
            legal=legal,
            precedents=_precedents(arrays, meta, path),
        )
        model.source = (str(path), hashlib.sha256(data).hexdigest())
        return model


def _precedents(
    arrays: dict[str, np.ndarray], meta: dict[str, Any], path: Path
) -> Precedents | None:
    present = [n for n in _PRECEDENT_ARRAYS if n in arrays]
    if not present:
        return None
    if len(present) != len(_PRECEDENT_ARRAYS):
        raise ModelLoadError(
            f"模型文件 {path} 的先例数组不完整，文件可能已损坏。请重新训练或恢复模型。"
        )
    spec = meta.get("precedents") or {}
    kinds = {n: arrays[n].dtype.kind for n in _PRECEDENT_ARRAYS}
    if (
        kinds["prec_ptr"] not in "iu"
        or kinds["prec_idx"] not in "iu"
        or kinds["prec_kind"] not in "iu"
        or kinds["prec_val"] != "f"
        or kinds["prec_sha"] != "U"
        or not np.isfinite(arrays["prec_val"]).all()
        or not isinstance(spec, dict)
        or not all(_finite(spec.get(k, 0.5)) for k in ("threshold", "max_weight", "top"))
    ):
        raise ModelLoadError(f"模型文件 {path} 的先例数组类型无效，文件可能已损坏。{_RETRAIN}")
    prec = Precedents(
        arrays["prec_ptr"].astype(np.int64),
        arrays["prec_idx"].astype(np.int64),
        arrays["prec_val"].astype(np.float64),
        arrays["prec_kind"].astype(np.int8),
        arrays["prec_sha"].astype(str),
        float(spec.get("threshold", Precedents.threshold)),
        float(spec.get("max_weight", Precedents.max_weight)),
        int(spec.get("top", Precedents.top)),
    )
    n = len(prec)
    if (
        prec.ptr.shape != (n + 1,)
        or prec.sha.shape != (n,)
        or prec.idx.shape != prec.val.shape
        or int(prec.ptr[0]) != 0
        or int(prec.ptr[-1]) != prec.idx.shape[0]
        or bool((np.diff(prec.ptr) < 0).any())
        or (
            prec.idx.size
            and (int(prec.idx.max()) >= len(arrays["vocab"]) or int(prec.idx.min()) < 0)
        )
    ):
        raise ModelLoadError(
            f"模型文件 {path} 的先例数组形状不一致，文件可能已损坏。请重新训练或恢复模型。"
        )
    return prec


def _sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))


_RETRAIN = "请重新训练（screening train）或从备份恢复模型文件。"
#: A model archive holds five arrays; the shipped one inflates to about 3 MB.
_MAX_MEMBERS = 16
_MAX_MODEL_BYTES = 1 << 30


def _check_container(archive_bytes: io.BytesIO, path: Path) -> None:
    """Refuse an archive with unexpected members or that would inflate past 1 GiB."""
    with zipfile.ZipFile(archive_bytes) as archive:
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
    if meta.get("format") not in READABLE_FORMATS:
        raise ModelLoadError(
            f"模型文件 {path} 的格式版本为 {meta.get('format')!r:.40}，本程序只支持版本 "
            f"{'、'.join(map(str, READABLE_FORMATS))}。请升级 screening 或重新训练模型。"
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


def _checked_legal(meta: dict[str, Any], path: Path) -> LegalCombination | None:
    """The legal combination of a format-3 file, checked (``None`` for format 2)."""
    spec = meta.get("legal")
    if spec is None:
        return None
    weights = spec.get("weights") if isinstance(spec, dict) else None
    if not (
        isinstance(weights, dict)
        and all(isinstance(k, str) and _finite(v) for k, v in weights.items())
        and all(_finite(spec.get(k)) for k in ("scale", "bias", "bound"))
        and spec["bound"] > 0
    ):
        raise ModelLoadError(
            f"模型文件 {path} 的元数据无效：legal 应含有限的权重、scale、bias 与 bound。{_RETRAIN}"
        )
    return LegalCombination(
        weights={k: float(v) for k, v in weights.items()},
        scale=float(spec["scale"]),
        bias=float(spec["bias"]),
        bound=float(spec["bound"]),
    )


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
