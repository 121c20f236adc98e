"""Several reviewers on one ledger (SQLite or PostgreSQL): leases, a shared queue, no decision
lost or duplicated; the database role of an office ledger; one hash chain on both engines."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening.cli import cli
from screening.ledger import decisions as ledger
from screening.ledger.store import Store
from screening.review.queue import ReviewSession

from . import pgserver
from .conftest import NON_NORMATIVE_TEXT, NORMATIVE_TEXT, new_pg_database, screened_batch

DOCS = {
    f"{i}.txt": (NORMATIVE_TEXT if i % 2 else NON_NORMATIVE_TEXT) + f"\n（副本 {i}）\n"
    for i in range(1, 7)
}


@pytest.fixture
def batch(tmp_path: Path, ledger: str) -> tuple[str, dict[str, str]]:
    return screened_batch(tmp_path / "batch", DOCS)


def decision_rows() -> list[dict]:
    with Store.open() as store:
        return store.decision_rows()


def test_two_reviewers_never_have_the_same_document_open(batch) -> None:  # type: ignore[no-untyped-def]
    batch_id, _ = batch
    with Store.open() as store:
        first = ReviewSession(store, batch_id, "甲", "file")
        second = ReviewSession(store, batch_id, "乙", "file")
        assert first.current is not None and second.current is not None
        assert [Path(first.current.path).name, Path(second.current.path).name] == ["1.txt", "2.txt"]
        first.decide("normative")  # -- 1.txt decided: it leaves 乙's queue too
        assert Path(first.current.path).name == "3.txt"  # -- 2.txt is 乙's
        second.skip()
        assert "1.txt" not in [Path(i.path).name for i in second.queue]
        first.close()
        second.close()


def test_a_crashed_reviewers_lease_expires(batch) -> None:  # type: ignore[no-untyped-def]
    batch_id, _ = batch
    with Store.open() as store:
        crashed = ReviewSession(store, batch_id, "甲", "file", lease_seconds=0.5)
        assert Path(crashed.current.path).name == "1.txt"  # type: ignore[union-attr]
        other = ReviewSession(store, batch_id, "乙", "file")
        assert Path(other.current.path).name == "2.txt"  # type: ignore[union-attr]
        other.close()
        time.sleep(0.8)  # -- 甲 never renews, never closes
        late = ReviewSession(store, batch_id, "丙", "file")
        assert Path(late.current.path).name == "1.txt"  # type: ignore[union-attr]
        late.close()


def test_restarted_reviewer_gets_their_document_back(batch) -> None:  # type: ignore[no-untyped-def]
    batch_id, _ = batch
    with Store.open() as store:
        ReviewSession(store, batch_id, "甲", "file")  # -- killed without closing
        again = ReviewSession(store, batch_id, "甲", "file")
        assert Path(again.current.path).name == "1.txt"  # type: ignore[union-attr]


def test_lost_lease_decided_by_another_is_not_decided_twice(batch) -> None:  # type: ignore[no-untyped-def]
    batch_id, sha = batch
    with Store.open() as store:
        slow = ReviewSession(store, batch_id, "甲", "file", lease_seconds=0.3)
        time.sleep(0.5)  # -- 甲's lease lapses while reading 1.txt; 乙 opens and decides it
        fast = ReviewSession(store, batch_id, "乙", "file")
        assert Path(fast.current.path).name == "1.txt"  # type: ignore[union-attr]
        fast.decide("repeal")
        fast.close()
        slow.lease_seconds = 60
        assert slow.handle("1") is True
        assert slow.message.startswith("1.txt：该文件已由 乙 于 ")
        assert slow.message.endswith("决定为建议废止，未重复记录。已换到下一份。")
        assert Path(slow.current.path).name == "2.txt"  # type: ignore[union-attr]
    rows = decision_rows()
    assert [(r["sha256"], r["reviewer"]) for r in rows] == [(sha["1.txt"], "乙")]


def test_independent_review_sees_what_others_decided(batch) -> None:  # type: ignore[no-untyped-def]
    batch_id, _ = batch
    with Store.open() as store:
        first = ReviewSession(store, batch_id, "甲", "file")
        first.decide("normative")
        first.close()
        second = ReviewSession(store, batch_id, "乙", "file", independent=True)
        assert Path(second.current.path).name == "1.txt"  # type: ignore[union-attr]
        second.decide("repeal")
        second.close()
    assert [r["reviewer"] for r in decision_rows()] == ["甲", "乙"]


def test_decide_refuses_a_document_open_in_another_review(batch) -> None:  # type: ignore[no-untyped-def]
    batch_id, sha = batch
    with Store.open() as store:
        session = ReviewSession(store, batch_id, "甲", "file")
        result = CliRunner().invoke(
            cli, ["decide", sha["1.txt"], "--label", "normative", "--reviewer", "乙"]
        )
        assert result.exit_code == 1
        assert result.stderr.startswith("错误：该文件正由 甲 在审查界面中打开（租约约 ")
        assert result.stderr.endswith("秒后到期）。请稍后再记录，或先与其商量。\n")
        session.close()
    again = CliRunner().invoke(
        cli, ["decide", sha["1.txt"], "--label", "normative", "--reviewer", "乙"]
    )
    assert again.exit_code == 0, again.output


def test_decide_if_undecided(batch) -> None:  # type: ignore[no-untyped-def]
    _, sha = batch
    runner = CliRunner()
    args = ["decide", sha["2.txt"], "--label", "repeal", "--if-undecided"]
    assert runner.invoke(cli, [*args, "--reviewer", "甲"]).exit_code == 0
    refused = runner.invoke(cli, [*args, "--reviewer", "乙"])
    assert refused.exit_code == 1
    assert refused.stderr.startswith("错误：该文件已由 甲 于 ")
    assert refused.stderr.endswith("决定为建议废止，未重复记录。\n")
    assert [r["reviewer"] for r in decision_rows()] == ["甲"]


def test_four_reviewers_and_two_decide_loops_at_once(batch) -> None:  # type: ignore[no-untyped-def]
    """Four `screening review` processes driven by piped keys and two `decide --if-undecided`
    loops on one batch: every document decided exactly once, nothing lost, the chain intact."""
    _, sha = batch
    env = {**os.environ}
    reviewers = [
        subprocess.Popen(
            [sys.executable, "-m", "screening", "review", "--reviewer", f"审查人{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        for i in range(4)
    ]
    loop = (
        "import sys\nfrom click.testing import CliRunner\nfrom screening.cli import cli\n"
        "for sha in sys.argv[2:]:\n"
        "    r = CliRunner().invoke(cli, ['decide', sha, '--label', 'repeal', '--reviewer', sys.argv[1], '--if-undecided'])\n"
        "    print(r.exit_code, flush=True)\n"
    )
    shas = sorted(sha.values())
    loops = [
        subprocess.Popen(
            [sys.executable, "-c", loop, f"脚本{i}", *shas],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for i in range(2)
    ]
    outs = [p.communicate("1\n" * len(sha), timeout=180) for p in reviewers]
    loop_outs = [p.communicate(timeout=180)[0] for p in loops]
    assert [p.returncode for p in reviewers + loops] == [0] * 6, outs
    recorded = [
        int(line.split("：")[0].split()[1])
        for _, err in outs
        for line in err.splitlines()
        if line.startswith("本次记录")
    ]
    loop_recorded = sum(out.split().count("0") for out in loop_outs)
    rows = decision_rows()
    assert len(rows) == sum(recorded) + loop_recorded  # -- nothing lost
    assert Counter(r["sha256"] for r in rows) == Counter(set(sha.values()))  # -- once each
    with Store.open() as store:
        assert ledger.verify(store).ok


def test_export_from_one_engine_imports_into_the_other(
    batch, tmp_path: Path, ledger: str, request, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _, sha = batch
    runner = CliRunner()
    runner.invoke(
        cli,
        [
            "decide",
            sha["1.txt"],
            "--label",
            "normative",
            "--reviewer",
            "甲",
            "--reason",
            "理由，含逗号",
        ],
    )
    runner.invoke(cli, ["decide", sha["2.txt"], "--label", "repeal", "--reviewer", "乙"])
    out = tmp_path / "d.csv"
    assert (
        runner.invoke(cli, ["decisions", "export", "--format", "csv", "--out", str(out)]).exit_code
        == 0
    )
    original = decision_rows()
    if ledger == "sqlite":
        target = new_pg_database(request.getfixturevalue("pg_server"))
        monkeypatch.setenv("SCREENING_DB", target)
    else:
        monkeypatch.delenv("SCREENING_DB")
        monkeypatch.setenv("SCREENING_HOME", str(tmp_path / "other"))
    imported = runner.invoke(cli, ["decisions", "import", str(out)])
    assert imported.stdout == "新增 2 条，已存在 0 条，冲突 0 条。\n"
    copied = decision_rows()
    keys = ("uid", "sha256", "label", "reason", "reviewer", "decided_at", "model_probabilities")
    assert [{k: r[k] for k in keys} for r in copied] == [{k: r[k] for k in keys} for r in original]
    assert (
        runner.invoke(cli, ["audit", "verify"]).stdout
        == "哈希链完整：共 2 条决定记录，均未被修改。\n"
    )


def test_hash_chain_is_the_same_on_both_engines(tmp_path: Path, pg_server: str) -> None:
    """The same decisions appended to an SQLite and a PostgreSQL ledger get the same hashes."""
    fields = [
        {
            "uid": f"u{i}",
            "sha256": f"{i:064x}",
            "batch_id": None,
            "kind": "decision",
            "label": "normative",
            "reason": "依据《条例》第三条" if i else None,
            "reviewer": "张律师",
            "decided_at": "2026-11-27T09:00:00+00:00",
            "model_version": "v1",
            "model_label": "repeal",
            "model_probabilities": '{"normative": 0.25, "repeal": 0.75}',
            "corrects_uid": None,
            "source": "local",
        }
        for i in range(3)
    ]
    chains = []
    for url in (str(tmp_path / "a.db"), new_pg_database(pg_server)):
        with Store.open(url) as store:
            for f in fields:
                store.append_decision(dict(f), ledger.row_hash)
            chains.append([(r["id"], r["prev_hash"], r["hash"]) for r in store.decision_rows()])
            assert ledger.verify(store).ok
    assert chains[0] == chains[1]


def test_reviewer_role_cannot_update_or_delete_decisions(
    tmp_path: Path, pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    owner_url = new_pg_database(pg_server)
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", owner_url, "db", "status"]).exit_code == 0  # -- creates it
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS screening_reviewer")
        conn.execute("CREATE ROLE screening_reviewer LOGIN")
    granted = runner.invoke(
        cli, ["--db", owner_url, "db", "grants", "screening_reviewer", "--apply"]
    )
    assert granted.stdout == "已为数据库账户 screening_reviewer 执行 12 条授权语句。\n"
    reviewer_url = owner_url.replace("postgresql://screening@", "postgresql://screening_reviewer@")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(NORMATIVE_TEXT, encoding="utf-8")
    monkeypatch.setenv("SCREENING_DB", reviewer_url)
    screened = runner.invoke(cli, ["screen", str(folder), "--out", str(tmp_path / "out")])
    assert screened.exit_code == 0, screened.output
    assert runner.invoke(cli, ["review", "--reviewer", "甲"], input="1\nq\n").exit_code == 0
    with psycopg.connect(reviewer_url, autocommit=True) as conn:
        for statement in (
            "UPDATE decisions SET label = 'repeal'",
            "DELETE FROM decisions",
            "TRUNCATE decisions",
            "DROP TRIGGER decisions_append_only_update ON decisions",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert (
        runner.invoke(cli, ["audit", "verify"]).stdout
        == "哈希链完整：共 1 条决定记录，均未被修改。\n"
    )
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {owner_url.rsplit('/', 1)[1]} WITH (FORCE)")
        conn.execute("DROP ROLE screening_reviewer")


def test_db_option_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCREENING_DB", "postgresql://nobody@127.0.0.1:1/nowhere")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "mine.db"), "db", "status"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"台账：SQLite {tmp_path / 'mine.db'}"
    assert pgserver  # -- the helper the PostgreSQL fixture starts servers with


def test_workers_forked_beside_an_open_ledger_leave_it_usable(tmp_path: Path, ledger: str) -> None:
    """Workers forked from the client inherit its open ledger connection (an SQLite file or a
    PostgreSQL socket). They never touch it and leave without closing it, so the client goes on
    recording, on both engines, and a second forked batch in the same connection works too."""
    from screening.ledger import decisions
    from screening.model.registry import load_model
    from screening.pipeline.parallel import ProcessPool
    from screening.pipeline.screen import screen_paths

    folder = tmp_path / "batch"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    model = load_model()
    with Store.open() as store:
        first = screen_paths(
            [folder], store, model, "2026-11-27", executor=ProcessPool(2, start_method="fork")
        )
        again = screen_paths(
            [folder], store, model, "2026-12-01", executor=ProcessPool(2, start_method="fork")
        )
        decisions.record(
            store, first.rows[0].sha256 or "", "normative", "甲", batch_id=first.batch_id
        )
        assert store.count("predictions") == 12
        assert store.count("decisions") == 1
    assert [r.status for r in first.rows + again.rows] == ["ok"] * 12
