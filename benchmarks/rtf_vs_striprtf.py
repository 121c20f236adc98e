"""Our RTF reader against striprtf (PyPI) on our RTF files: text read, failures, time.

Run by hand:  pip install striprtf && python benchmarks/rtf_vs_striprtf.py

Cases: the LibreOffice-made fixture of the tests; a GBK file with skipped groups and \\uN
escapes; the hostile shapes of tests/hostile_corpus.py (60,000-deep nesting, unbalanced braces,
surrogate and NUL escapes); the fixture's body repeated to 1.5 MB for time. striprtf does not read
\\ansicpg, so it is given the code page (GBK) our reader finds itself.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    try:
        from striprtf.striprtf import rtf_to_text
    except ImportError:
        sys.exit("striprtf is not installed: pip install striprtf")
    from screening.read import extract_bytes

    fixture = (REPO / "tests" / "fixtures" / "doc-word97-chinese-table.rtf").read_bytes()
    head, body = fixture[: fixture.index(b"\\pard")], fixture[fixture.index(b"\\pard") : -1]
    cases = {
        "fixture": fixture,
        "gbk, skipped groups, \\uN": (
            b"{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0\\fnil\\fcharset134 \\'cb\\'ce\\'cc\\'e5;}}"
            b"{\\*\\generator x;}{\\header \\'d2\\'b3\\'c3\\'bc\\par}"
            b"\\'cd\\'a8\\'d6\\'aa\\par \\uc1\\u31532?\\u19968?\\u26465? \\'b9\\'e6\\'b6\\'a8\\par}"
        ),
        "nesting 60,000 deep": b"{\\rtf1\\ansi "
        + b"{" * 60000
        + b"\\u28145?"
        + b"}" * 60000
        + b"}",
        "unbalanced braces": b"{\\rtf1 " + b"}" * 60000 + b"text" + b"{" * 60000,
        "surrogates and NUL": b"{\\rtf1\\ansi \\u-10240?\\u-8903?\\'00\\'ff\\u65535? text}",
        "1.5 MB": head + body * 400 + b"}",
    }
    readers = {
        "ours": lambda data: extract_bytes(data, "rtf").text,
        "striprtf": lambda data: rtf_to_text(data.decode("latin-1"), encoding="gbk"),
    }
    for name, data in cases.items():
        for reader, read in readers.items():
            start = time.perf_counter()
            try:
                text = read(data)
                shown = repr(text[:50])
                bad = sum(1 for ch in text if "\ud800" <= ch <= "\udfff" or ch == "\x00")
                note = f" ({bad} lone surrogates or NULs)" if bad else ""
            except Exception as exc:
                shown, note = f"{type(exc).__name__}: {exc}"[:80], ""
            print(f"{name:26} {reader:9} {time.perf_counter() - start:7.3f} s  {shown}{note}")


if __name__ == "__main__":
    main()
