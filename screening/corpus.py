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

from .errors import CorpusError
from .labels import LABELS

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
