"""Unexpected errors: their tracebacks go to a log file in the data directory, not to the advisor.

An advisor can do nothing with a Python traceback; a developer can do nothing without one. So a
bug met while reading one file (or anywhere the command line did not expect) is written here with
its traceback, and the advisor sees one Chinese sentence that names this file and says what to do.
Writing the log never raises: a full disk must not turn one file's error into a crashed batch.
"""

from __future__ import annotations

import os
import traceback
from datetime import datetime, timezone
from pathlib import Path

from .config import data_dir

LOG_NAME = "errors.log"
#: The log is renamed to ``errors.log.1`` (replacing an older one) when it grows past this.
MAX_LOG_BYTES = 5 * 1024 * 1024


def log_path() -> Path:
    """Where unexpected errors are logged."""
    return data_dir() / LOG_NAME


def log_exception(
    context: str, exc: BaseException | None = None, details: str | None = None
) -> Path | None:
    """Append ``context`` and a traceback (of ``exc``, or ``details`` as given) to the log.

    Returns the log's path, or ``None`` when it could not be written.
    """
    if details is None:
        details = "".join(traceback.format_exception(exc)) if exc is not None else ""
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    entry = f"--- {stamp} pid {os.getpid()}\n{context}\n{details.rstrip()}\n\n"
    try:
        path = log_path()
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            path.replace(path.with_name(LOG_NAME + ".1"))
        with path.open("a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(entry)
    except Exception:  # the data directory is unwritable or full: the message still goes out
        return None
    return path


def internal_error_message(action: str, kind: str, logged: Path | None) -> str:
    """The advisor's sentence for a bug (an exception of type ``kind``) met while ``action``
    (e.g. 读取文件) one file."""
    where = f"详细信息已记入日志 {logged}" if logged else "详细信息未能写入日志"
    return (
        f"{action}时发生程序内部错误（{kind}），已跳过此文件，其余文件照常审查。"
        f"{where}；请将此文件和日志发给开发者。"
    )
