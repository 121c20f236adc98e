"""A sample of the generated hostile files in one `screening screen` run.

Every special case of tests/hostile_corpus.py (zip bombs, 20,000 members, 60,000-deep nesting,
self-referencing objects, surrogates and NULs …) plus a random sample of mutated valid files:
the command ends with exit code 0 or 3, every file has exactly one row, no row is an internal
error, and every error message is a whole Chinese sentence. benchmarks/hostile.py runs all of
them and measures time per file and memory.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from screening.cli import cli

from .hostile_corpus import SLOW, cases, generate


def test_a_batch_of_hostile_files_finishes_with_one_clean_row_each(
    tmp_path: Path, screening_home: Path
) -> None:
    files = generate(tmp_path / "hostile", sample=25)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["screen", str(tmp_path / "hostile"), "--out", str(out), "--time-limit", "30"]
    )
    assert result.exit_code in (0, 3), result.output
    assert "Traceback" not in result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    rows = report["files"]
    # every special case but the slow ones, 25 mutations and the file whose name is not UTF-8
    assert len(files) == len(cases()) - len(SLOW) + 25 + 1
    assert len(rows) == len(files)
    assert sorted(r["seq"] for r in rows) == list(range(1, len(files) + 1))
    unread = [r for r in rows if r["status"] != "ok"]
    assert unread, "hostile files cannot all be read"
    for row in unread:
        assert row["error"], row
        assert row["error"].endswith("。"), row
        assert "内部错误" not in row["error"], row
    assert not (screening_home / "errors.log").exists()
