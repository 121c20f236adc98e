"""How well the metadata reader finds title, own 文号, issuer and issue date on real files.

Run by hand (needs ../shared/realdata/dev.jsonl):
    python benchmarks/metadata_accuracy.py [--as-of 2026-11-27] [--show N]

Each dev record is read as `screening evaluate` reads it (a catalogue record whose text lacks
its title or 文号 gets them as first lines, as the paper shows them); the metadata is then read
from that text alone — the record's own fields are only the reference — and compared per source:

- title: equal after removing spaces, quotes and brackets;
- own 文号: equal after canonicalisation (〔〕, no 第, no leading zeros); where the catalogue
  left the number blank, a number read from the text is counted as right and reported apart
  (these records print their number in the text: check them with --show);
- issuer: the first issuer read is the reference's lead organ, exactly (strict), or the same organ
  written without its province/city prefix, in a listed short form, or without the bracket that
  lists its other names (``screening.law.metadata.same_organ``);
- issue date: within 31 days of the reference (records whose reference is a full date), and how
  many read dates fall after the as-of date.

With --show N the first N misses of each field on the local slice are printed.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "realdata" / "dev.jsonl"
sys.path.insert(0, str(REPO))

LOCAL = "zhiyao87/Shanghai-Gov-Docs-Index"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", default="2026-11-27")
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    if not DEV.is_file():
        sys.exit("../shared/realdata/dev.jsonl is absent: nothing to measure.")
    from screening.law.metadata import parse_metadata, same_organ, split_issuers
    from screening.law.structure import normalize_doc_number
    from screening.model.evaluate import document_text, load_dataset

    as_of = date.fromisoformat(args.as_of)

    def plain(s: str | None) -> str:
        return re.sub(r"[\s《》〈〉“”\"'‘’（）()]", "", s or "")

    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses: dict[str, list[str]] = defaultdict(list)
    for record in load_dataset(DEV):
        source = record.source or "—"
        c = counts[source]
        meta = parse_metadata(document_text(record))
        c["n"] += 1
        # -- title
        ok = plain(meta.title) == plain(record.title)
        c["title"] += ok
        if not ok and source == LOCAL:
            misses["title"].append(f"{record.id}: {meta.title!r} ≠ {record.title!r}")
        # -- own 文号
        ref = normalize_doc_number(record.doc_number) if record.doc_number else None
        got = normalize_doc_number(meta.doc_number) if meta.doc_number else None
        ok = got == ref
        if ref is None and got is not None:
            c["doc_number_unreferenced"] += 1  # the catalogue left it blank; the text has one
            ok = True
        c["doc_number"] += ok
        if not ok and source == LOCAL:
            misses["doc_number"].append(f"{record.id}: {meta.doc_number!r} ≠ {record.doc_number!r}")
        # -- issuer
        if record.issuer:
            c["issuer_n"] += 1
            first = (meta.issuers or [None])[0]
            lead = split_issuers(record.issuer)[0]
            c["issuer_strict"] += plain(first) == plain(lead)
            ok = first is not None and same_organ(first, lead)
            c["issuer"] += ok
            if not ok and source == LOCAL:
                misses["issuer"].append(f"{record.id}: {meta.issuers!r} ≠ {record.issuer!r}")
        # -- issue date
        if record.date and len(record.date) == 10:
            c["date_n"] += 1
            ref_date = date.fromisoformat(record.date)
            got_date = date.fromisoformat(meta.date) if meta.date else None
            ok = got_date is not None and abs((got_date - ref_date).days) <= 31
            c["date"] += ok
            c["date_none"] += got_date is None
            c["date_after_as_of"] += got_date is not None and got_date > as_of
            if not ok and source == LOCAL:
                misses["date"].append(f"{record.id}: {meta.date} ≠ {record.date}")

    def pct(a: int, b: int) -> str:
        return f"{a / b:6.1%}" if b else "     —"

    print(
        f"{'source':40} {'n':>4} {'title':>7} {'文号':>7} {'issuer':>7} {'(strict)':>8} "
        f"{'date±31d':>8} {'no date':>7} {'after as-of':>11} {'文号 not in catalogue':>20}"
    )
    for source in sorted(counts, key=lambda s: (s != LOCAL, s)):
        c = counts[source]
        print(
            f"{source[:40]:40} {c['n']:4d} {pct(c['title'], c['n']):>7} "
            f"{pct(c['doc_number'], c['n']):>7} {pct(c['issuer'], c['issuer_n']):>7} "
            f"{pct(c['issuer_strict'], c['issuer_n']):>8} {pct(c['date'], c['date_n']):>8} "
            f"{c['date_none']:7d} {c['date_after_as_of']:11d} {c['doc_number_unreferenced']:20d}"
        )
    for field, lines in misses.items():
        for line in lines[: args.show]:
            print(f"  miss {field}: {line}")


if __name__ == "__main__":
    main()
