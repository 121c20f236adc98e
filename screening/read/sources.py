"""Find the files of a batch, identify each one by its content, and key it by sha256.

Formats are recognised by magic bytes, never by extension: a PDF renamed ``.txt`` is read as a
PDF, and a binary file named ``.txt`` is reported as unknown.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .textcodec import detect_and_decode

#: Format keys produced by :func:`sniff`.
PDF, DOCX, OFD, OLE, RTF, HTML, TEXT, ZIP, IMAGE, EMPTY, UNKNOWN = (
    "pdf",
    "docx",
    "ofd",
    "ole",
    "rtf",
    "html",
    "text",
    "zip",
    "image",
    "empty",
    "unknown",
)

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_HTML_MARKERS = ("<!doctype html", "<html", "<head", "<body", "<meta", "<div", "<p>", "<table")


@dataclass(frozen=True)
class SourceFile:
    """A file of the batch: where it is, what it holds, and the sha256 of its bytes."""

    path: Path
    sha256: str
    size: int
    format: str


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


#: Sniffing lists a zip's members; a central directory declaring more than this (or a zip64
#: one, whose 16-bit count reads 0xFFFF) is not a document and is not listed.
_MAX_SNIFF_MEMBERS = 50_000


def _zip_entry_count(data: bytes) -> int | None:
    """Entries declared by the end-of-central-directory record (None when it is missing)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 12 > len(data):
        return None
    return int.from_bytes(data[end + 10 : end + 12], "little")


def _zip_kind(data: bytes) -> str:
    count = _zip_entry_count(data)
    if count is not None and count > _MAX_SNIFF_MEMBERS:
        return ZIP  # too many members to list cheaply; no real document has them
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except Exception:
        # zipfile raises many types on damaged archives (BadZipFile, NotImplementedError for an
        # unknown "zip file version", struct.error, EOFError …). Sniffing runs in the main
        # process and must never raise: guess from the member names in the local headers, and
        # let the format's reader, in the worker, say that the file is damaged.
        return _damaged_zip_kind(data)
    if "word/document.xml" in names:
        return DOCX
    if "OFD.xml" in names or any(n.lower() == "ofd.xml" for n in names):
        return OFD
    return ZIP


def _damaged_zip_kind(data: bytes) -> str:
    """The kind of a zip whose directory cannot be read, from the names it mentions."""
    if b"word/document.xml" in data:
        return DOCX
    if b"OFD.xml" in data or b"ofd.xml" in data:
        return OFD
    return UNKNOWN


def sniff(data: bytes) -> str:
    """Identify the format of ``data`` from its content."""
    if not data.strip():
        return EMPTY
    head = data[:1024]
    if b"%PDF-" in head:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if data.lstrip().startswith(b"{\\rtf"):
        return RTF
    if data.startswith(_IMAGE_MAGIC):
        return IMAGE
    decoded = detect_and_decode(data[:65536]) or detect_and_decode(data)
    if decoded is None:
        return UNKNOWN
    start = decoded[0][:2048].lstrip().lower()
    if any(marker in start for marker in _HTML_MARKERS):
        return HTML
    return TEXT


def _walk_dir(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        # Hidden folders (.git, .cache …) are never part of a batch.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def iter_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield every file under ``paths`` (files as given, folders recursively, sorted), once each."""
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"找不到路径：{path}。请检查文件或文件夹名称是否正确。")
        candidates = _walk_dir(path) if path.is_dir() else iter([path])
        for candidate in candidates:
            # -- is_file first: a symbolic link that leads round in a loop is no file, and
            # resolving it would raise
            if not candidate.is_file():
                continue
            key = candidate.resolve()
            if key in seen:
                continue
            seen.add(key)
            yield candidate


def display_path(path: Path) -> str:
    """``path`` as text that can be stored and printed.

    A name that is not valid UTF-8 (a zip made on Windows and unpacked on Linux keeps its GBK
    bytes) reaches Python as lone surrogates, which SQLite, JSON and the terminal refuse. Such
    a name is decoded as GB18030 when that works, otherwise with replacement characters.
    """
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "/".join(_decode_name(part) for part in os.fsencode(path).split(b"/"))
    return text


def _decode_name(raw: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def identify(path: Path, data: bytes) -> SourceFile:
    """Describe ``path`` whose bytes are ``data``."""
    return SourceFile(path=path, sha256=sha256_bytes(data), size=len(data), format=sniff(data))
