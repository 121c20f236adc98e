"""Where the per-file analysis of a batch runs: in this process, or in worker processes here.

:func:`screening.pipeline.screen.screen_paths` hands each file's :class:`~screening.pipeline.screen.Job` to an
:class:`Executor` and records the results in file order. :class:`InProcess` runs each job at
once (the default, one worker); :class:`ProcessPool` runs them in ``N`` worker processes here
(forked from this process where that is safe, so that they start with its model in memory; else
spawned, each loading the model file); :mod:`screening.pipeline.cluster` runs them on a Dask
cluster. Workers read the files from their paths; only the results come back.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from ..errors import ModelLoadError, UsageError, WorkerExitedError
from ..lifetime import die_with_parent, may_bind_child, parent_is_gone

if TYPE_CHECKING:
    from ..config import Limits
    from ..model import ScreeningModel
    from .screen import Analysis, Job


class Executor:
    """Runs :func:`~screening.pipeline.screen.analyze_file` on jobs; futures come back in any order."""

    #: Jobs carry the file's bytes (the workers cannot read the client's paths).
    ships_bytes = False
    #: How many files may be on their way (submitted, not yet recorded) at once.
    window = 1

    def start(self, model: ScreeningModel, limits: Limits, as_of: str) -> None:
        raise NotImplementedError

    def submit(self, job: Job) -> Any:
        """A future whose ``result()`` is the job's :class:`~screening.pipeline.screen.Analysis`."""
        raise NotImplementedError

    def fitting(self, files: int) -> Executor:
        """The executor to use for a batch of ``files`` files (this one, unless starting it would
        cost more than it saves)."""
        return self

    def close(self) -> None:
        """Stop the workers (cancelling what has not started)."""


class InProcess(Executor):
    """Analyse each file in this process as it is submitted (one worker: today's behaviour)."""

    ships_bytes = True  # -- the client has just read them

    def start(self, model: ScreeningModel, limits: Limits, as_of: str) -> None:
        self._args = (model, limits, as_of)

    def submit(self, job: Job) -> Future[Analysis]:
        from .screen import analyze_file

        future: Future[Analysis] = Future()
        future.set_result(analyze_file(job, *self._args))
        return future


#: The model, limits and as-of date of this worker process (set once when it starts).
_worker_args: tuple[Any, ...] = ()


def _init_worker(model: ScreeningModel | tuple[str, str], limits: Limits, as_of: str) -> None:
    """Keep the worker's arguments. ``model``: the model, or the file it was loaded from and the
    sha256 of its bytes (loading it here is faster than taking 2 MB through the start-up pipe,
    which held up the client while each worker started)."""
    global _worker_args
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # -- Ctrl-C is the client's business
    if isinstance(model, tuple):
        from pathlib import Path

        from ..model import ScreeningModel

        path, sha256 = model
        loaded = ScreeningModel.load(Path(path))
        if loaded.source is None or loaded.source[1] != sha256:
            raise ModelLoadError(
                f"模型文件 {path} 在筛查开始后被改动。请在模型文件不再变动时重新运行筛查。"
            )
        model = loaded
    _worker_args = (model, limits, as_of)


def _analyze_in_worker(job: Job) -> Analysis:
    from .screen import analyze_file

    return analyze_file(job, *_worker_args)


def safe_start_method() -> str:
    """``"fork"`` where forking this process is safe, else ``"spawn"``.

    A forked worker starts with this process's modules and model in memory (shared until
    written) and the segmenter built once, here: about 0.35 s of start-up per worker less than a
    spawned one, which imports everything and loads the model again. Forking is safe only while
    this process runs no other thread (a lock another thread holds would stay locked in the
    child) and only on Linux (macOS's system libraries refuse it; Windows has no fork).
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _worker_main(
    conn: Connection,
    initargs: tuple[Any, ...],
    inherited: Sequence[Connection] = (),
    bound: bool = False,
) -> None:
    """A worker process: analyse each job the client sends, in order, until it sends ``None``
    or goes away. Every answer is ``(True, analysis)`` or ``(False, exception)``.

    ``inherited``: the client's ends of the workers' pipes, which a forked worker holds too.
    They are closed first: while any process holds the client's end, a worker would not see the
    client go (killed, crashed) and would wait for its next job for ever. ``bound``: it may die
    with the client (:func:`~screening.lifetime.may_bind_child`)."""
    for end in inherited:
        end.close()
    # -- stopped by the client (an interrupted batch), or the client killed: unwind, so that
    # multiprocessing's exit stops this worker's extraction process too rather than leave it
    # reading on its own
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if bound:
        die_with_parent(signal.SIGTERM)
    try:
        _init_worker(*initargs)
    except BaseException as exc:  # -- e.g. the model file changed: every job gets the error
        _answer(conn, (False, exc))
        return
    _answer(conn, (True, None))
    while True:
        try:
            job = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):  # -- the client is gone
            return
        if job is None or parent_is_gone():  # -- the client has stopped, or is gone
            return
        try:
            answer: tuple[bool, Any] = (True, _analyze_in_worker(job))
        except Exception as exc:  # -- analyze_file catches a file's own problems; not this
            answer = (False, exc)
        _answer(conn, answer)


def _exit_on_signal(signum: int, frame: Any) -> None:
    # -- once: a second signal would break off the exit that stops this worker's children
    signal.signal(signum, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def _answer(conn: Connection, answer: tuple[bool, Any]) -> None:
    try:
        conn.send(answer)
    except (EOFError, OSError):
        pass  # -- the client is gone; nobody is waiting for the answer
    except Exception:  # -- an exception that cannot be pickled
        conn.send((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))


class _Result:
    """The coming result of one job: ``result()`` waits for it (taking in, meanwhile, whatever
    other results arrive and handing out further jobs)."""

    def __init__(self, pool: ProcessPool, payload: bytes) -> None:
        self.pool = pool
        self.payload = payload
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None

    def resolve(self, ok: bool, value: Any) -> None:
        self.done = True
        if ok:
            self.value = value
        else:
            self.error = value

    def result(self) -> Analysis:
        while not self.done:
            self.pool.pump()
        if self.error is not None:
            raise self.error
        value: Analysis = self.value
        return value


class _Worker:
    """One worker process, the pipe to it, and its jobs not yet answered (in the order sent)."""

    def __init__(
        self, context: Any, initargs: tuple[Any, ...], others: Sequence[_Worker] = ()
    ) -> None:
        self.conn, child = context.Pipe(duplex=True)
        # -- a forked worker inherits the client's ends of its own pipe and of the others'
        forked = context.get_start_method() == "fork"
        inherited = [self.conn, *(w.conn for w in others)] if forked else []
        # -- not a daemon: a worker starts an extraction process of its own for PDFs
        self.process = context.Process(
            target=_worker_main, args=(child, initargs, inherited, may_bind_child())
        )
        self.process.start()
        child.close()
        self.ready = False  # -- its start-up answer not yet read
        self.sent: deque[_Result] = deque()
        #: A job is being written to it (an interrupted write leaves the pipe unusable).
        self.sending = False

    @property
    def idle(self) -> bool:
        """Started, owing no answer, and no job half sent."""
        return self.ready and not self.sent and not self.sending


class ProcessPool(Executor):
    """``workers`` processes on this machine, each with the model from the start.

    ``start_method``: ``"fork"`` or ``"spawn"``; default :func:`safe_start_method` when the pool
    starts.

    The client speaks to each worker through a pipe of its own and runs no thread: each worker
    holds at most :attr:`DEPTH` jobs, and a job is handed to the worker with the fewest whenever
    the client submits one or waits for a result. (The standard library's ProcessPoolExecutor
    moved each job through two threads of the client, which cost the client about a fifth of
    its CPU on a batch of short texts.) A worker that dies fails the file it was analysing, and
    a new one takes its place.
    """

    #: Jobs a worker holds at once: the one it analyses and the next two, so that it seldom
    #: waits for the client, which takes in answers only between recording two files.
    DEPTH = 3
    #: A pickled job larger than this (one carrying a stored text) goes only to an idle worker,
    #: which reads it at once: a pipe's buffer holds smaller ones while the worker is busy.
    SMALL_JOB = 16 * 1024
    #: Workers that may die one after another between two files (not while analysing one)
    #: before the pool gives up.
    IDLE_DEATHS = 3
    #: Seconds an idle worker is given to end when the pool closes, before it is stopped.
    STOP_WAIT = 10.0

    def __init__(self, workers: int, auto: bool = False, start_method: str | None = None) -> None:
        if workers < 1:
            raise UsageError("--workers 至少为 1。")
        self.workers = workers
        self.start_method = start_method
        #: Chosen by default rather than asked for: a small batch is screened in this process.
        self.auto = auto
        # Enough files on their way to keep every worker busy while the client records in file
        # order behind a slow one, few enough that their results stay small in memory.
        self.window = 8 * workers
        self._started = False
        self._procs: list[_Worker] = []
        self._waiting: deque[_Result] = deque()
        self._idle_deaths = 0
        self._broken: BaseException | None = None

    def start(self, model: ScreeningModel, limits: Limits, as_of: str) -> None:
        method = self.start_method or safe_start_method()
        if method == "fork":
            model.prepare()  # -- built once here, shared by every worker
        self.start_method = method
        self._args: tuple[Any, ...] = (model, limits, as_of)
        self._procs = []
        for _ in range(self.workers):  # -- one by one: each is told of those before it
            self._procs.append(self._new_worker())
        self._started = True
        # -- should this process end without close(), its workers must not keep it waiting
        atexit.register(self._stop)

    def _new_worker(self) -> _Worker:
        if self.start_method == "fork" and safe_start_method() == "fork":
            return _Worker(multiprocessing.get_context("fork"), self._args, self._procs)
        # -- a spawned worker (also one that replaces a dead worker once this process runs a
        # thread) loads the model's file when it still holds this model, else gets the model
        model, limits, as_of = self._args
        args = (model.unchanged_source() or model, limits, as_of)
        return _Worker(multiprocessing.get_context("spawn"), args)

    #: Below this many files per worker, starting the workers (each loads the model and the
    #: segmenter) costs more than they save: the batch is screened in this process.
    SMALL_BATCH_PER_WORKER = 25

    def fitting(self, files: int) -> Executor:
        small = files < self.SMALL_BATCH_PER_WORKER * self.workers
        return InProcess() if self.auto and small else self

    def submit(self, job: Job) -> _Result:
        if not self._started:
            raise WorkerExitedError("工作进程已停止。")
        result = _Result(self, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        self._waiting.append(result)
        # -- take in the answers that came meanwhile: a worker whose jobs are all answered
        # would wait for the next until the client next waits for a result
        self.pump(block=False)
        return result

    def _hand_out(self) -> None:
        """Give waiting jobs, in order, to the workers with room for them."""
        while self._waiting:
            if self._broken is not None:
                self._waiting.popleft().resolve(False, self._broken)
                continue
            if not self._procs:  # -- closed
                return
            worker = min(self._procs, key=lambda w: len(w.sent))
            big = len(self._waiting[0].payload) > self.SMALL_JOB
            if len(worker.sent) >= (1 if big else self.DEPTH):
                return
            result = self._waiting.popleft()
            worker.sending = True
            try:
                worker.conn.send_bytes(result.payload)
            except OSError:
                self._waiting.appendleft(result)
                self._replace(worker)
                continue
            worker.sending = False
            worker.sent.append(result)

    def pump(self, block: bool = True) -> None:
        """Take in every answer that came (waiting for the next, when ``block``), and hand out
        jobs to the workers that have room."""
        if not self._started:
            raise WorkerExitedError("工作进程已停止。")
        busy = {w.conn: w for w in self._procs if w.sent or not w.ready}
        for conn in wait(list(busy), None if block else 0.0) if busy else ():
            worker = busy[conn]
            if worker not in self._procs:  # -- ended meanwhile (the pool broke)
                continue
            try:
                data = conn.recv_bytes()
            except (EOFError, OSError):
                self._replace(worker)
                continue
            try:
                ok, value = pickle.loads(data)
            except Exception as exc:  # -- an answer this process cannot rebuild fails its job
                ok, value = False, exc
            if not worker.ready:  # -- its start-up answer
                worker.ready = True
                if not ok:
                    self._break(value)
                continue
            worker.sent.popleft().resolve(ok, value)
            self._idle_deaths = 0
        self._hand_out()

    def _replace(self, worker: _Worker) -> None:
        """``worker`` has died: the file it was analysing fails; the jobs it had not begun go to
        the others, and a new worker takes its place."""
        _end(worker, timeout=1.0)
        code = worker.process.exitcode
        self._procs.remove(worker)
        if worker.sent and worker.ready:  # -- else it died before it began a job
            worker.sent.popleft().resolve(
                False, WorkerExitedError(f"工作进程在分析此文件时退出（{_exit_reason(code)}）")
            )
        else:
            self._idle_deaths += 1
        self._waiting.extendleft(reversed(worker.sent))
        if self._idle_deaths > self.IDLE_DEATHS:
            self._break(WorkerExitedError(f"工作进程接连退出（{_exit_reason(code)}）"))
        elif self._broken is None:
            self._procs.append(self._new_worker())

    def _break(self, exc: BaseException) -> None:
        """No worker can run (one could not start, or workers keep dying between files): every
        worker is stopped, and every job left fails with ``exc``."""
        self._broken = exc
        for worker in self._procs:
            while worker.sent:
                worker.sent.popleft().resolve(False, exc)
            _end(worker, timeout=0.0)
        self._procs = []
        self._hand_out()

    def close(self) -> None:
        """Stop the workers: each ends after its last job; one still analysing a file whose
        result nobody will record (the batch was interrupted) is stopped at once."""
        if not self._started:
            return
        self._started = False
        # -- a second Ctrl-C must not break off the stopping halfway (a worker left running
        # would keep this process from exiting); the stopping takes seconds at most
        with _no_interrupt():
            idle = [w for w in self._procs if w.idle]
            for worker in self._procs:
                if worker in idle:
                    with suppress(OSError):
                        worker.conn.send_bytes(pickle.dumps(None))
                else:
                    worker.process.terminate()
            while self._procs:
                worker = self._procs[0]
                _end(worker, timeout=self.STOP_WAIT if worker in idle else 0.0)
                self._procs.remove(worker)
            self._waiting.clear()
        atexit.unregister(self._stop)

    def _stop(self) -> None:
        while self._procs:
            _end(self._procs.pop(), timeout=0.0)


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Ctrl-C ignored while the block runs (in the main thread; elsewhere it is not delivered
    anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _exit_reason(code: int | None) -> str:
    """Why a worker process ended, for the advisor: its exit code, or the signal that ended it."""
    if code is None:
        return "原因不明"
    if code == -signal.SIGKILL:
        return "被系统强行终止，常见原因是内存不足"
    if code < 0:
        try:
            return f"被信号 {signal.Signals(-code).name} 终止"
        except ValueError:
            return f"被信号 {-code} 终止"
    return f"退出码 {code}"


def _end(worker: _Worker, timeout: float) -> None:
    """Join ``worker``'s process, waiting at most ``timeout`` seconds; if it still runs, stop it
    (SIGTERM, which lets it stop its own extraction process; SIGKILL if that does not end it)
    and close its pipe."""
    worker.process.join(timeout)
    if worker.process.is_alive():
        worker.process.terminate()
        worker.process.join(5.0)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


def default_workers() -> int:
    """The processors this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # -- macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def make_executor(
    workers: int | None = None, scheduler: str | None = None, send_files: bool = False
) -> Executor:
    """The executor for ``screen --workers N`` / ``--scheduler ADDRESS [--send-files]``
    (``workers`` ``None``: one per available processor)."""
    if scheduler:
        from .cluster import DaskExecutor

        return DaskExecutor(scheduler, send_files)
    if send_files:
        raise UsageError("--send-files 只与 --scheduler 一起使用（本机的工作进程直接读取文件）。")
    if workers is None:
        cores = default_workers()
        return InProcess() if cores == 1 else ProcessPool(cores, auto=True)
    return InProcess() if workers == 1 else ProcessPool(workers)
