"""The review loop and the decision ledger (issue: reviewer CLI and a ledger auditors can trust)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening.cli import cli
from screening.ledger import decisions as ledger
from screening.ledger.store import Store
from screening.review.queue import ReviewSession, sort_queue

from .conftest import NON_NORMATIVE_TEXT, NORMATIVE_TEXT, raw_connection, screened_batch

DOCS = {
    "a.txt": NORMATIVE_TEXT,
    "b.txt": NON_NORMATIVE_TEXT,
    "c.txt": NORMATIVE_TEXT.replace("临时救助", "医疗救助"),
    "d.txt": NON_NORMATIVE_TEXT.replace("第一季度", "第二季度"),
    "e.txt": NORMATIVE_TEXT.replace("五年", "三年"),
}


@pytest.fixture
def batch(tmp_path: Path, ledger: str) -> tuple[str, dict[str, str]]:
    """A screened batch of five text files, on each engine (``ledger``); returns (batch id,
    {file name: sha256})."""
    return screened_batch(tmp_path / "batch", DOCS)


def rows() -> list[dict]:
    with Store.open() as store:
        return store.decision_rows()


def queue_names(batch_id: str, reviewer: str, order: str = "file") -> list[str]:
    with Store.open() as store:
        return [Path(i.path).name for i in ReviewSession(store, batch_id, reviewer, order).queue]


def review(keys: str, *extra: str) -> object:
    return CliRunner().invoke(
        cli, ["review", "--reviewer", "张律师", "--order", "file", *extra], input=keys
    )


def test_each_key_records_what_it_says(batch) -> None:  # type: ignore[no-untyped-def]
    batch_id, sha = batch
    result = review("1\n2\n3\n\nq\n")
    assert result.exit_code == 0, result.output
    got = [(r["sha256"], r["kind"], r["label"], r["reviewer"], r["batch_id"]) for r in rows()]
    with Store.open() as store:
        model_label_d = store.latest_prediction_any(sha["d.txt"]).label  # type: ignore[union-attr]
    assert got == [
        (sha["a.txt"], "decision", "normative", "张律师", batch_id),
        (sha["b.txt"], "decision", "non_normative", "张律师", batch_id),
        (sha["c.txt"], "decision", "repeal", "张律师", batch_id),
        (sha["d.txt"], "decision", model_label_d, "张律师", batch_id),  # -- Enter accepts the model
    ]
    first = rows()[0]
    assert first["model_label"] is not None and json.loads(first["model_probabilities"])
    assert result.stderr.endswith("本次记录 4 条决定；剩余 1 份待审查。\n")


def test_reason_is_attached_to_the_next_decision(batch) -> None:  # type: ignore[no-untyped-def]
    review("r 依据《行政许可法》第十七条\n3\n2\nq\n")
    assert [(r["label"], r["reason"]) for r in rows()] == [
        ("repeal", "依据《行政许可法》第十七条"),
        ("non_normative", None),
    ]


def test_undo_appends_a_correction_and_requeues(batch) -> None:  # type: ignore[no-untyped-def]
    _, sha = batch
    review("1\n2\nu\n3\nq\n")
    got = [(r["sha256"], r["kind"], r["label"]) for r in rows()]
    assert got == [
        (sha["a.txt"], "decision", "normative"),
        (sha["b.txt"], "decision", "non_normative"),
        (sha["b.txt"], "undo", None),
        (sha["b.txt"], "decision", "repeal"),
    ]
    assert rows()[2]["corrects_uid"] == rows()[1]["uid"]
    with Store.open() as store:
        current = ledger.current_decisions(store)
    assert {k: v["label"] for k, v in current.items()} == {
        sha["a.txt"]: "normative",
        sha["b.txt"]: "repeal",
    }


def test_skip_moves_to_the_end_and_resume_continues(batch) -> None:  # type: ignore[no-untyped-def]
    batch_id, sha = batch
    review("s\n1\nq\n")
    assert [(r["sha256"], r["label"]) for r in rows()] == [(sha["b.txt"], "normative")]
    assert queue_names(batch_id, "张律师") == ["c.txt", "d.txt", "e.txt", "a.txt"]
    review("2\nq\n")  # -- a new session resumes at c.txt
    assert [(r["sha256"], r["label"]) for r in rows()][-1] == (sha["c.txt"], "non_normative")


def test_piped_input_says_so_and_end_of_input_quits(batch) -> None:  # type: ignore[no-untyped-def]
    result = review("1\n")
    assert result.exit_code == 0
    assert result.stderr.startswith("未检测到终端：从标准输入逐行读取按键")
    assert len(rows()) == 1


def test_review_without_batches_is_a_clear_error() -> None:
    result = review("q\n")
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "错误：台账中还没有任何批次。请先运行 screening screen 审查一批文件。\n"
    )


def test_uncertainty_order_puts_smallest_margin_first(batch) -> None:  # type: ignore[no-untyped-def]
    batch_id, _ = batch
    with Store.open() as store:
        session = ReviewSession(store, batch_id, "x", "uncertainty")
        margins = [i.margin for i in session.queue]
        assert margins == sorted(margins)
        assert [i.seq for i in sort_queue(session.queue, "file")] == [1, 2, 3, 4, 5]


def test_decide_by_file_and_by_sha_prefix(batch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, sha = batch
    runner = CliRunner()
    by_file = runner.invoke(
        cli,
        [
            "decide",
            str(tmp_path / "batch" / "a.txt"),
            "--label",
            "repeal",
            "--reason",
            "有效期届满",
            "--reviewer",
            "李",
        ],
    )
    assert by_file.exit_code == 0
    assert by_file.stdout == f"已记录第 1 条决定：{sha['a.txt'][:12]} → 建议废止（审查人 李）\n"
    by_sha = runner.invoke(
        cli, ["decide", sha["b.txt"][:10], "--label", "normative", "--reviewer", "李"]
    )
    assert by_sha.stdout == f"已记录第 2 条决定：{sha['b.txt'][:12]} → 规范性文件（审查人 李）\n"
    missing = runner.invoke(
        cli, ["decide", "ffffffffff", "--label", "normative", "--reviewer", "李"]
    )
    assert missing.exit_code == 1
    assert (
        missing.stderr
        == "错误：台账中没有 SHA-256 以 ffffffffff 开头的文件。请先用 screening screen 审查该文件。\n"
    )


def test_audit_history(batch) -> None:  # type: ignore[no-untyped-def]
    _, sha = batch
    review("1\nu\nr 理由甲\n3\nq\n")
    result = CliRunner().invoke(cli, ["audit", "history", sha["a.txt"]])
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"文件 {sha['a.txt']}（")
    assert lines[1].startswith("#1 ") and "张律师：规范性文件；模型当时的结论：" in lines[1]
    assert lines[2].startswith("#2 ") and lines[2].endswith("张律师：撤销第 1 条决定")
    assert (
        lines[3].startswith("#3 ")
        and lines[3].endswith("；理由：理由甲")
        and "：建议废止；" in lines[3]
    )


# -- tamper evidence
def tamper(sql: list[str]) -> None:
    """Edit the decisions behind the program's back, as the database's owner could."""
    conn = raw_connection()
    on = " ON decisions" if os.environ.get("SCREENING_DB") else ""
    conn.execute(f"DROP TRIGGER decisions_append_only_update{on}")
    conn.execute(f"DROP TRIGGER decisions_append_only_delete{on}")
    for statement in sql:
        conn.execute(statement)
    conn.close()


def test_ledger_refuses_update_and_delete(batch, ledger: str) -> None:  # type: ignore[no-untyped-def]
    review("1\nq\n")
    conn = raw_connection()
    statements = ["UPDATE decisions SET label = 'repeal'", "DELETE FROM decisions"]
    if ledger == "postgresql":
        import psycopg

        statements.append("TRUNCATE decisions")
        refused: type[Exception] = psycopg.errors.RaiseException
    else:
        refused = sqlite3.IntegrityError
    for statement in statements:
        with pytest.raises(refused, match="decisions are append-only"):
            conn.execute(statement)
    assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 1
    conn.close()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            ["UPDATE decisions SET label = 'repeal' WHERE id = 2"],
            "第 2 条记录的内容与其哈希不符：该记录被修改过。",
        ),
        (["DELETE FROM decisions WHERE id = 2"], "第 2 行的序号为 3：有记录被删除或调换了顺序。"),
        (
            [
                "UPDATE decisions SET id = 99 WHERE id = 2",
                "UPDATE decisions SET id = 2 WHERE id = 3",
                "UPDATE decisions SET id = 3 WHERE id = 99",
            ],
            "第 2 条记录与上一条记录的链接不符：前面的记录被删除、修改或调换了顺序。",
        ),
    ],
    ids=["edited", "deleted", "reordered"],
)
def test_audit_verify_names_the_first_bad_row(batch, sql: list[str], expected: str) -> None:  # type: ignore[no-untyped-def]
    review("1\n2\n3\nq\n")
    ok = CliRunner().invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0 and ok.stdout == "哈希链完整：共 3 条决定记录，均未被修改。\n"
    tamper(sql)
    bad = CliRunner().invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1
    total = 2 if "DELETE" in sql[0] else 3
    assert bad.stderr == f"错误：哈希链校验失败（共 {total} 条记录）：{expected}\n"


# -- export / import
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_import_round_trip(
    batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    review("1\nr 理由，含逗号\n2\nu\n3\nq\n")
    out = tmp_path / f"d.{fmt}"
    assert (
        CliRunner()
        .invoke(cli, ["decisions", "export", "--format", fmt, "--out", str(out)])
        .exit_code
        == 0
    )
    original = rows()
    monkeypatch.setenv("SCREENING_HOME", str(tmp_path / "other"))
    monkeypatch.delenv("SCREENING_DB", raising=False)  # -- into an SQLite ledger, from either
    first = CliRunner().invoke(cli, ["decisions", "import", str(out)])
    assert first.stdout == "新增 4 条，已存在 0 条，冲突 0 条。\n"
    second = CliRunner().invoke(cli, ["decisions", "import", str(out)])
    assert second.stdout == "新增 0 条，已存在 4 条，冲突 0 条。\n"
    copied = rows()
    keys = (
        "uid",
        "sha256",
        "batch_id",
        "kind",
        "label",
        "reason",
        "reviewer",
        "decided_at",
        "model_version",
        "model_label",
        "model_probabilities",
        "corrects_uid",
    )
    assert [{k: r[k] for k in keys} for r in copied] == [{k: r[k] for k in keys} for r in original]
    assert CliRunner().invoke(cli, ["audit", "verify"]).exit_code == 0


def test_import_reports_conflicts(batch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    review("1\nq\n")
    out = tmp_path / "d.jsonl"
    CliRunner().invoke(cli, ["decisions", "export", "--out", str(out)])
    row = json.loads(out.read_text(encoding="utf-8"))
    row["label"] = "repeal"
    out.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["decisions", "import", str(out)])
    assert (
        result.stdout
        == f"新增 0 条，已存在 0 条，冲突 1 条。\n冲突：{row['uid']}：与台账中同一记录的 label 不同，未导入。\n"
    )


# -- agreement
def test_cohen_kappa_by_hand() -> None:
    # 4 items; observed 0.5; expected (2*1 + 2*3)/16 = 0.5 -> kappa 0
    assert ledger.cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]) == pytest.approx(
        (0.75 - 0.5) / 0.5
    )
    assert ledger.cohen_kappa(["a", "b"], ["a", "b"]) == 1.0


def test_agreement_between_reviewers(batch) -> None:  # type: ignore[no-untyped-def]
    _, sha = batch
    runner = CliRunner()
    for name, label in (("a.txt", "normative"), ("b.txt", "non_normative"), ("c.txt", "normative")):
        runner.invoke(cli, ["decide", sha[name], "--label", label, "--reviewer", "甲"])
    for name, label in (("a.txt", "normative"), ("b.txt", "non_normative"), ("c.txt", "repeal")):
        runner.invoke(cli, ["decide", sha[name], "--label", label, "--reviewer", "乙"])
    result = json.loads(runner.invoke(cli, ["agreement", "--json"]).stdout)
    pair = result["reviewer_pairs"][0]
    assert pair["reviewers"] == ["乙", "甲"] and pair["documents"] == 3
    assert pair["disagreements"] == [{"sha256": sha["c.txt"], "乙": "repeal", "甲": "normative"}]
    assert pair["kappa"] == pytest.approx(
        ledger.cohen_kappa(
            ["normative", "non_normative", "repeal"], ["normative", "non_normative", "normative"]
        )
    )


# -- durability
def test_kill_during_review_loses_nothing_committed(batch) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ}
    proc = subprocess.Popen(
        [sys.executable, "-m", "screening", "review", "--reviewer", "王", "--order", "file"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write("1\n2\n")
    proc.stdin.flush()
    deadline = time.time() + 30
    while time.time() < deadline and len(rows()) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # kill -9 while it waits for the next key
    proc.wait()
    assert [r["label"] for r in rows()] == ["normative", "non_normative"]
    assert CliRunner().invoke(cli, ["audit", "verify"]).exit_code == 0


def test_two_reviewers_at_once_lose_nothing(batch) -> None:  # type: ignore[no-untyped-def]
    _, sha = batch
    script = (
        "import sys\nfrom screening.ledger import decisions as ledger\nfrom screening.ledger.store import Store\n"
        "with Store.open() as store:\n"
        "    for i in range(25):\n"
        "        ledger.record(store, sys.argv[1], 'normative' if i % 2 else 'repeal', sys.argv[2])\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, sha[name], who], env={**os.environ})
        for name, who in (("a.txt", "甲"), ("b.txt", "乙"))
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    got = rows()
    assert len(got) == 50
    assert sum(r["reviewer"] == "甲" for r in got) == 25
    with Store.open() as store:
        assert ledger.verify(store).ok


def _item(seq: int, label: str, p: float, facts: list[dict[str, object]]) -> object:
    from screening.review.queue import Item

    other = "normative" if label != "normative" else "non_normative"
    return Item(
        seq,
        f"{seq}.txt",
        str(seq),
        "m",
        label,
        {label: p, other: 1 - p, "repeal": 0.0},
        [],
        {},
        "",
        facts=facts,
    )


def test_priority_queue_brings_confident_disagreements_forward() -> None:
    """Regression (issue 11): documents wrong at p ≥ 0.9 were the last an advisor saw, because the
    queue put only the closest calls first. A 规-series file called not normative, or a technical
    standard called normative, now comes first however sure the model is."""
    registered = {
        "key": "registered",
        "title": "规范性文件统一编号（规字号或登记号）",
        "weight": 3.5,
    }
    technical = {"key": "technical", "title": "技术标准、规程或导则", "weight": -3.0}
    items = [
        _item(1, "normative", 0.55, []),  # the closest call
        _item(2, "non_normative", 0.99, [registered]),  # sure, and against its registration
        _item(3, "normative", 0.97, [technical]),  # sure, and against its genre
        _item(4, "normative", 0.98, [registered]),  # sure, and the law agrees
    ]
    queue = sort_queue(items, "priority")  # type: ignore[arg-type]
    assert [i.seq for i in queue] == [3, 2, 1, 4]
    assert queue[1].conflict == "规范性文件统一编号（规字号或登记号），但模型判为不属于规范性文件"
    assert [i.seq for i in sort_queue(items, "uncertainty")] == [1, 3, 4, 2]  # type: ignore[arg-type]


def test_priority_queue_puts_files_the_law_settles_last() -> None:
    """After the disagreements, files no decisive legal fact settles come before those a
    registration number (or a standard, a reply) settles, however close the call."""
    registered = {
        "key": "registered",
        "title": "规范性文件统一编号（规字号或登记号）",
        "weight": 3.5,
    }
    items = [
        _item(1, "normative", 0.62, [registered]),  # close, but the law settles it
        _item(2, "normative", 0.80, []),  # surer, but only the words decide
    ]
    assert [i.seq for i in sort_queue(items, "priority")] == [2, 1]  # type: ignore[arg-type]


LAPSED = """上海市东湖区住房保障和房屋管理局关于印发《东湖区住宅小区电动自行车停放充电管理办法》的通知
东房规〔2016〕3号
各街道办事处、镇人民政府，各物业服务企业：
现将《东湖区住宅小区电动自行车停放充电管理办法》印发给你们，请遵照执行。
东湖区住宅小区电动自行车停放充电管理办法
第一条 为规范本区住宅小区电动自行车停放和充电，保障居民生命财产安全，制定本办法。
第二条 本办法适用于本区行政区域内住宅小区的电动自行车停放充电管理。
第三条 物业服务企业应当在小区内设置集中停放充电场所，并配备消防设施。
第四条 业主和物业使用人不得在楼道、疏散通道、安全出口停放电动自行车或者为其充电。
第五条 物业服务企业发现违反本办法第四条规定的，应当劝阻、制止；劝阻、制止无效的，应当报告街道办事处、镇人民政府。
第六条 本办法自2016年6月1日起施行。
上海市东湖区住房保障和房屋管理局
2016年5月10日
"""


def test_priority_queue_brings_forward_a_rule_in_force_whose_default_period_lapsed(
    tmp_path: Path, ledger: str
) -> None:
    """Regression (issue 11): a registered rule past its default validity period, called
    normative (in force) with high confidence, sat among the settled files at the end of the
    queue; whether it still stands is for the advisor, so it now comes first."""
    batch_id, _ = screened_batch(tmp_path / "batch", {**DOCS, "lapsed.txt": LAPSED})
    with Store.open() as store:
        first = ReviewSession(store, batch_id, "张律师", "priority").queue[0]
    assert Path(first.path).name == "lapsed.txt"
    assert first.label == "normative"
    assert first.conflict == "未载明有效期且已超过默认期限，但模型判为规范性文件（现行有效）"


def test_a_lapse_finding_is_no_conflict_on_a_file_called_repeal_or_not_normative() -> None:
    from screening.review.queue import conflict

    lapsed = [
        {"rule_id": "repeal.default_period_lapsed", "title": "默认期限已过", "severity": "medium"}
    ]
    amended = [
        {"rule_id": "repeal.superior_law_amended", "title": "上位法已修改", "severity": "low"}
    ]
    assert conflict("normative", [], lapsed) == "默认期限已过，但模型判为规范性文件（现行有效）"
    assert conflict("repeal", [], lapsed) is None
    assert conflict("non_normative", [], lapsed) is None
    assert conflict("normative", [], amended) is None  # -- a low-severity prompt is no conflict


def test_a_long_reason_wraps_under_its_bullet(tmp_path: Path, ledger: str) -> None:
    """Regression: Chinese has no spaces to wrap at, so a bullet followed by a long reason stood
    alone on its line and the reason began at the left edge on the next."""
    screened_batch(tmp_path / "batch", {"lapsed.txt": LAPSED})
    result = review("q\n")
    lines = result.stdout.splitlines()  # type: ignore[attr-defined]
    at = lines.index("废止理由：")
    assert lines[at + 1].startswith("  · 未载明有效期且已超过默认期限：文件未载明有效期")
    assert lines[at + 2].startswith("    ")  # -- the rest of the reason, under its start
