"""Vary the modal verbs of the corpus the way real files vary them (applied once, in stop 9).

Usage: python corpus/tools/vary_modals.py [--apply]   (without --apply: print what would change)

Our writers wrote 应当 in nearly every normative document (93%) and 要 in non-normative ones
(61% vs 22%), while real files mix 应, 应当, 要 and 须 in every genre (应 alone appears in over
80% of real documents of both kinds). A model trained on the corpus learned the writers' habit.
This tool gives each document one modal style, chosen by a hash of its id (so it is
deterministic), and rewrites its duty words accordingly; labels, structure and legal meaning do
not change (应当, 应, 须 and, in a work notice, 要 all state a duty).

Standard library only. The rewrite was applied once; running it again would vary the text again.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: 要 as a modal verb: not part of 要求, 主要, 重要, 需要, 纪要 … (previous or next character).
_MODAL_YAO = re.compile(
    r"(?<![主重需必只纪摘首简扼提紧不切将想还就机索纲概政显权])要(?![求点素件害闻么是员务领塞冲紧案、地道职事])"
)
_YINGDANG = re.compile(r"应当")

#: Style of a document with 应当 (normative and repeal): share of documents, replacement.
_DUTY_STYLES = [(0.40, None), (0.35, "应"), (0.15, "须"), (0.10, "要")]
#: Style of a document with modal 要 (non-normative): share of documents, replacement.
_WORK_STYLES = [(0.40, None), (0.25, "应当"), (0.25, "应"), (0.10, "须")]


def _pick(doc_id: str, styles: list[tuple[float, str | None]]) -> str | None:
    u = int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    total = 0.0
    for share, word in styles:
        total += share
        if u < total:
            return word
    return styles[-1][1]


def vary(doc_id: str, label: str, body: str) -> str:
    """The body with its duty words in the document's style."""
    if label in ("normative", "repeal"):
        word = _pick(doc_id, _DUTY_STYLES)
        return body if word is None else _YINGDANG.sub(word, body)
    word = _pick(doc_id, _WORK_STYLES)
    return body if word is None else _MODAL_YAO.sub(word, body)


def main() -> None:
    apply = "--apply" in sys.argv[1:]
    changed = 0
    for path in sorted(DOCS.rglob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        head, sep, body = raw.partition("\n---\n")
        doc_id = re.search(r"^id: (\S+)", head, re.M)
        label = re.search(r"^label: (\S+)", head, re.M)
        if not sep or not doc_id or not label:
            continue
        new = vary(doc_id.group(1), label.group(1), body)
        if new != body:
            changed += 1
            if apply:
                path.write_text(head + sep + new, encoding="utf-8")
            else:
                print(path)
    print(f"{'changed' if apply else 'would change'}: {changed} documents")


if __name__ == "__main__":
    main()
