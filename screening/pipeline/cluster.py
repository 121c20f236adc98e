"""Screening a big batch on a Dask cluster: the only module that imports ``distributed``.

``screening screen PATHS --scheduler tcp://HOST:PORT`` (``pip install 'screening[dask]'``)
sends the per-file analysis (:func:`screening.pipeline.screen.analyze_file`: reading, extraction, parsing,
classification) to the cluster's workers; the client walks the batch, hashes the files to skip
what the ledger already holds, and records the results in file order. The workers read the files
from the same paths (a shared folder), or get their bytes from the client with ``--send-files``.
A scheduler that cannot be reached is an error: the batch never silently runs here instead.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

from .. import __version__
from ..config import Limits
from ..errors import ScreeningError, UsageError
from ..model import ScreeningModel
from .parallel import Executor
from .screen import Job, analyze_file

#: Seconds to wait for the scheduler to answer, then for a worker to be there.
CONNECT_TIMEOUT = 10


class ClusterError(ScreeningError):
    """The Dask cluster cannot be used as asked."""


def worker_facts() -> dict[str, Any]:
    """Run on each worker: the screening version it has, and whether it may start processes
    (the per-file time and memory limits read each file in a child process)."""
    return {"version": __version__, "daemon": multiprocessing.current_process().daemon}


class DaskExecutor(Executor):
    def __init__(self, address: str, send_files: bool = False) -> None:
        self.address = address
        self.ships_bytes = send_files
        self.client: Any = None

    def start(self, model: ScreeningModel, limits: Limits, as_of: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError(
                "在 Dask 集群上审查需要安装 dask：pip install 'screening[dask]'。"
            ) from None
        try:
            self.client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise ClusterError(
                f"无法连接 Dask 调度器 {self.address}：{exc}。请检查地址与端口、调度器是否已启动"
                "（dask scheduler）；如要在本机审查，请去掉 --scheduler。"
            ) from exc
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise ClusterError(
                f"Dask 调度器 {self.address} 上没有工作节点：请先启动工作节点（dask worker {self.address}）。"
            ) from exc
        self._check_workers(limits)
        threads = sum(w["nthreads"] for w in self.client.scheduler_info()["workers"].values())
        self.window = 8 * max(1, threads)
        # The model goes to every worker once; each job then names it.
        self._model = self.client.scatter(model, broadcast=True, hash=False)
        self._args = (limits, as_of)

    def _check_workers(self, limits: Limits) -> None:
        try:
            facts = self.client.run(worker_facts)
        except Exception as exc:  # -- an unpicklable answer: screening missing on a worker
            self.close()
            raise ClusterError(
                f"Dask 工作节点无法运行 screening（{type(exc).__name__}: {exc}）：请在每个工作节点上安装"
                f"与本机相同版本的 screening（{__version__}）。"
            ) from exc
        wrong = sorted(a for a, f in facts.items() if f["version"] != __version__)
        if wrong:
            self.close()
            raise ClusterError(
                f"工作节点 {'、'.join(wrong)} 上的 screening 版本与本机（{__version__}）不同，"
                "结论可能不一致：请安装同一版本。"
            )
        daemons = sorted(a for a, f in facts.items() if f["daemon"])
        if daemons and limits.time_limit_s > 0:
            self.close()
            raise ClusterError(
                f"工作节点 {'、'.join(daemons)} 以守护进程运行，无法为每份文件启动受时间与内存限制的读取进程。"
                "请这样启动工作节点：DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker "
                f"{self.address} --nthreads 1（或加 --time-limit 0 取消单文件时限）。"
            )

    def submit(self, job: Job) -> Any:
        return self.client.submit(analyze_file, job, self._model, *self._args, pure=False)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
