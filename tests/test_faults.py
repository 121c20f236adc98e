"""Faults from outside: a full disk, a read-only or locked ledger, a process killed while it
writes a report, a damaged or crafted model file. Each ends with a clear Chinese message, and
nothing already committed is lost. benchmarks/faults.py runs the same with the real one-minute
lock and prints what the user sees."""

from __future__ import annotations

import ctypes
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from screening.cli import cli
from screening.errors import ModelLoadError, StoreError
from screening.ledger import (
    database as store_module,  # -- LOCK_WAIT_S lives with the SQLite connection
)
from screening.ledger.store import Store
from screening.model.classifier import ScreeningModel
from screening.model.registry import load_model
from screening.pipeline.screen import screen_paths

from .conftest import NORMATIVE_TEXT
from .fuzz_targets import _tiny_model

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "corpus" / "examples"


def _batch(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"doc-{i}.txt").write_text(f"第{i}号\n" + NORMATIVE_TEXT, encoding="utf-8")
    return folder


# -- the disk fills up


def _can_mount_tmpfs() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt && umount /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE and tmpfs: Linux")
@pytest.mark.parametrize("mode", ["tmpfs", "fsize"])
def test_disk_full_during_a_batch_keeps_ledger_and_report_readable(
    tmp_path: Path, mode: str
) -> None:
    if mode == "tmpfs" and not _can_mount_tmpfs():
        pytest.skip("mounting a tmpfs needs root (unshare -m)")
    driver = [sys.executable, str(REPO / "tests" / "fault_driver.py"), str(tmp_path), mode]
    subprocess.run(["unshare", "-m", *driver] if mode == "tmpfs" else driver, check=True)
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    home = tmp_path / "disk" / "home" / "screening.db"
    # The first batch is screened and reported.
    assert result["first"]["exit"] == 0
    assert result["after_first"]["ledger"]["batches"] == [["finished", 4, 4]]
    # The second stops with one clear line when the ledger cannot grow.
    assert result["full"]["exit"] == 1
    expected = {
        "tmpfs": f"错误：磁盘空间已满，无法写入审查台账 {home}。已完成的文件均已保存；"
        "请清理磁盘空间后重新运行同一命令，已审查的文件会被跳过。\n",
        "fsize": f"错误：写入审查台账 {home} 时发生磁盘读写错误（磁盘可能已满、已拔出或已损坏）。"
        "已完成的文件均已保存；请检查磁盘后重新运行同一命令。\n",
    }
    assert result["full"]["stderr"] == expected[mode]
    # The ledger is intact, keeps the first batch and every file of the second committed before
    # the disk filled; the report of the first batch is still whole.
    after = result["after_full"]
    assert after["ledger"]["integrity"] == "ok"
    (first, second) = after["ledger"]["batches"]
    assert first == ["finished", 4, 4]
    assert second[0] == "running" and 4 < second[1] < 40 and second[2] == second[1]
    assert after["report"] == {"exists": True, "files": 4, "leftovers": []}
    # Space comes back: the same command finishes, reusing what was committed.
    assert result["again"]["exit"] == 0
    again = result["after_again"]
    assert again["ledger"]["integrity"] == "ok"
    assert again["ledger"]["batches"][-1] == ["finished", 40, 40]
    assert again["ledger"]["predictions"] == 40
    assert again["report"] == {"exists": True, "files": 40, "leftovers": []}


def test_disk_full_while_writing_the_report_keeps_the_previous_report(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    batch, out = _batch(tmp_path / "batch", 2), tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(cli, ["screen", str(batch), "--out", str(out)]).exit_code == 0
    before = (out / "report.json").read_bytes()
    # The temporary file the report is written to lives on a full disk.
    temporary = out / f".report.json.{os.getpid()}.tmp"
    temporary.symlink_to("/dev/full")
    (batch / "doc-9.txt").write_text("第9号\n" + NORMATIVE_TEXT, encoding="utf-8")
    result = runner.invoke(cli, ["screen", str(batch), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.endswith(
        f"错误：无法写入报告 {out / 'report.json'}：No space left on device。审查结果已保存在台账中；"
        "请检查磁盘空间和目录权限后，用 screening report 重新生成报告。\n"
    )
    assert (out / "report.json").read_bytes() == before
    assert not temporary.exists() and not temporary.is_symlink()
    with Store.open() as store:  # the batch itself was recorded before the report
        assert store.count("predictions") == 3


# -- the ledger is read-only or locked


def _without_dac_override() -> None:
    """In a child process running as root: lose the power to ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="file permissions as on Linux")
def test_read_only_ledger_refuses_writes_clearly_and_still_reads(
    tmp_path: Path, screening_home: Path
) -> None:
    batch = _batch(tmp_path / "batch", 2)
    runner = CliRunner()
    assert runner.invoke(cli, ["screen", str(batch / "doc-0.txt"), "--out", str(tmp_path / "a")]).exit_code == 0  # fmt: skip
    ledger = screening_home / "screening.db"
    before = ledger.read_bytes()
    ledger.chmod(0o444)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "screening", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "SCREENING_HOME": str(screening_home)},
            preexec_fn=_without_dac_override if os.geteuid() == 0 else None,
        )

    refused = (
        f"错误：审查台账 {ledger} 是只读文件（或所在目录不可写），无法写入。"
        "请取消该文件的只读属性，或用环境变量 SCREENING_HOME 指定可写的数据目录，然后重新运行。\n"
    )
    screen = run("screen", str(batch), "--out", str(tmp_path / "b"))
    assert (screen.returncode, screen.stderr) == (1, refused)
    decide = run("decide", str(batch / "doc-0.txt"), "--label", "normative", "--reviewer", "张律师")
    assert (decide.returncode, decide.stderr) == (1, refused)
    # Reading still works: the auditor's report and the chain check.
    report = run("report", "--format", "json", "--out", str(tmp_path / "c"))
    assert report.returncode == 0, report.stderr
    assert json.loads((tmp_path / "c" / "report.json").read_text(encoding="utf-8"))["counts"]["files"] == 1  # fmt: skip
    assert run("audit", "verify").returncode == 0
    assert ledger.read_bytes() == before


def _hold_lock(path: Path, seconds: float, ready: threading.Event) -> None:
    """Another program holds the ledger's write lock for ``seconds``."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    ready.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


def test_ledger_locked_by_another_program_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    Store.open(path).close()
    ready = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(path, 3.0, ready))
    holder.start()
    ready.wait()
    started = time.monotonic()
    with Store.open(path) as store:
        result = screen_paths([_batch(tmp_path / "batch", 2)], store, load_model(), "2026-11-27")
        rows = store.count("batch_files")
    holder.join()
    assert time.monotonic() - started >= 2.5  # it waited for the lock, then finished
    assert [r.status for r in result.rows] == ["ok", "ok"] and rows == 2


def test_ledger_locked_for_longer_than_the_wait_is_a_clear_error_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.db"
    with Store.open(path) as store:
        screen_paths([_batch(tmp_path / "first", 1)], store, load_model(), "2026-11-27")
    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 1.0)
    ready = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(path, 4.0, ready))
    holder.start()
    ready.wait()
    with Store.open(path) as store, pytest.raises(StoreError) as caught:
        screen_paths([_batch(tmp_path / "second", 2)], store, load_model(), "2026-11-27")
    holder.join()
    assert str(caught.value) == (
        f"审查台账 {path} 正被其他程序占用（已等待 1 秒）。请关闭正在使用台账的程序"
        "（如数据库查看工具或另一个正在审查的窗口）后重新运行同一命令；已保存的记录不受影响。"
    )
    with Store.open(path) as store:
        assert (store.count("batches"), store.count("batch_files")) == (1, 1)


# -- killed while writing a report

_SLOW_WRITER = """
import sys, time
from pathlib import Path
import screening.report.build as report

def slow(data, path):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"half": ')
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)

report.write_json = slow
report.write_reports({"files": []}, Path(sys.argv[1]), ["json"])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_while_writing_a_report_leaves_no_half_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text('{"files": [1, 2, 3]}\n', encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(out)], stdout=subprocess.PIPE, cwd=REPO
    )
    assert child.stdout is not None and child.stdout.readline() == b"writing\n"
    child.send_signal(signal.SIGKILL)
    child.wait()
    # The final name still holds the whole previous report; the half one is a hidden temporary.
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == {"files": [1, 2, 3]}
    assert [p.name for p in out.iterdir() if p.name != "report.json"] == [
        f".report.json.{child.pid}.tmp"
    ]


# -- damaged and crafted model files


def _arrays() -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(_tiny_model())) as archive:
        return {k: archive[k] for k in archive.files}


def _with(meta_change: dict[str, object] | None = None, **arrays: np.ndarray) -> bytes:
    data = {**_arrays(), **arrays}
    if meta_change is not None:
        meta = json.loads(data["meta"].tobytes())
        meta.update(meta_change)
        data["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    return buffer.getvalue()


def _flipped_deflate() -> bytes:
    data = bytearray(_tiny_model())
    at = data.find(b"vocab.npy") + 200
    data[at] ^= 0xFF
    return bytes(data)


def _member_declared_huge() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_tiny_model())) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        out.writestr("pad.npy", b"")
    data = bytearray(buffer.getvalue())
    # Declare the last member 4 GB uncompressed in the central directory.
    at = data.rfind(b"PK\x01\x02")
    data[at + 24 : at + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    return bytes(data)


def _member_not_npy() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_tiny_model())) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            out.writestr(info, b"not an array" if info.filename == "idf.npy" else source.read(info))
    return buffer.getvalue()


DAMAGED = "文件不完整或已损坏，或含有不安全的对象数据"
MODELS = {
    "truncated": (lambda: _tiny_model()[: len(_tiny_model()) // 2], DAMAGED),
    "empty": (lambda: b"", DAMAGED),
    "flipped-deflate": (_flipped_deflate, DAMAGED),
    "member-declared-4gb": (_member_declared_huge, "内容大小或部件数量异常"),
    # np.load returns the raw bytes of a member that is not .npy (found by benchmarks/fuzz.py)
    "member-not-npy": (_member_not_npy, DAMAGED),
    "idf-shorter-than-vocab": (lambda: _with(idf=np.ones(3)), "类型或形状不一致"),
    "coef-wrong-shape": (lambda: _with(coef=np.ones((2, 4))), "类型或形状不一致"),
    "intercept-two-values": (lambda: _with(intercept=np.ones(2)), "类型或形状不一致"),
    "vocab-of-numbers": (lambda: _with(vocab=np.arange(4)), "类型或形状不一致"),
    "idf-nan": (lambda: _with(idf=np.array([1.0, np.nan, 1.0, 1.0])), "NaN 或无穷大"),
    "vocab-duplicates": (lambda: _with(vocab=np.array(["a", "a", "b", "c"])), "重复"),
    "meta-not-json": (lambda: _with(meta=np.frombuffer(b"\xff{", dtype=np.uint8)), "元数据已损坏"),
    "meta-a-list": (lambda: _with(meta=np.frombuffer(b"[2]", dtype=np.uint8)), "不是 JSON 对象"),
    "meta-nested-deep": (
        lambda: _with(meta=np.frombuffer(b"[" * 100_000, dtype=np.uint8)),
        "元数据已损坏",
    ),
    "labels-two": (lambda: _with({"labels": ["a", "b"]}), "labels"),
    "temperature-zero": (lambda: _with({"temperature": 0}), "temperature"),
    "temperature-text": (lambda: _with({"temperature": "1"}), "temperature"),
    "repeal-table-above-one": (lambda: _with({"repeal_table": {"none": 7}}), "repeal_table"),
    "repeal-table-without-none": (lambda: _with({"repeal_table": {}}), "repeal_table"),
    "kind-given-superseded-null": (lambda: _with({"kind_given_superseded": None}), "kind_given"),
    "dictionary-a-number": (lambda: _with({"dictionary": 5}), "dictionary"),
    "card-a-string": (lambda: _with({"card": "x"}), "card"),
    "max-tokens-negative": (lambda: _with({"card": {"params": {"max_tokens": -1}}}), "max_tokens"),
    "version-missing": (lambda: _with({"version": None}), "version"),
    "format-99": (lambda: _with({"format": 99}), "格式版本为 99"),
}


@pytest.mark.parametrize("case", sorted(MODELS))
def test_damaged_or_crafted_model_is_refused_with_a_clear_message(
    tmp_path: Path, case: str
) -> None:
    build, message = MODELS[case]
    path = tmp_path / "model.npz"
    path.write_bytes(build())
    with pytest.raises(ModelLoadError, match=message) as caught:
        ScreeningModel.load(path)
    assert str(path) in str(caught.value)
    assert str(caught.value).endswith("。")


def test_a_crafted_model_given_to_screen_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(_with({"temperature": -1}))
    result = CliRunner().invoke(
        cli, ["screen", str(EXAMPLES), "--out", str(tmp_path / "out"), "--model", str(path)]
    )
    assert (result.exit_code, result.output) == (
        1,
        f"错误：模型文件 {path} 的元数据无效：temperature 应为正数。"
        "请重新训练（screening train）或从备份恢复模型文件。\n",
    )


def test_the_untouched_tiny_model_loads(tmp_path: Path) -> None:
    # The cases above fail for their own reason, not because the base file is refused.
    path = tmp_path / "model.npz"
    path.write_bytes(_with())
    assert ScreeningModel.load(path).version == "fuzz-seed"


def test_temporaries_left_by_a_killed_writer_are_removed_once_stale(tmp_path: Path) -> None:
    from screening.report.build import write_reports

    out = tmp_path / "out"
    out.mkdir()
    stale, fresh = out / ".report.json.111.tmp", out / ".report.json.222.tmp"
    stale.write_text('{"half": ', encoding="utf-8")
    fresh.write_text('{"half": ', encoding="utf-8")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    write_reports({"files": []}, out, ["json"])
    # Two hours old: left by a killed process. A minute old: maybe still being written.
    assert sorted(p.name for p in out.iterdir()) == [".report.json.222.tmp", "report.json"]
