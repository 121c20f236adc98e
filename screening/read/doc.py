"""Legacy Word .doc and WPS files (OLE compound documents), read by an installed converter.

No Python library reads these well, so we run the first converter found on ``PATH``, in the
order of :data:`CONVERTERS`: catdoc (2 ms, exact on Chinese in our measurements, keeps tables),
antiword (small character errors on Chinese), then LibreOffice headless (exact but ≈ 1 s per
file). When none is installed the message says what to install or how to convert the file.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..config import Limits
from ..errors import ExtractionError, UnsupportedFormatError
from . import Extraction

CONVERTERS = ("catdoc", "antiword", "soffice")

_NEED_TOOL = (
    "旧版 Word/WPS 文件（.doc/.wps）需要安装转换工具才能读取：请安装 catdoc、antiword 或 LibreOffice"
    "（例如 apt install catdoc），或用 Word/WPS 将文件另存为 .docx 后重试。"
)


def _stream_names(data: bytes) -> set[str]:
    """OLE stream names we care about, found in the (UTF-16LE) directory entries."""
    names = ("WordDocument", "Workbook", "Book", "PowerPoint Document", "WpsCustomData")
    return {name for name in names if name.encode("utf-16-le") + b"\x00\x00" in data}


def _kind(data: bytes) -> str:
    streams = _stream_names(data)
    if "WordDocument" in streams:
        return "word"
    if streams & {"Workbook", "Book"}:
        raise UnsupportedFormatError(
            "这是旧版 Excel 表格（.xls），不是公文文档。如需审查，请将表格内容另存为 .docx 或 .txt 后重试。"
        )
    if "PowerPoint Document" in streams:
        raise UnsupportedFormatError(
            "这是旧版 PowerPoint 演示文稿（.ppt），不是公文文档。如需审查，请另存为 PDF 后重试。"
        )
    return "unknown-ole"


@functools.lru_cache(maxsize=1)
def _soffice_profile() -> str:
    # A private LibreOffice profile: never the user's, and no lock clash with a running office.
    return Path(tempfile.mkdtemp(prefix="screening-lo-")).as_uri()


def _command(tool: str, path: str, outdir: str) -> list[str]:
    if tool == "catdoc":
        return ["catdoc", "-d", "utf-8", "-w", path]
    if tool == "antiword":
        return ["antiword", "-m", "UTF-8.txt", "-w", "0", path]
    return [
        "soffice",
        f"-env:UserInstallation={_soffice_profile()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "txt:Text (encoded):UTF8",
        "--outdir",
        outdir,
        path,
    ]


_ANTIWORD_CELLS = re.compile(r"^\|(.*)\|\s*$")


def _clean(tool: str, text: str) -> str:
    if tool != "antiword":
        return text
    lines = []
    for line in text.split("\n"):
        match = _ANTIWORD_CELLS.match(line)
        lines.append("\t".join(c.strip() for c in match.group(1).split("|")) if match else line)
    # antiword puts a blank line after every paragraph: that is its layout, not the document's.
    return "\n".join(line for line in lines if line.strip())


def available() -> list[str]:
    """The converters installed on this machine, in order of preference."""
    return [tool for tool in CONVERTERS if shutil.which(tool)]


def extract(data: bytes, limits: Limits, tools: list[str] | None = None) -> Extraction:
    kind = _kind(data)
    tools = available() if tools is None else tools
    if kind == "unknown-ole" and "soffice" in tools:
        # Not a Word stream (a WPS file, say): only LibreOffice has a filter for it; catdoc and
        # antiword would print whatever bytes look like text.
        tools = ["soffice", *(t for t in tools if t != "soffice")]
    if not tools:
        raise UnsupportedFormatError(_NEED_TOOL)
    # Stay inside the worker's own time limit, so the worker is never killed with a child left.
    timeout = max(1.0, 0.8 * limits.time_limit_s) if limits.time_limit_s > 0 else None
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="screening-doc-") as tmp:
        path = os.path.join(tmp, "input.doc")
        with open(path, "wb") as handle:
            handle.write(data)
        for tool in tools:
            try:
                done = subprocess.run(
                    _command(tool, path, tmp),
                    capture_output=True,
                    timeout=timeout,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired:
                failures.append(f"{tool} 超时")
                continue
            except OSError:
                failures.append(f"{tool} 无法运行")
                continue
            out = done.stdout
            if tool == "soffice":
                txt = Path(tmp) / "input.txt"
                out = txt.read_bytes() if txt.is_file() else b""
            text = out.decode("utf-8", "replace").lstrip("\ufeff")
            if done.returncode == 0 and text.strip():
                warnings = []
                if kind == "unknown-ole":
                    warnings.append("文件不是标准 Word 格式（可能是 WPS 文件），请核对读取结果。")
                return Extraction(
                    text=_clean(tool, text), format="doc", method=tool, warnings=warnings
                )
            failures.append(f"{tool} 未能读取")
    raise ExtractionError(
        "无法读取此旧版 Word/WPS 文件（" + "、".join(failures) + "），文件可能已损坏或加密。"
        "请用 Word/WPS 打开后另存为 .docx 再试。"
    )
