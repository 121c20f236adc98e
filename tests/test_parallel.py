"""Screening with worker processes (--workers) and on a Dask cluster (--scheduler): the same
labels as one process, results recorded by the client in file order, nothing lost when
interrupted, and a clear error (never a silent local run) when the cluster cannot be used."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening.cli import cli
from screening.ledger.store import Store
from screening.model.registry import load_model
from screening.pipeline.parallel import ProcessPool
from screening.pipeline.screen import screen_paths

from .conftest import NON_NORMATIVE_TEXT, NORMATIVE_TEXT, docx_bytes, pdf_bytes

#: Tests that fork, use SIGALRM or read /proc.
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork, SIGALRM, /proc")


def make_batch(folder: Path) -> Path:
    folder.mkdir()
    for i in range(8):
        text = (NORMATIVE_TEXT if i % 3 else NON_NORMATIVE_TEXT).replace("2025", str(2015 + i))
        (folder / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    (folder / "08-copy.txt").write_text(  # -- the same bytes as 01.txt: analysed once
        (folder / "01.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / "09.docx").write_bytes(docx_bytes(NON_NORMATIVE_TEXT.splitlines()))
    (folder / "10.pdf").write_bytes(pdf_bytes([NORMATIVE_TEXT.splitlines()[:12]]))
    (folder / "11-broken.pdf").write_bytes(pdf_bytes([["损坏"]])[:300])
    (folder / "12-empty.txt").write_bytes(b"")
    return folder


def screen(folder: Path, out: Path, *options: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(
        cli, ["screen", str(folder), "--out", str(out), "--as-of", "2026-11-27", *options]
    )
    files = json.loads((out / "report.json").read_text(encoding="utf-8"))["files"]
    return result.exit_code, files


def test_workers_give_the_same_report_as_one_process(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = make_batch(tmp_path / "in")
    single = screen(folder, tmp_path / "one")
    monkeypatch.setenv("SCREENING_HOME", str(tmp_path / "home2"))
    parallel = screen(folder, tmp_path / "two", "--workers", "2")
    assert single[0] == parallel[0] == 3  # -- two files cannot be read
    assert parallel[1] == single[1]
    assert [f["status"] for f in single[1]].count("ok") == 11
    with Store.open() as store:
        assert store.count("predictions") == 10  # -- 08-copy reused 01's prediction


def rows_of(result) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [
        (r.seq, r.path, r.sha256, r.status, r.label, r.probabilities, r.evidence, r.findings)
        for r in result.rows
    ]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_forked_and_spawned_workers_record_what_one_process_does(
    tmp_path: Path, method: str
) -> None:
    folder = make_batch(tmp_path / "in")
    model = load_model()
    with Store.open(tmp_path / "one.db") as store:
        alone = screen_paths([folder], store, model, "2026-11-27")
    with Store.open(tmp_path / f"{method}.db") as store:
        pool = ProcessPool(2, start_method=method)
        together = screen_paths([folder], store, model, "2026-11-27", executor=pool)
    assert pool.start_method == method
    assert rows_of(together) == rows_of(alone)


def test_workers_fork_only_while_no_other_thread_runs() -> None:
    import sys
    import threading

    from screening.pipeline.parallel import safe_start_method

    if not sys.platform.startswith("linux"):
        assert safe_start_method() == "spawn"
        return
    assert threading.active_count() == 1
    assert safe_start_method() == "fork"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert safe_start_method() == "spawn"
    finally:
        stop.set()
        other.join()


def test_a_forked_worker_reads_pdfs_with_an_extraction_process_of_its_own(
    tmp_path: Path,
) -> None:
    """Regression: a worker forked from a process that had started its guarded extraction
    process inherited the parent's handle and failed on every PDF (a process may only ask after
    its own children)."""
    from screening.read import extract_with_limits

    extract_with_limits(pdf_bytes([["先读一份"]]), "pdf")  # -- the client's own worker runs
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i}.pdf").write_bytes(pdf_bytes([NORMATIVE_TEXT.splitlines()[: 8 + i]]))
    with Store.open(tmp_path / "fork.db") as store:
        pool = ProcessPool(2, start_method="fork")
        result = screen_paths([folder], store, load_model(), "2026-11-27", executor=pool)
    assert [r.status for r in result.rows] == ["ok"] * 4, [r.error for r in result.rows]


def test_a_worker_that_dies_fails_only_the_file_it_was_analysing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed on one file (out of memory, a crash in a library) costs that file only:
    the jobs it had not begun go to the other worker, and a new worker takes its place."""
    import os

    from screening.pipeline import parallel

    folder = make_batch(tmp_path / "in")
    model = load_model()
    with Store.open(tmp_path / "one.db") as store:
        alone = screen_paths([folder], store, model, "2026-11-27")
    analyze = parallel._analyze_in_worker

    def dies_on_the_fourth(job):  # type: ignore[no-untyped-def]
        if job.path.endswith("03.txt"):
            os._exit(9)
        return analyze(job)

    monkeypatch.setattr(parallel, "_analyze_in_worker", dies_on_the_fourth)
    pool = ProcessPool(2, start_method="fork")
    with Store.open(tmp_path / "fork.db") as store:
        result = screen_paths([folder], store, model, "2026-11-27", executor=pool)
    died = [r for r in result.rows if r.path.endswith("03.txt")]
    assert [(r.status, r.error) for r in died] == [
        (
            "failed",
            "工作进程在分析此文件时退出（退出码 9），已跳过；请重新审查本批次，"
            "或单独用 screening extract 检查此文件。",
        )
    ]
    others = [row for row in rows_of(result) if not row[1].endswith("03.txt")]
    assert others == [row for row in rows_of(alone) if not row[1].endswith("03.txt")]


def test_a_worker_killed_by_the_system_is_reported_as_likely_out_of_memory() -> None:
    import signal

    from screening.pipeline.parallel import _exit_reason

    assert _exit_reason(-signal.SIGKILL) == "被系统强行终止，常见原因是内存不足"
    assert _exit_reason(-signal.SIGSEGV) == "被信号 SIGSEGV 终止"
    assert _exit_reason(3) == "退出码 3"
    assert _exit_reason(None) == "原因不明"


def test_a_worker_that_died_between_files_is_replaced() -> None:
    import os
    import signal

    from screening.config import Limits
    from screening.pipeline.screen import Job

    pool = ProcessPool(2, start_method="fork")
    pool.start(load_model(), Limits(), "2026-11-27")
    try:
        assert [pool.submit(Job(i, "/nonexistent/x.txt")).result().status for i in range(4)] == [
            "failed"
        ] * 4
        first = pool._procs[0].process
        os.kill(first.pid or 0, signal.SIGKILL)
        first.join()
        results = [pool.submit(Job(i, "/nonexistent/x.txt")) for i in range(6)]
        assert [r.result().status for r in results] == ["failed"] * 6
        assert [r.result().error for r in results] == [results[0].result().error] * 6
        assert "被移动或删除" in (results[0].result().error or "")
        assert len(pool._procs) == 2 and first not in [w.process for w in pool._procs]
    finally:
        pool.close()


def test_a_worker_that_cannot_start_fails_each_file_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screening.errors import ModelLoadError
    from screening.pipeline import parallel

    def refuses(*args: object) -> None:
        raise ModelLoadError("模型文件在筛查开始后被改动。")

    monkeypatch.setattr(parallel, "_init_worker", refuses)
    folder = make_batch(tmp_path / "in")
    with Store.open(tmp_path / "fork.db") as store:
        result = screen_paths(
            [folder],
            store,
            load_model(),
            "2026-11-27",
            executor=ProcessPool(2, start_method="fork"),
        )
    analysed = [r for r in result.rows if "被改动" in (r.error or "")]
    # -- every file but the copy of 01, which the client screens itself after its twin
    assert [Path(r.path).name for r in result.rows if r not in analysed] == ["08-copy.txt"]
    assert {r.error for r in analysed} == {
        "模型文件在筛查开始后被改动，已跳过；请重新审查本批次，或单独用 screening extract 检查此文件。"
    }


@linux_only
def test_a_busy_worker_and_its_children_end_when_the_client_is_killed(tmp_path: Path) -> None:
    """Regression: a client killed while a worker read a long file left the worker (and the
    extraction process it had started) running until that file and the jobs queued behind it
    were done, unlimited: the worker now receives SIGTERM when its client ends."""
    import signal
    import subprocess
    import time

    pid_file = tmp_path / "child.pid"
    client = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import multiprocessing, pathlib, time\n"
            "from screening.config import Limits\n"
            "from screening.model import load_model\n"
            "from screening.pipeline import parallel\n"
            "from screening.pipeline.screen import Job\n"
            "def busy(job):\n"
            "    child = multiprocessing.get_context('spawn').Process(\n"
            "        target=time.sleep, args=(120,), daemon=True)\n"
            "    child.start()\n"
            f"    pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))\n"
            "    time.sleep(120)\n"
            "parallel._analyze_in_worker = busy\n"
            "pool = parallel.ProcessPool(1, start_method='fork')\n"
            "pool.start(load_model(), Limits(), '2026-11-27')\n"
            "pool.submit(Job(1, 'x.txt'))\n"
            "print(pool._procs[0].process.pid, flush=True)\n"
            "time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None
    worker = int(client.stdout.readline())
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    client.send_signal(signal.SIGKILL)
    client.wait()
    assert left_running([worker, grandchild], within=20) == []


def left_running(pids: list[int], within: float) -> list[int]:
    """The processes of ``pids`` still running (not gone, not zombies) after ``within``
    seconds; those are killed, so that a failing test leaves nothing behind."""
    import os
    import signal
    import time

    def running(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + within
    while any(map(running, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in pids if running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


@linux_only
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_end_when_the_client_is_killed(method: str) -> None:
    """Regression: a forked worker held the client's ends of the pipes, so a client killed
    (kill -9, out of memory) left its workers waiting for the next job for ever."""
    import signal
    import subprocess

    client = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from screening.config import Limits\n"
            "from screening.model import load_model\n"
            "from screening.pipeline.parallel import ProcessPool\n"
            f"pool = ProcessPool(2, start_method={method!r})\n"
            "pool.start(load_model(), Limits(), '2026-11-27')\n"
            "print(*[w.process.pid for w in pool._procs], flush=True)\n"
            "time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None
    pids = [int(p) for p in client.stdout.readline().split()]
    assert len(pids) == 2
    client.send_signal(signal.SIGKILL)
    client.wait()
    assert left_running(pids, within=30) == []


@contextmanager
def fails_after(seconds: int) -> Iterator[None]:
    """Turn a hang into a test failure (SIGALRM)."""
    import signal

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def started_pool(workers: int = 2) -> ProcessPool:
    from screening.config import Limits

    pool = ProcessPool(workers, start_method="fork")
    pool.start(load_model(), Limits(), "2026-11-27")
    return pool


@linux_only
def test_an_answer_the_client_cannot_rebuild_fails_only_its_own_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: an answer that could be pickled but not unpickled (an exception whose
    __init__ needs more arguments) raised before its job was taken off the worker's list, so
    every later result went to the job before it."""
    from screening.errors import ReaderBugError
    from screening.pipeline import parallel
    from screening.pipeline.screen import Job

    folder = make_batch(tmp_path / "in")
    analyze = parallel._analyze_in_worker

    def fails_on_the_second(job):  # type: ignore[no-untyped-def]
        if job.seq == 2:
            raise ReaderBugError("读取失败", "KeyError", "traceback")
        return analyze(job)

    monkeypatch.setattr(parallel, "_analyze_in_worker", fails_on_the_second)
    pool = started_pool(1)
    try:
        with fails_after(60):
            results = [pool.submit(Job(i, str(folder / f"0{i}.txt"))) for i in range(1, 6)]
            with pytest.raises(TypeError):
                results[1].result()
            assert [results[i].result().seq for i in (0, 2, 3, 4)] == [1, 3, 4, 5]
    finally:
        pool.close()


@linux_only
def test_close_after_an_interrupted_send_stops_the_worker_at_once(tmp_path: Path) -> None:
    """Regression: Ctrl-C while a job was being written left half a message in the worker's
    pipe; close() then waited for a worker that waited for the rest of it, for ever."""
    import struct
    from multiprocessing.connection import Connection

    from screening.pipeline.screen import Job

    def half_then_interrupt(self, buf):  # type: ignore[no-untyped-def]
        data = bytes(buf)
        self._send(struct.pack("!i", len(data)) + data[: len(data) // 2])
        raise KeyboardInterrupt

    pool = started_pool()
    original = Connection.send_bytes
    Connection.send_bytes = half_then_interrupt  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            pool.submit(Job(1, str(tmp_path / "x.txt")))
    finally:
        Connection.send_bytes = original  # type: ignore[method-assign]
    workers = [w.process for w in pool._procs]
    with fails_after(30):
        pool.close()
    assert not any(p.is_alive() for p in workers)


@linux_only
def test_a_broken_pool_stops_its_other_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: when a replacement worker could not start, the pool failed every job but
    kept the healthy worker running, still owing answers that nobody would read (close() could
    then wait for ever on one too large for the pipe)."""
    import os
    import signal

    from screening.errors import ModelLoadError
    from screening.pipeline import parallel
    from screening.pipeline.screen import Job

    pool = started_pool()
    try:
        with fails_after(60):
            assert pool.submit(Job(1, "/nonexistent/a.txt")).result().status == "failed"

            def refuses(*args: object) -> None:
                raise ModelLoadError("模型文件在筛查开始后被改动。")

            monkeypatch.setattr(parallel, "_init_worker", refuses)  # -- for the replacement
            healthy, victim = (w.process for w in pool._procs)
            results = [pool.submit(Job(i, "/nonexistent/b.txt")) for i in range(2, 8)]
            os.kill(victim.pid or 0, signal.SIGKILL)
            outcomes = []
            for r in results:
                try:
                    outcomes.append(r.result().status)
                except Exception as exc:
                    outcomes.append(type(exc).__name__)
            assert "ModelLoadError" in outcomes
            assert pool._procs == [] and not healthy.is_alive()
    finally:
        pool.close()


@linux_only
def test_a_worker_stopped_mid_file_stops_its_own_child_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: close() stopped a busy worker with SIGTERM, which ended it without its exit
    handlers, so the extraction process it had started went on reading on its own."""
    import multiprocessing
    import time

    from screening.pipeline import parallel
    from screening.pipeline.screen import Job

    pid_file = tmp_path / "child.pid"

    def busy_with_a_child(job):  # type: ignore[no-untyped-def]
        child = multiprocessing.get_context("spawn").Process(
            target=time.sleep, args=(120,), daemon=True
        )
        child.start()
        pid_file.write_text(str(child.pid))
        time.sleep(120)

    monkeypatch.setattr(parallel, "_analyze_in_worker", busy_with_a_child)
    pool = started_pool(1)
    pool.submit(Job(1, "/nonexistent/a.txt"))
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pid_file.read_text())
    with fails_after(30):
        pool.close()
    assert left_running([child], within=10) == []


@linux_only
def test_a_second_ctrl_c_while_the_batch_stops_is_ignored() -> None:
    """Regression: a second Ctrl-C shortly after the first broke off the stopping halfway (a
    ledger transaction left open, or a worker never stopped, on which the exit then waited)."""
    import os
    import signal
    import time

    from screening.cli import one_interrupt

    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(KeyboardInterrupt), one_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGINT)  # -- the second: ignored
        time.sleep(0.1)
        with one_interrupt():  # -- no interrupt: the handler before is put back
            pass
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    with one_interrupt():
        pass
    assert signal.getsignal(signal.SIGINT) is previous


def test_the_client_runs_no_thread_while_workers_run(tmp_path: Path) -> None:
    """The pool speaks to its workers through pipes, with no thread of its own, so a worker that
    has to be replaced can again be forked (see safe_start_method)."""
    import threading

    from screening.config import Limits

    pool = ProcessPool(2, start_method="fork")
    pool.start(load_model(), Limits(), "2026-11-27")
    try:
        from screening.pipeline.screen import Job

        assert pool.submit(Job(1, str(tmp_path / "none.txt"))).result().status == "failed"
        assert threading.active_count() == 1
    finally:
        pool.close()
    assert not pool._procs


def test_a_file_deleted_before_a_worker_reads_it_says_so(tmp_path: Path) -> None:
    """Regression: the message spoke of file permissions and --send-files, not of a file that
    had gone since the client listed it."""
    from screening.config import Limits
    from screening.pipeline.screen import Job, analyze_file

    analysis = analyze_file(
        Job(1, str(tmp_path / "gone.txt")), load_model(), Limits(), "2026-11-27"
    )
    assert (analysis.status, analysis.error) == (
        "failed",
        "文件在审查过程中被移动或删除，已跳过：请确认文件仍在原处后重新审查"
        "（在集群上审查时，工作节点须能按同一路径读取文件，否则请加 --send-files）。",
    )


def test_rerun_with_workers_skips_what_is_done(tmp_path: Path) -> None:
    folder = make_batch(tmp_path / "in")
    model = load_model()
    with Store.open() as store:
        first = screen_paths([folder], store, model, "2026-11-27", executor=ProcessPool(2))
        again = screen_paths([folder], store, model, "2026-11-27", executor=ProcessPool(2))
        assert store.count("predictions") == 10
    assert [r.reused for r in again.rows] == [r.status == "ok" for r in first.rows]
    assert [r.label for r in again.rows] == [r.label for r in first.rows]


def test_interrupted_parallel_batch_keeps_every_file_recorded(tmp_path: Path) -> None:
    folder = make_batch(tmp_path / "in")
    model = load_model()

    def stop_after_three(done: int, total: int, path: Path | None) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with Store.open() as store:
        with pytest.raises(KeyboardInterrupt):
            screen_paths(
                [folder],
                store,
                model,
                "2026-11-27",
                progress=stop_after_three,
                executor=ProcessPool(2),
            )
        assert store.count("batch_files") == 3
        assert store.count("predictions") == 3
        assert store.conn.execute("SELECT status FROM batches").fetchone()[0] == "interrupted"
        result = screen_paths([folder], store, model, "2026-11-27")
    assert [r.reused for r in result.rows][:4] == [True, True, True, False]


def test_a_used_model_can_be_sent_to_a_worker() -> None:
    """Regression: once it had segmented a text the model held rjieba's engine, which cannot be
    pickled, so a Dask worker could not pass its copy to another worker (nor a client that had
    used its model send it)."""
    import pickle

    from screening.law.metadata import Metadata

    model = load_model()
    before = model.kind(NORMATIVE_TEXT, Metadata())
    copy = pickle.loads(pickle.dumps(model))
    assert copy.kind(NORMATIVE_TEXT, Metadata()) == before


def test_workers_load_the_model_file_and_refuse_one_changed_since(tmp_path: Path) -> None:
    """Workers here load the client's model from its file (faster than 2 MB through the start-up
    pipe); a file changed after the client loaded it is not named to them (the client sends the
    model itself), and a worker that finds it changed refuses it rather than use it."""
    import shutil
    import signal

    from screening.config import Limits
    from screening.errors import ModelLoadError
    from screening.pipeline import parallel

    model = load_model()
    assert model.source is not None
    path = tmp_path / "model.npz"
    shutil.copyfile(model.source[0], path)
    copied = type(model).load(path)
    assert copied.source == (str(path), model.source[1])
    handler = signal.getsignal(signal.SIGINT)
    try:
        parallel._init_worker(copied.source, Limits(), "2026-11-27")
        loaded = parallel._worker_args[0]
        assert loaded.version == model.version and loaded.source == copied.source
        assert copied.unchanged_source() == copied.source
        path.write_bytes(path.read_bytes() + b"\0")  # -- changed after the client loaded it
        assert copied.unchanged_source() is None  # -- the client then sends the model itself
        with pytest.raises(ModelLoadError, match="被改动"):
            parallel._init_worker(copied.source, Limits(), "2026-11-27")
    finally:
        signal.signal(signal.SIGINT, handler)
        parallel._worker_args = ()


def test_send_files_needs_a_scheduler(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["screen", str(tmp_path), "--out", str(tmp_path / "o"), "--send-files"]
    )
    assert result.exit_code == 1
    assert (
        result.stderr
        == "错误：--send-files 只与 --scheduler 一起使用（本机的工作进程直接读取文件）。\n"
    )


def test_workers_and_scheduler_exclude_each_other(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "screen",
            str(tmp_path),
            "--out",
            str(tmp_path / "o"),
            "--workers",
            "2",
            "--scheduler",
            "tcp://127.0.0.1:1",
        ],
    )
    assert result.exit_code == 2
    assert "--workers 与 --scheduler 不能同时使用" in result.stderr


# -- Dask
@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A loopback Dask cluster of two single-threaded worker processes that may start the
    per-file reading process (as the README says to start workers)."""
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    with dask.config.set({"distributed.worker.daemon": False}):
        local = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        )
    try:
        yield local.scheduler_address
    finally:
        local.close()


def test_dask_cluster_gives_the_same_report(tmp_path: Path, cluster: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = make_batch(tmp_path / "in")
    single = screen(folder, tmp_path / "one")
    monkeypatch.setenv("SCREENING_HOME", str(tmp_path / "home2"))
    on_cluster = screen(folder, tmp_path / "dask", "--scheduler", cluster)
    monkeypatch.setenv("SCREENING_HOME", str(tmp_path / "home3"))
    sent = screen(folder, tmp_path / "sent", "--scheduler", cluster, "--send-files")
    assert single[0] == on_cluster[0] == sent[0] == 3
    assert on_cluster[1] == single[1]
    assert sent[1] == single[1]


def test_unreachable_scheduler_is_an_error_not_a_local_run(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    folder = make_batch(tmp_path / "in")
    result = CliRunner().invoke(
        cli,
        ["screen", str(folder), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1"],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：无法连接 Dask 调度器 tcp://127.0.0.1:1：")
    assert result.stderr.endswith(
        "请检查地址与端口、调度器是否已启动（dask scheduler）；如要在本机审查，请去掉 --scheduler。\n"
    )
    assert not (tmp_path / "o").exists()
    with Store.open() as store:
        assert store.count("batches") == 0 and store.count("documents") == 0


def test_daemonic_workers_are_refused_with_instructions(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    folder = make_batch(tmp_path / "in")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as local:
        result = CliRunner().invoke(
            cli,
            [
                "screen",
                str(folder),
                "--out",
                str(tmp_path / "o"),
                "--scheduler",
                local.scheduler_address,
            ],
        )
    assert result.exit_code == 1
    assert "以守护进程运行，无法为每份文件启动受时间与内存限制的读取进程。" in result.stderr
    assert "DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker" in result.stderr


def test_the_default_screens_a_small_batch_in_this_process() -> None:
    """Issue 14: by default screen uses the machine's cores, but a batch too small to repay
    starting the workers is screened in the calling process; an explicit --workers N is kept."""
    from screening.pipeline.parallel import InProcess, make_executor

    auto = make_executor()
    if isinstance(auto, ProcessPool):  # -- a machine with more than one processor
        assert isinstance(auto.fitting(5), InProcess)
        assert auto.fitting(10_000) is auto
    asked = make_executor(2)
    assert isinstance(asked, ProcessPool) and asked.fitting(5) is asked
    assert isinstance(make_executor(1), InProcess)
