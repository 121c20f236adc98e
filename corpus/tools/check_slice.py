"""Quick self-check for a corpus slice while it is being written.

Usage: python3 corpus/tools/check_slice.py corpus/docs/<slice>
Prints counts per label and every header problem found. Standard library only.
"""

import re
import sys
from collections import Counter
from pathlib import Path

REQUIRED = [
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
]
LABELS = {"normative", "non_normative", "repeal"}
LEVELS = {"中央", "省", "市", "区县", "乡镇", "街道"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def main(folder: str) -> int:
    problems = []
    labels: Counter[str] = Counter()
    ids = set()
    for path in sorted(Path(folder).glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        head, sep, body = raw.partition("\n---\n")
        if not sep:
            problems.append(f"{path.name}: no '---' line")
            continue
        meta = {}
        for line in head.splitlines():
            key, colon, value = line.partition(":")
            if not colon:
                problems.append(f"{path.name}: bad header line {line!r}")
                continue
            meta[key.strip()] = value.strip()
        for key in REQUIRED:
            if key not in meta:
                problems.append(f"{path.name}: missing {key}")
        if meta.get("id") != path.stem:
            problems.append(f"{path.name}: id {meta.get('id')!r} != file name")
        if meta.get("id") in ids:
            problems.append(f"{path.name}: duplicate id")
        ids.add(meta.get("id"))
        if meta.get("label") not in LABELS:
            problems.append(f"{path.name}: bad label {meta.get('label')!r}")
        if meta.get("level") not in LEVELS:
            problems.append(f"{path.name}: bad level {meta.get('level')!r}")
        for key in ("as_of", "date"):
            if not DATE.match(meta.get(key, "")):
                problems.append(f"{path.name}: bad {key} {meta.get(key)!r}")
        if not 250 <= len(body.strip()) <= 3000:
            problems.append(f"{path.name}: body length {len(body.strip())}")
        if meta.get("title") and meta["title"] not in body:
            problems.append(f"{path.name}: title not found in text")
        if meta.get("doc_number") and meta["doc_number"] not in body:
            problems.append(f"{path.name}: doc_number not found in text")
        labels[meta.get("label", "?")] += 1
    print(dict(labels), "total", sum(labels.values()))
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
