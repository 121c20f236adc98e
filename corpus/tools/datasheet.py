"""Print the composition tables of corpus/README.md from the corpus itself.

Usage: python corpus/tools/datasheet.py  (run from the repository root)
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screening.labels import LABELS
from screening.model.corpus import load_corpus, max_similarity, near_duplicates, shared_sentences

THRESHOLD = 0.5  # Jaccard similarity of character 5-gram sets that counts as a near-duplicate


def table(title: str, counter: Counter[str], by_label: dict[str, Counter[str]]) -> None:
    print(f"\n### {title}\n")
    print("| | " + " | ".join(LABELS) + " | total |")
    print("|---|" + "---:|" * (len(LABELS) + 1))
    for key, n in counter.most_common():
        print(f"| {key} | " + " | ".join(str(by_label[lab][key]) for lab in LABELS) + f" | {n} |")


def main() -> None:
    docs = load_corpus(Path("corpus"))
    labels = Counter(d.label for d in docs)
    print(f"documents: {len(docs)}; " + ", ".join(f"{lab} {labels[lab]}" for lab in LABELS))
    for field in ("level", "province"):
        counter = Counter(d.meta[field] for d in docs)
        by_label = {lab: Counter(d.meta[field] for d in docs if d.label == lab) for lab in LABELS}
        table(field, counter, by_label)
    years = Counter(d.meta["date"][:4] for d in docs)
    print("\nyears: " + ", ".join(f"{y} {n}" for y, n in sorted(years.items())))
    subjects = Counter(d.meta["subject"] for d in docs)
    print(f"\nsubject areas: {len(subjects)}")
    doc_types = Counter(d.meta["doc_type"] for d in docs)
    print(
        f"document types: {len(doc_types)}: "
        + "、".join(f"{t} {n}" for t, n in doc_types.most_common(40))
    )
    hard = Counter(d.meta.get("hard_case", "") for d in docs if d.meta.get("hard_case"))
    print("\nhard cases: " + "、".join(f"{t} {n}" for t, n in hard.most_common()))
    as_of = Counter(d.as_of for d in docs)
    print(f"\nas_of dates: {len(as_of)} distinct; {as_of.most_common(1)[0]} most common")
    no_number = sum(1 for d in docs if not d.meta.get("doc_number"))
    print(f"without 文号: {no_number}")
    lengths = sorted(len(d.text) for d in docs)
    print(
        f"length: median {lengths[len(lengths) // 2]}, min {lengths[0]}, max {lengths[-1]} characters"
    )
    pairs = near_duplicates(docs, THRESHOLD)
    print(f"\nnear-duplicate pairs (Jaccard of character 5-grams >= {THRESHOLD}): {len(pairs)}")
    for a, b, j in pairs[:20]:
        print(f"  {a} ~ {b}: {j}")
    top = max_similarity(docs)[:5]
    print("most similar pairs: " + "; ".join(f"{a}~{b} {j}" for a, b, j in top))
    shared = shared_sentences(docs, 3)
    print(f"sentences (12+ characters) shared by 3 or more documents: {len(shared)}")
    for sentence, n in shared[:10]:
        print(f"  {n}× {sentence}")


if __name__ == "__main__":
    main()
