"""Reports for auditors: exact summary and counts, decisions and flags, XLSX, DOCX and HTML."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening.cli import cli

from .conftest import NON_NORMATIVE_TEXT, NORMATIVE_TEXT

EXPIRED = NORMATIVE_TEXT.replace("有效期五年", "有效期至2024年12月31日").replace(
    "临时救助", "困难群众取暖补贴"
)
PENALTY = NORMATIVE_TEXT.replace(
    "第六条 本办法由区民政局负责解释。",
    "第六条 骗取救助的，由区民政局处以五千元罚款。\n第七条 本办法由区民政局负责解释。",
).replace("第七条 本办法自", "第八条 本办法自")


@pytest.fixture
def reviewed_batch(tmp_path: Path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a-办法.txt").write_text(PENALTY, encoding="utf-8")
    (folder / "b-会议.txt").write_text(NON_NORMATIVE_TEXT, encoding="utf-8")
    (folder / "c-过期.txt").write_text(EXPIRED, encoding="utf-8")
    (folder / "d-空.txt").write_bytes(b"")
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["screen", str(folder), "--out", str(tmp_path / "s"), "--as-of", "2026-11-27"]
        ).exit_code
        == 3
    )
    runner.invoke(
        cli,
        [
            "decide",
            str(folder / "a-办法.txt"),
            "--label",
            "normative",
            "--reason",
            "依据社会救助暂行办法",
            "--reviewer",
            "张律师",
        ],
    )
    runner.invoke(
        cli,
        [
            "decide",
            str(folder / "b-会议.txt"),
            "--label",
            "repeal",
            "--reason",
            "测试改判",
            "--reviewer",
            "李顾问",
        ],
    )
    return tmp_path


def run_report(base: Path, *extra: str) -> tuple[object, dict]:
    out = base / "r"
    result = CliRunner().invoke(cli, ["report", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result, json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_summary_and_counts(reviewed_batch: Path) -> None:
    result, report = run_report(reviewed_batch)
    summary = (
        "共审查文件3份，其中不属于规范性文件的0份，属于规范性文件1份，建议废止规范性文件2份。"
        "其中2份已经法律顾问审核确认，1份为模型初判、尚待审核。"
        "另有1份文件无法读取，未作审查，需人工处理（见状态为“失败”的行）。"
    )
    assert result.stdout.startswith(summary + "\n报告已写入：")  # type: ignore[attr-defined]
    assert report["summary"] == summary
    assert report["counts"] == {"files": 4, "screened": 3, "failed": 1, "needs_ocr": 0, "normative": 1,
                                "non_normative": 0, "repeal": 2, "reviewed": 2, "unreviewed": 1}  # fmt: skip
    assert report["ledger"]["ok"] is True and report["ledger"]["rows"] == 2


def test_row_with_decision_and_flag(reviewed_batch: Path) -> None:
    _, report = run_report(reviewed_batch)
    rows = {r["file"]: r for r in report["files"]}
    a = rows["a-办法.txt"]
    assert (a["label"], a["label_name"], a["label"] if a["decision_label"] else None) == (
        "normative",
        "规范性文件",
        "normative",
    )
    assert (a["reviewer"], a["reason"], a["final_source"]) == (
        "张律师",
        "依据社会救助暂行办法",
        "法律顾问已审核",
    )
    penalty = [f for f in a["flags"] if f["rule_id"] == "legal.creates_penalty"]
    assert len(penalty) == 1 and "罚款" in penalty[0]["excerpt"] and penalty[0]["span"]
    c = rows["c-过期.txt"]
    assert (c["label"], c["final_source"]) == ("repeal", "模型初判（待审核）")
    assert [f["rule_id"] for f in c["repeal_reasons"]] == ["repeal.validity_expired"]
    assert report["overrides"] == [{"seq": 2, "file": "b-会议.txt", "title": "关于召开2025年第一季度安全生产工作例会的通知",
                                    "model": "不属于规范性文件", "advisor": "建议废止", "reviewer": "李顾问", "reason": "测试改判"}]  # fmt: skip
    assert report["agreement"]["confusion"] == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
    repeal = report["catalogues"]["repeal"]
    assert [item["文件名称"] for item in repeal] == ["关于召开2025年第一季度安全生产工作例会的通知",
                                                "舟山市普陀区人民政府关于印发《普陀区城镇居民困难群众取暖补贴管理办法》的通知"]  # fmt: skip
    assert (repeal[0]["理由"], repeal[0]["审核状态"]) == ("测试改判", "法律顾问已审核")
    assert repeal[1]["理由"].startswith("模型初判（待审核）；有效期已届满：")
    assert repeal[1]["审核状态"] == "模型初判（待审核）"
    (continuing,) = report["catalogues"]["continuing"]
    # decided by an advisor, but its red flag stays named: never described as lawful
    assert continuing["理由"] == "依据社会救助暂行办法；筛查风险提示1项（疑似设定行政处罚）"
    assert report["catalogue_notes"] == {
        "continuing": "",
        "repeal": "注：本目录中1份文件的结论为模型初判（待审核），尚未经法律顾问审核，不能作为清理结论公布。",
    }


def test_xlsx_sheets(reviewed_batch: Path) -> None:
    from openpyxl import load_workbook

    run_report(reviewed_batch)
    wb = load_workbook(reviewed_batch / "r" / "report.xlsx")
    assert wb.sheetnames == ["摘要", "逐件结果", "决定历史", "继续有效目录", "建议废止目录"]
    assert wb["摘要"]["B2"].value.startswith("共审查文件3份")
    files = list(wb["逐件结果"].iter_rows(values_only=True))
    assert files[0][:4] == ("序号", "文件", "SHA-256", "标题") and len(files) == 5
    history = list(wb["决定历史"].iter_rows(values_only=True))
    assert [(h[2], h[5]) for h in history[1:]] == [("张律师", "规范性文件"), ("李顾问", "建议废止")]
    assert [r[1] for r in wb["继续有效目录"].iter_rows(min_row=2, values_only=True)] == [
        "舟山市普陀区人民政府关于印发《普陀区城镇居民临时救助管理办法》的通知"
    ]


def test_catalogue_docx(reviewed_batch: Path) -> None:
    import docx

    run_report(reviewed_batch)
    document = docx.Document(str(reviewed_batch / "r" / "catalogue.docx"))
    text = [p.text for p in document.paragraphs]
    assert "继续有效的规范性文件目录" in text and "建议废止的规范性文件目录" in text
    assert [c.text for c in document.tables[1].rows[0].cells] == [
        "序号",
        "文件名称",
        "文号",
        "制定机关",
        "发布日期",
        "理由",
    ]
    assert len(document.tables[1].rows) == 3


def test_html_is_self_contained(reviewed_batch: Path) -> None:
    run_report(reviewed_batch, "--format", "html,json")
    html = (reviewed_batch / "r" / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html)
    assert "<svg" in html and "filterRows" in html and "@media print" in html
    assert "审查台账哈希链完整" in html


def test_report_at_another_as_of_date(reviewed_batch: Path) -> None:
    _, report = run_report(reviewed_batch, "--as-of", "2024-06-30")
    rows = {r["file"]: r for r in report["files"]}
    assert report["as_of"] == "2024-06-30"
    assert rows["c-过期.txt"]["label"] == "normative"  # still within its validity then


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")
def test_html_renders_in_headless_chromium(reviewed_batch: Path, tmp_path: Path) -> None:
    run_report(reviewed_batch, "--format", "html,json")
    shot = tmp_path / "report.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1300,1800",
         f"--screenshot={shot}", (reviewed_batch / "r" / "report.html").as_uri()],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    assert shot.stat().st_size > 10_000


def test_unknown_format_is_a_clear_error(reviewed_batch: Path) -> None:
    result = CliRunner().invoke(
        cli, ["report", "--out", str(reviewed_batch / "r"), "--format", "pdf"]
    )
    assert result.exit_code == 1
    assert (
        result.stderr == "错误：不支持的报告格式：pdf（可选：html, xlsx, csv, json, md, docx）。\n"
    )


OVERCLAIMS = ("经审查", "符合上位法", "合法有效", "已审查")


def report_texts(out: Path) -> dict[str, str]:
    """Every report file of ``out`` as text (DOCX and XLSX read back)."""
    import docx
    from openpyxl import load_workbook

    texts = {}
    for path in sorted(out.iterdir()):
        if path.suffix == ".docx":
            document = docx.Document(str(path))
            cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
            texts[path.name] = "\n".join([p.text for p in document.paragraphs] + cells)
        elif path.suffix == ".xlsx":
            wb = load_workbook(path)
            texts[path.name] = "\n".join(
                str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v
            )
        else:
            texts[path.name] = path.read_text(encoding="utf-8-sig")
    return texts


def test_unreviewed_files_are_model_findings_pending_review(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a-办法.txt").write_text(PENALTY, encoding="utf-8")
    (folder / "b-办法.txt").write_text(NORMATIVE_TEXT.replace("临时救助", "医疗救助"), "utf-8")
    (folder / "c-过期.txt").write_text(EXPIRED, encoding="utf-8")
    runner = CliRunner()
    screened = runner.invoke(
        cli, ["screen", str(folder), "--out", str(tmp_path / "s"), "--as-of", "2026-11-27"]
    )
    assert screened.exit_code == 0, screened.output
    _, report = run_report(tmp_path)
    assert report["summary"].endswith("以上结论均为模型初判，3份尚待法律顾问审核。")
    continuing = {item["文件名称"]: item for item in report["catalogues"]["continuing"]}
    flagged = continuing["舟山市普陀区人民政府关于印发《普陀区城镇居民临时救助管理办法》的通知"]
    assert flagged["理由"] == (
        "模型初判（待审核）；初步筛查发现风险提示1项（疑似设定行政处罚），待法律顾问核实"
    )
    clean = continuing["舟山市普陀区人民政府关于印发《普陀区城镇居民医疗救助管理办法》的通知"]
    assert clean["理由"] == "模型初判（待审核）；初步筛查未发现风险提示"
    (expired,) = report["catalogues"]["repeal"]
    assert expired["理由"].startswith(
        "模型初判（待审核）；有效期已届满：文件载明的有效期至2024-12-31"
    )
    assert report["catalogue_notes"]["continuing"] == (
        "注：本目录中2份文件的结论为模型初判（待审核），尚未经法律顾问审核，不能作为清理结论公布。"
    )
    assert {r["final_source"] for r in report["files"]} == {"模型初判（待审核）"}
    texts = report_texts(tmp_path / "r")
    assert sorted(texts) == ["catalogue.docx", "report.csv", "report.html", "report.json",
                             "report.md", "report.xlsx"]  # fmt: skip
    for name, text in texts.items():
        assert not [w for w in OVERCLAIMS if w in text], name
        if name != "report.csv":  # the CSV has no catalogue
            assert report["catalogue_notes"]["continuing"] in text, name
        assert "模型初判（待审核）" in text, name


def test_report_json_puts_each_row_on_a_line_and_holds_what_indented_json_holds() -> None:
    """report.json: indented, but every object of a list of objects (a file's row, a catalogue
    row) on one line; the content is what json.dumps gives, dates and other values as text."""
    import json
    from datetime import date

    from screening.report.build import _json_text

    report = {
        "title": "报告",
        "counts": {"files": 2, "empty": {}, "none": None},
        "files": [
            {"seq": 1, "path": "甲.txt", "flags": [{"rule": "a", "span": [1, 2]}], "date": date(2024, 1, 2)},
            {"seq": 2, "path": "乙\n.txt", "flags": [], "probabilities": {"normative": 0.5}},
        ],
        "catalogues": {"repeal": [{"title": "某办法"}], "continuing": []},
        "numbers": [1, 2.5, "三"],
    }  # fmt: skip
    text = _json_text(report)
    assert json.loads(text) == json.loads(json.dumps(report, ensure_ascii=False, default=str))
    lines = text.split("\n")
    assert (
        '    {"seq": 1, "path": "甲.txt", "flags": [{"rule": "a", "span": [1, 2]}], "date": "2024-01-02"},'
        in lines
    )
    assert '      {"title": "某办法"}' in lines
    assert '  "numbers": [' in lines and "    2.5," in lines
