"""Read files in a worker process that can be stopped: the per-file time and memory limits.

A malformed PDF can make a parser loop, allocate without bound or crash inside C code. None of
that may end or stall a batch, so :func:`extract_with_limits` sends the bytes to one long-lived
worker process (started with ``spawn`` on first use, reused for every file) and waits at most
``Limits.time_limit_s``. On a time-out the worker is killed and a fresh one starts with the next
file; a crashed worker becomes a clean :class:`ExtractionError`. The worker may ask for more time
while it works (OCR asks for ``ocr_time_per_page_s`` per page it is about to recognise).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from .. import errors
from ..config import Limits
from ..errors import ExtractionError, ExtractionTimeoutError, ReaderBugError, ScreeningError
from ..lifetime import die_with_parent, may_bind_child
from . import Extraction, extract_bytes, sources


def _serve(conn: Connection, memory_limit: int, bound: bool = False) -> None:
    """The worker's loop: receive ``(data, fmt, limits)``, send back one answer per request.

    ``bound``: it may die with its parent (:func:`~screening.lifetime.may_bind_child`)."""
    from .. import read as package

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    if bound:  # -- a parent killed mid-file must not leave this process reading on, unlimited
        die_with_parent(signal.SIGKILL)
    if memory_limit > 0 and sys.platform.startswith("linux"):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    package._time_hook = lambda seconds: conn.send(("extend", seconds))
    while True:
        try:
            data, fmt, limits = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[Any, ...] = ("ok", extract_bytes(data, fmt, limits))
        except ScreeningError as exc:
            answer = ("error", type(exc).__name__, str(exc))
        except MemoryError:
            answer = (
                "error",
                "ExtractionError",
                "读取文件所需内存超过上限，文件可能已损坏或含有异常巨大的对象，已跳过。",
            )
        except Exception as exc:  # a reader's bug: report it with its traceback, keep serving
            answer = ("bug", type(exc).__name__, str(exc)[:500], traceback.format_exc())
        del data
        conn.send(answer)


class _Worker:
    def __init__(self, memory_limit: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.memory_limit = memory_limit
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(child, memory_limit, may_bind_child()),
            daemon=True,
            name="screening-extract",
        )
        self.process.start()
        child.close()

    def stop(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


_lock = threading.Lock()
_worker: _Worker | None = None


def _get_worker(memory_limit: int) -> _Worker:
    global _worker
    if _worker is not None and (
        not _worker.process.is_alive() or _worker.memory_limit != memory_limit
    ):
        _worker.stop()
        _worker = None
    if _worker is None:
        _worker = _Worker(memory_limit)
    return _worker


def shutdown() -> None:
    """Stop the worker process (it is started again when needed)."""
    global _worker
    with _lock:
        if _worker is not None:
            _worker.stop()
            _worker = None


atexit.register(shutdown)


def _forget_in_child() -> None:
    """In a process forked from one that had a worker: that worker is the parent's (this process
    cannot even ask whether it lives); start one of its own when it needs one."""
    global _worker, _lock
    _worker = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


def _discard(worker: _Worker) -> None:
    global _worker
    worker.stop()
    if _worker is worker:
        _worker = None


#: Plain text up to this size is decoded in the calling process (see extract_with_limits).
_IN_PROCESS_TEXT_BYTES = 8 * 1024 * 1024


def extract_with_limits(data: bytes, fmt: str, limits: Limits | None = None) -> Extraction:
    """Extract like :func:`extract_bytes`, in the worker process, within ``limits``.

    With ``limits.time_limit_s <= 0`` the file is read in this process with no time limit.
    Raises :class:`ExtractionTimeoutError` when reading takes too long and
    :class:`ExtractionError` when the worker dies (a crash inside a parser) or hits a bug.
    """
    limits = limits or Limits()
    if limits.time_limit_s <= 0:
        return extract_bytes(data, fmt, limits)
    if fmt == sources.TEXT and len(data) <= _IN_PROCESS_TEXT_BYTES:
        # -- decoding plain text runs in linear time and is bounded by the size limit: sending it
        # to the worker cost more than reading it (a tenth of a batch of text files)
        try:
            return extract_bytes(data, fmt, limits)
        except ExtractionError:
            raise
        except Exception as exc:  # -- a decoder's bug: this file's error, as from the worker
            raise ReaderBugError(
                f"读取文件时发生程序内部错误（{type(exc).__name__}），已跳过此文件。请将此文件发给开发者。",
                type(exc).__name__,
                traceback.format_exc(),
            ) from exc
    with _lock:
        worker = _get_worker(limits.memory_limit_bytes)
        try:
            worker.conn.send((data, fmt, limits))
        except OSError:  # the worker died between two files: start another once
            _discard(worker)
            worker = _get_worker(limits.memory_limit_bytes)
            worker.conn.send((data, fmt, limits))
        deadline = time.monotonic() + limits.time_limit_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not worker.conn.poll(remaining):
                _discard(worker)
                raise ExtractionTimeoutError(
                    f"读取超过 {limits.time_limit_s:g} 秒仍未完成，文件可能已损坏或结构异常，已跳过。"
                    "如确认文件正常，可调大单文件时间上限后重试。"
                )
            try:
                kind, *payload = worker.conn.recv()
            except (EOFError, OSError):
                _discard(worker)
                raise ExtractionError(
                    "读取此文件时解析程序意外退出（文件可能已损坏或含有恶意构造），已跳过。"
                    "请重新获取原文件。"
                ) from None
            if kind == "extend":
                deadline += float(payload[0])
                continue
            break
    if kind == "ok":
        result: Extraction = payload[0]
        return result
    if kind == "error":
        error_type = getattr(errors, payload[0], ExtractionError)
        if not (isinstance(error_type, type) and issubclass(error_type, ExtractionError)):
            error_type = ExtractionError
        raise error_type(payload[1])
    raise ReaderBugError(
        f"读取文件时发生程序内部错误（{payload[0]}），已跳过此文件。请将此文件发给开发者。",
        payload[0],
        payload[2],
    )
