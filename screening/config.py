"""Where ``screening`` keeps its state, and the few settings that shape a run.

One function, :func:`data_dir`, decides where state lives: ``$SCREENING_HOME`` when set, else the
per-user data directory of the platform. Tests point ``SCREENING_HOME`` at a temporary folder so
they can never touch a user's ledger. ``$SCREENING_DB`` names a shared ledger instead of the
SQLite file in the data directory.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

ENV_HOME = "SCREENING_HOME"
ENV_DB = "SCREENING_DB"
DB_NAME = "screening.db"


def data_dir() -> Path:
    """Return the data directory (created on first use).

    ``$SCREENING_HOME`` wins; otherwise ``~/.local/share/screening`` (or ``$XDG_DATA_HOME``) on
    Linux, ``~/Library/Application Support/screening`` on macOS and ``%APPDATA%\\screening`` on
    Windows.
    """
    env = os.environ.get(ENV_HOME)
    if env:
        path = Path(env).expanduser()
    elif sys.platform == "win32":
        path = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "screening"
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / "screening"
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        path = (Path(xdg) if xdg else Path.home() / ".local" / "share") / "screening"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"无法创建数据目录 {path}：{exc.strerror}。请设置环境变量 {ENV_HOME} 指向一个可写目录。"
        ) from exc
    return path


def db_path() -> Path:
    """Path of the SQLite ledger inside :func:`data_dir`."""
    return data_dir() / DB_NAME


def db_url() -> str | None:
    """``$SCREENING_DB``: the shared ledger's URL (``postgresql://…``), when set.

    The global ``--db`` option wins over it; without either, the ledger is :func:`db_path`.
    """
    return os.environ.get(ENV_DB) or None


@dataclass(frozen=True)
class Limits:
    """Per-file limits and reader choices that keep one bad file from stalling a batch.

    ``time_limit_s`` bounds the reading of one file in the worker process (``0`` reads in-process
    with no time limit); OCR adds ``ocr_time_per_page_s`` per page it recognises, up to
    ``max_ocr_pages`` pages. ``memory_limit_bytes`` caps the worker's address space on Linux
    (``0``: no cap). ``pdf_reader`` is ``"fast"`` (pypdfium2, pdfplumber as fallback) or
    ``"layout"`` (pdfplumber only); ``ocr`` is ``"auto"`` (rapidocr, else tesseract), one of those
    two names, or ``"off"``.
    """

    max_file_bytes: int = 200 * 1024 * 1024
    max_zip_members: int = 10_000
    max_zip_uncompressed: int = 500 * 1024 * 1024
    max_pdf_pages: int = 2_000
    time_limit_s: float = 60.0
    ocr_time_per_page_s: float = 30.0
    max_ocr_pages: int = 100
    memory_limit_bytes: int = 4 * 1024 * 1024 * 1024
    pdf_reader: str = "fast"
    ocr: str = "auto"
