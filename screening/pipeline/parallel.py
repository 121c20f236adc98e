"""Where the per-file analysis of a batch runs: in this process, or in worker processes here.

:func:`screening.pipeline.screen.screen_paths` hands each file's :class:`~screening.pipeline.screen.Job` to an
:class:`Executor` and records the results in file order. :class:`InProcess` runs each job at
once (the default, one worker); :class:`ProcessPool` runs them in ``N`` worker processes of the
standard library's :class:`~concurrent.futures.ProcessPoolExecutor` (forked from this process
where that is safe, so that they start with its model in memory; else spawned, each loading the
model file); :mod:`screening.pipeline.cluster` runs them on a Dask cluster. Workers read the files from
their paths; only the results come back.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from ..errors import ModelLoadError, UsageError

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
    import signal

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


class ProcessPool(Executor):
    """``workers`` processes on this machine, each with the model from the start.

    ``start_method``: ``"fork"`` or ``"spawn"``; default :func:`safe_start_method` when the pool
    starts.
    """

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
        self._pool: ProcessPoolExecutor | None = None

    def start(self, model: ScreeningModel, limits: Limits, as_of: str) -> None:
        method = self.start_method or safe_start_method()
        if method == "fork":
            model.prepare()  # -- built once here, shared by every worker
            initargs: tuple[Any, ...] = (model, limits, as_of)
        else:
            # -- the model's file when it still holds this model, else the model itself
            initargs = (model.unchanged_source() or model, limits, as_of)
        self.start_method = method
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_init_worker,
            initargs=initargs,
        )
        if method == "fork":
            # -- fork every worker now, while this process is known to run no other thread
            # (the pool forks at its first job, and starts a thread of its own after)
            self._pool.submit(int)

    #: Below this many files per worker, starting the workers (each loads the model and the
    #: segmenter) costs more than they save: the batch is screened in this process.
    SMALL_BATCH_PER_WORKER = 25

    def fitting(self, files: int) -> Executor:
        small = files < self.SMALL_BATCH_PER_WORKER * self.workers
        return InProcess() if self.auto and small else self

    def submit(self, job: Job) -> Future[Analysis]:
        assert self._pool is not None, "start() first"
        return self._pool.submit(_analyze_in_worker, job)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


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
