"""The labelled training corpus written by the team (corpus/docs/**.txt).

Each document is a UTF-8 file: ``key: value`` header lines, a line ``---``, then the full text.
The format and the label rules are documented in corpus/README.md and corpus/WRITING.md.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorpusError
from ..labels import LABELS

REQUIRED = (
    "id",
    "label",
    "as_of",
    "province",
    "level",
    "subject",
    "doc_type",
    "title",
    "doc_number",
    "issuer",
    "date",
    "label_basis",
)
LEVELS = ("中央", "省", "市", "区县", "乡镇", "街道")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class CorpusDoc:
    """One labelled document of the corpus."""

    id: str
    label: str
    as_of: str
    text: str
    meta: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def parse_doc(raw: str, source: str) -> CorpusDoc:
    """Parse one corpus file; errors name the file and what to fix."""
    head, sep, body = raw.lstrip("\ufeff").partition("\n---\n")
    if not sep:
        raise CorpusError(f"语料文件 {source} 缺少分隔行“---”（头部与正文之间）。")
    meta: dict[str, str] = {}
    for number, line in enumerate(head.splitlines(), start=1):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise CorpusError(f"语料文件 {source} 第 {number} 行不是“键: 值”格式：{line!r}")
        meta[key.strip()] = value.strip()
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise CorpusError(f"语料文件 {source} 缺少字段：{', '.join(missing)}")
    if meta["label"] not in LABELS:
        raise CorpusError(
            f"语料文件 {source} 的标签 {meta['label']!r} 无效（可选：{', '.join(LABELS)}）。"
        )
    for key in ("as_of", "date"):
        if not _DATE.match(meta[key]):
            raise CorpusError(f"语料文件 {source} 的 {key} 不是 YYYY-MM-DD 日期：{meta[key]!r}")
    if meta["level"] not in LEVELS:
        raise CorpusError(
            f"语料文件 {source} 的层级 {meta['level']!r} 无效（可选：{'、'.join(LEVELS)}）。"
        )
    text = body.strip() + "\n"
    if len(text) < 200:
        raise CorpusError(f"语料文件 {source} 正文过短（{len(text)} 字），应为完整文件。")
    return CorpusDoc(id=meta["id"], label=meta["label"], as_of=meta["as_of"], text=text, meta=meta)


def load_corpus(root: Path) -> list[CorpusDoc]:
    """Load and validate every document under ``root/docs`` (or ``root`` itself), sorted by id."""
    docs_dir = root / "docs" if (root / "docs").is_dir() else root
    if not docs_dir.is_dir():
        raise CorpusError(f"找不到语料目录：{root}。请用 --corpus 指定包含 docs/ 的语料目录。")
    docs: list[CorpusDoc] = []
    for path in sorted(docs_dir.rglob("*.txt")):
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CorpusError(f"无法读取语料文件 {path}：{exc}。语料须为 UTF-8 文本。") from exc
        doc = parse_doc(raw, str(path))
        if doc.id != path.stem:
            raise CorpusError(f"语料文件 {path} 的 id {doc.id!r} 与文件名不一致。")
        doc.path = path
        docs.append(doc)
    if not docs:
        raise CorpusError(f"语料目录 {docs_dir} 中没有任何 .txt 语料文件。")
    dup_ids = [i for i, n in Counter(d.id for d in docs).items() if n > 1]
    if dup_ids:
        raise CorpusError(f"语料中有重复的 id：{', '.join(sorted(dup_ids)[:10])}")
    dup_texts = [h for h, n in Counter(d.text_sha256 for d in docs).items() if n > 1]
    if dup_texts:
        same = [d.id for d in docs if d.text_sha256 in dup_texts]
        raise CorpusError(f"语料中有正文完全相同的文件：{', '.join(same[:10])}")
    return sorted(docs, key=lambda d: d.id)


def corpus_hash(docs: list[CorpusDoc]) -> str:
    """sha256 over (id, label, as_of, text hash) of every document: the training-data identity."""
    digest = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: d.id):
        digest.update(f"{doc.id}\t{doc.label}\t{doc.as_of}\t{doc.text_sha256}\n".encode())
    return digest.hexdigest()


def _shingles(text: str, k: int = 5) -> set[int]:
    compact = re.sub(r"\s+", "", text)
    return {hash(compact[i : i + k]) for i in range(max(0, len(compact) - k + 1))}


def near_duplicates(
    docs: list[CorpusDoc], threshold: float = 0.5, k: int = 5
) -> list[tuple[str, str, float]]:
    """Pairs of documents whose character ``k``-gram sets have Jaccard similarity ≥ ``threshold``.

    Shingles shared by more than 5% of the corpus are stock phrases; they are left out of the
    candidate search (they alone cannot make two documents near-duplicates) but counted in the
    similarity of each candidate pair.
    """
    sets = [_shingles(d.text, k) for d in docs]
    index: dict[int, list[int]] = {}
    for i, shingles in enumerate(sets):
        for s in shingles:
            index.setdefault(s, []).append(i)
    common = max(3, len(docs) // 20)
    overlap: Counter[tuple[int, int]] = Counter()
    for members in index.values():
        if 1 < len(members) <= common:
            for a_pos, a in enumerate(members):
                for b in members[a_pos + 1 :]:
                    overlap[(a, b)] += 1
    pairs = []
    for (a, b), rare in overlap.items():
        smaller = min(len(sets[a]), len(sets[b])) or 1
        if rare < threshold * smaller * 0.5:
            continue  # cannot reach the threshold even with every stock phrase shared
        inter = len(sets[a] & sets[b])
        jaccard = inter / (len(sets[a]) + len(sets[b]) - inter)
        if jaccard >= threshold:
            pairs.append((docs[a].id, docs[b].id, round(jaccard, 3)))
    return sorted(pairs, key=lambda p: -p[2])


def max_similarity(docs: list[CorpusDoc], k: int = 5) -> list[tuple[str, str, float]]:
    """For every document, its most similar other document (Jaccard of k-gram sets), most similar first."""
    sets = [_shingles(d.text, k) for d in docs]
    best: list[tuple[str, str, float]] = []
    for i, a in enumerate(sets):
        top = (0.0, -1)
        for j, b in enumerate(sets):
            if i != j and a and b:
                inter = len(a & b)
                top = max(top, (inter / (len(a) + len(b) - inter), j))
        best.append((docs[i].id, docs[top[1]].id if top[1] >= 0 else "", round(top[0], 3)))
    return sorted(best, key=lambda p: -p[2])


_SENTENCE = re.compile(r"[^。；！？\n]{12,}[。；！？]")


def shared_sentences(docs: list[CorpusDoc], min_docs: int = 3) -> list[tuple[str, int]]:
    """Sentences (12+ characters) that occur in at least ``min_docs`` documents: boilerplate."""
    seen: Counter[str] = Counter()
    for doc in docs:
        seen.update({s.strip() for s in _SENTENCE.findall(doc.text)})
    return sorted(((s, n) for s, n in seen.items() if n >= min_docs), key=lambda p: -p[1])
