"""Safe access to zip-of-XML containers (DOCX, OFD).

Two defences live here so every container format gets them:

* :func:`open_zip` checks the member count and the declared uncompressed size *before* any member
  is read (zip bombs), and :func:`read_member` stops reading a member that inflates past its
  declared size or the overall budget (a lying header).
* :func:`parse_xml` parses with expat directly and refuses any document that declares a DTD or an
  entity, so neither external entities (XXE) nor entity expansion (billion laughs) can happen,
  whatever the document's encoding.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree
from xml.parsers import expat

from ..config import Limits
from ..errors import EncryptedDocumentError, ExtractionError


class _Budget:
    """The uncompressed bytes a container may still produce."""

    def __init__(self, limit: int) -> None:
        self.left = limit


class Container:
    """An opened, checked zip container; read members with :meth:`read`."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits, kind: str) -> None:
        self.archive = archive
        self.kind = kind
        self.names = {info.filename for info in archive.infolist()}
        self._lower = {name.lower().lstrip("/"): name for name in self.names}
        self._budget = _Budget(limits.max_zip_uncompressed)

    def find(self, name: str) -> str | None:
        """The stored member name matching ``name`` (case-insensitive, no leading slash)."""
        return self._lower.get(name.lower().lstrip("/"))

    def read(self, name: str) -> bytes:
        """The bytes of member ``name``; raises :class:`ExtractionError` when missing or damaged."""
        stored = self.find(name)
        if stored is None:
            raise ExtractionError(
                f"{self.kind} 文件缺少部件 {name}，可能已损坏。请重新获取原文件。"
            )
        info = self.archive.getinfo(stored)
        if info.flag_bits & 0x1:
            raise EncryptedDocumentError(
                f"{self.kind} 文件已加密（设有密码），无法读取。请取得未加密的文件后重试。"
            )
        chunks: list[bytes] = []
        size = 0
        try:
            with self.archive.open(info) as member:
                while chunk := member.read(1 << 16):
                    size += len(chunk)
                    # zipfile trusts the declared size only loosely; count what really comes out.
                    if size > info.file_size + (1 << 16) or size > self._budget.left:
                        raise ExtractionError(
                            f"{self.kind} 文件解压后的大小超过上限，疑似压缩炸弹，已跳过。"
                        )
                    chunks.append(chunk)
        except ExtractionError:
            raise
        except Exception as exc:
            # A damaged member fails in many ways: BadZipFile (CRC), zlib.error, EOFError,
            # NotImplementedError (unknown compression method), RuntimeError …
            raise ExtractionError(
                f"{self.kind} 文件已损坏，无法解压部件 {name}。请重新获取原文件。"
            ) from exc
        self._budget.left -= size
        return b"".join(chunks)


def open_zip(data: bytes, limits: Limits, kind: str) -> Container:
    """Open ``data`` as a zip after checking member count and declared uncompressed size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, NotImplementedError ("zip file version"), struct.error …
        raise ExtractionError(f"{kind} 文件已损坏（不是完整的压缩包），请重新获取原文件。") from exc
    infos = archive.infolist()
    if len(infos) > limits.max_zip_members:
        raise ExtractionError(
            f"{kind} 文件包含 {len(infos)} 个部件，超过上限 {limits.max_zip_members}，疑似恶意文件，已跳过。"
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_zip_uncompressed:
        raise ExtractionError(
            f"{kind} 文件解压后达 {total // (1024 * 1024)} MB，超过上限"
            f" {limits.max_zip_uncompressed // (1024 * 1024)} MB，疑似压缩炸弹，已跳过。"
        )
    return Container(archive, limits, kind)


class _Refused(Exception):
    pass


def _refuse(*_: object) -> None:
    raise _Refused


def parse_xml(raw: bytes, kind: str) -> ElementTree.Element:
    """Parse ``raw`` into an ElementTree, refusing DTDs and entity declarations.

    Element names carry their namespace as ``{uri}local``, as :mod:`xml.etree` does.
    """
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def start(name: str, attrs: dict[str, str]) -> None:
        if any("}" in key for key in attrs):
            attrs = {("{" + k if "}" in k else k): v for k, v in attrs.items()}
        builder.start("{" + name if "}" in name else name, attrs)

    def end(name: str) -> None:
        builder.end("{" + name if "}" in name else name)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    try:
        parser.Parse(raw, True)
        root = builder.close()
    except _Refused:
        raise ExtractionError(
            f"{kind} 文件含有不安全的 XML 声明（DTD/实体），已拒绝读取。请向发文单位索取正常文件。"
        ) from None
    except (expat.ExpatError, AssertionError, ValueError) as exc:
        raise ExtractionError(f"{kind} 文件的 XML 内容已损坏，请重新获取原文件。") from exc
    return root
