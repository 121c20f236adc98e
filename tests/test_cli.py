import csv
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening import __version__
from screening.cli import cli
from screening.ledger.store import Store
from screening.model.classifier import ScreeningModel
from screening.model.registry import load_model, resolve_model_path
from screening.pipeline.screen import screen_paths

from .conftest import NON_NORMATIVE_TEXT, NORMATIVE_TEXT, docx_bytes, pdf_bytes


@pytest.fixture(scope="module")
def model() -> ScreeningModel:
    return load_model()


def make_batch(folder: Path) -> Path:
    folder.mkdir()
    (folder / "救助办法.txt").write_bytes(NORMATIVE_TEXT.encode("gbk"))
    (folder / "会议通知.docx").write_bytes(docx_bytes(NON_NORMATIVE_TEXT.splitlines()))
    sub = folder / "pdf"
    sub.mkdir()
    (sub / "办法.pdf").write_bytes(
        pdf_bytes([NORMATIVE_TEXT.splitlines()[:12], NORMATIVE_TEXT.splitlines()[12:]])
    )
    (sub / "损坏.pdf").write_bytes(pdf_bytes([["损坏的文件"]])[:300])
    return folder


def db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "screening.db")


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"screening {__version__}\n"


def test_screen_end_to_end(tmp_path: Path, screening_home: Path) -> None:
    batch = make_batch(tmp_path / "batch")
    out = tmp_path / "report"
    result = CliRunner().invoke(
        cli, ["screen", str(batch), "--out", str(out), "--as-of", "2026-11-27"]
    )
    assert result.exit_code == 3, result.output
    batch_id = db(screening_home).execute("SELECT id FROM batches").fetchone()[0]
    assert result.stdout == (
        "共审查文件3份，其中不属于规范性文件的1份，属于规范性文件2份，建议废止规范性文件0份。"
        "以上结论均为模型初判，3份尚待法律顾问审核。"
        "另有1份文件无法读取，未作审查，需人工处理（见状态为“失败”的行）。\n"
        f"批次 {batch_id}，报告已写入：{out / 'report.json'}、{out / 'report.csv'}、{out / 'report.md'}\n"
    )
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    rows = {Path(r["path"]).name: r for r in report["files"]}
    assert rows["救助办法.txt"]["label"] == "normative"
    assert rows["救助办法.txt"]["label_name"] == "规范性文件"
    assert rows["救助办法.txt"]["doc_number"] == "舟普政规〔2025〕3号"
    assert rows["办法.pdf"]["label"] == "normative"
    assert rows["会议通知.docx"]["label"] == "non_normative"
    assert rows["会议通知.docx"]["format"] == "docx"
    assert rows["损坏.pdf"]["status_name"] == "失败"
    assert rows["损坏.pdf"]["error"] == "PDF 文件已损坏或不完整，无法打开。请重新获取原文件。"
    assert report["counts"] == {
        "files": 4,
        "screened": 3,
        "failed": 1,
        "needs_ocr": 0,
        "normative": 2,
        "non_normative": 1,
        "repeal": 0,
        "reviewed": 0,
        "unreviewed": 3,
    }
    with (out / "report.csv").open(encoding="utf-8-sig") as handle:
        table = list(csv.reader(handle))
    assert table[0][:5] == ["序号", "文件", "SHA-256", "标题", "文号"]
    assert len(table) == 5
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# 行政规范性文件审查报告\n\n共审查文件3份，其中不属于规范性文件的1份")
    conn = db(screening_home)
    assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 4
    assert conn.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 3
    statuses = conn.execute(
        "SELECT status, COUNT(*) FROM batch_files GROUP BY status ORDER BY status"
    ).fetchall()
    assert statuses == [("failed", 1), ("ok", 3)]


def test_rerun_reuses_predictions_and_lists_every_file(
    tmp_path: Path, screening_home: Path
) -> None:
    batch = make_batch(tmp_path / "batch")
    runner = CliRunner()
    runner.invoke(cli, ["screen", str(batch), "--out", str(tmp_path / "r1")])
    second = runner.invoke(cli, ["screen", str(batch), "--out", str(tmp_path / "r2")])
    assert second.exit_code == 3
    conn = db(screening_home)
    assert conn.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 3
    assert conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 2
    report = json.loads((tmp_path / "r2" / "report.json").read_text(encoding="utf-8"))
    assert len(report["files"]) == 4


def test_interrupted_batch_keeps_finished_files(tmp_path: Path, model: ScreeningModel) -> None:
    batch = make_batch(tmp_path / "batch")

    def stop_after_two(done: int, total: int, path: Path) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with Store.open() as store:
        with pytest.raises(KeyboardInterrupt):
            screen_paths([batch], store, model, "2026-11-27", progress=stop_after_two)
        assert store.count("predictions") == 2
        assert store.conn.execute("SELECT status FROM batches").fetchone()[0] == "interrupted"
        result = screen_paths([batch], store, model, "2026-11-27")
        assert [r.reused for r in result.rows] == [True, True, False, False]
        assert store.count("predictions") == 3


def test_all_files_ok_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(NON_NORMATIVE_TEXT, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["screen", str(tmp_path / "in"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "共审查文件1份，其中不属于规范性文件的1份，属于规范性文件0份，建议废止规范性文件0份。"
        "以上结论均为模型初判，1份尚待法律顾问审核。\n"
    )


def test_missing_out_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["screen", str(tmp_path)])
    assert result.exit_code == 2
    assert "--out" in result.stderr


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["screen", str(tmp_path / "无此目录"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"错误：找不到路径：{tmp_path / '无此目录'}。请检查文件或文件夹名称是否正确。\n"
    )


def test_bad_as_of_date(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["screen", str(tmp_path), "--out", str(tmp_path / "o"), "--as-of", "2026/11/27"]
    )
    assert result.exit_code == 2
    assert "日期格式应为 YYYY-MM-DD" in result.stderr


def test_corrupt_model_file_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    result = CliRunner().invoke(
        cli, ["screen", str(tmp_path), "--out", str(tmp_path / "o"), "--model", str(bad)]
    )
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"错误：无法读取模型文件 {bad}（文件不完整或已损坏，或含有不安全的对象数据）。"
        "请重新训练（screening train）或从备份恢复模型文件。\n"
    )


def test_extract_shows_metadata_and_text(tmp_path: Path) -> None:
    path = tmp_path / "通知.txt"
    path.write_bytes(NON_NORMATIVE_TEXT.encode("gb18030"))
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 0
    head = result.stdout.split("—" * 20 + "\n")[0]
    assert re.sub(r"SHA-256：[0-9a-f]{64}", "SHA-256：<sha>", head) == (
        f"文件：{path}\nSHA-256：<sha>\n格式：text（读取方式：text:gb18030）\n页数：—\n"
        "标题：关于召开2025年第一季度安全生产工作例会的通知\n文号：—\n发文机关：东港街道办事处\n成文日期：2025-03-14\n"
    )
    assert result.stdout.endswith(NON_NORMATIVE_TEXT)


def test_extract_json(tmp_path: Path) -> None:
    path = tmp_path / "a.docx"
    path.write_bytes(docx_bytes(NORMATIVE_TEXT.splitlines()))
    result = CliRunner().invoke(cli, ["extract", str(path), "--json"])
    payload = json.loads(result.stdout)
    assert payload["format"] == "docx"
    assert payload["metadata"]["doc_number"] == "舟普政规〔2025〕3号"


def test_extract_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 1
    assert result.stderr == "错误：文件为空（0 字节或只有空白），请确认文件是否完整。\n"


def test_shipped_default_model_is_found() -> None:
    path = resolve_model_path()
    assert path.suffix == ".npz" and path.is_file()


def test_rules_lists_every_rule_with_its_basis() -> None:
    from screening.law.rules import RULES

    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2 * len(RULES)
    assert lines[0] == "repeal.validity_expired  有效期已届满  [废止信号·高]"
    assert lines[1].startswith("    依据：")
    listed = json.loads(CliRunner().invoke(cli, ["rules", "--json"]).stdout)
    assert [r["id"] for r in listed] == list(RULES)


def test_explain_shows_structure_findings_and_label(tmp_path: Path) -> None:
    path = tmp_path / "过期.txt"
    path.write_text(
        NORMATIVE_TEXT.replace("有效期五年", "有效期至2024年12月31日"), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["explain", str(path), "--as-of", "2026-11-27"])
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert out[1] == "标题：舟山市普陀区人民政府关于印发《普陀区城镇居民临时救助管理办法》的通知"
    assert out[2] == "文号：舟普政规〔2025〕3号（规范性文件编号）"
    assert out[3] == "发文机关：舟山市普陀区人民政府（层级：地方）"
    assert out[5] == "成文日期：2025-02-10；施行日期：2025-03-01；有效期至：2024-12-31"
    assert any(
        line.startswith("结论（评估基准日 2026-11-27，模型 ") and line.endswith("）：建议废止")
        for line in out
    )
    expired = out.index(
        next(line for line in out if line.startswith("  [repeal.validity_expired] 有效期已届满"))
    )
    assert out[expired + 1] == "      原文：有效期至2024年12月31日"
    payload = json.loads(
        CliRunner().invoke(cli, ["explain", str(path), "--as-of", "2024-06-30", "--json"]).stdout
    )
    assert payload["label"] == "normative"  # before the end of its validity


def test_ledger_is_not_locked_while_a_file_is_read(
    tmp_path: Path, model: ScreeningModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: extraction (OCR can take minutes) ran inside the ledger's write transaction,
    so a reviewer recording a decision in the same ledger had to wait for it."""
    from screening.pipeline import screen as screen_module

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(NON_NORMATIVE_TEXT, encoding="utf-8")
    real_extract = screen_module._extract
    seen: list[str] = []

    def extract_while_someone_writes(data: bytes, fmt: str, limits):  # type: ignore[no-untyped-def]
        other = sqlite3.connect(Path(os.environ["SCREENING_HOME"]) / "screening.db", timeout=0.5)
        other.execute("BEGIN IMMEDIATE")  # raises "database is locked" if the screen holds the lock
        other.execute("ROLLBACK")
        other.close()
        seen.append(fmt)
        return real_extract(data, fmt, limits)

    monkeypatch.setattr(screen_module, "_extract", extract_while_someone_writes)
    with Store.open() as store:
        result = screen_paths([tmp_path / "in"], store, model, "2026-11-27")
    assert seen == ["text"] and result.rows[0].status == "ok"


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    big = tmp_path / "in" / "big.txt"
    big.write_text(NON_NORMATIVE_TEXT * 2000, encoding="utf-8")
    megabytes = big.stat().st_size / 1048576
    (tmp_path / "in" / "small.txt").write_text(NON_NORMATIVE_TEXT, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["screen", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--max-size", "1"]
    )
    assert result.exit_code == 3
    report = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    rows = {Path(r["path"]).name: r for r in report["files"]}
    assert megabytes > 1
    assert (
        rows["big.txt"]["error"]
        == f"文件大小 {megabytes:.1f} MB 超过上限 1 MB，已跳过。如确需读取，请用 --max-size 调高上限。"
    )
    assert rows["small.txt"]["status"] == "ok"


def test_ocr_off_marks_scans_as_needing_ocr(tmp_path: Path) -> None:
    scan = Path(__file__).parent / "fixtures" / "scan-image-only-page.pdf"
    result = CliRunner().invoke(cli, ["extract", str(scan), "--ocr", "off"])
    assert result.exit_code == 1
    assert "OCR" in result.stderr


def test_extraction_by_an_older_reader_is_read_again(
    tmp_path: Path, model: ScreeningModel, screening_home: Path
) -> None:
    """Regression: extractions were cached by sha256 only, so after a reader was improved every
    file screened before kept its old text (and its old prediction)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(NON_NORMATIVE_TEXT, encoding="utf-8")
    with Store.open() as store:
        screen_paths([tmp_path / "in"], store, model, "2026-11-27")
    conn = sqlite3.connect(screening_home / "screening.db")
    conn.execute("UPDATE extractions SET text = '旧版读取器的文字', extractor_version = NULL")
    conn.commit()
    with Store.open() as store:
        again = screen_paths([tmp_path / "in"], store, model, "2026-11-27")
        assert again.rows[0].reused is False
        assert (
            store.conn.execute("SELECT text FROM extractions").fetchone()[0] == NON_NORMATIVE_TEXT
        )
        assert store.count("predictions") == 2
        third = screen_paths([tmp_path / "in"], store, model, "2026-11-27")
        assert third.rows[0].reused is True and store.count("predictions") == 2
