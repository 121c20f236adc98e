"""A generator of hostile files: hundreds of damaged, malicious and absurd inputs of every format.

    from tests.hostile_corpus import generate
    files = generate(Path("/tmp/hostile"))           # all of them (≥ 300)
    files = generate(Path("/tmp/hostile"), sample=40)  # every special case plus some mutations

Files are generated, never committed: mutations of valid files of every format (our own
examples and fixtures: PDF, DOCX, OFD, HTML, text in UTF-8/GB18030/UTF-16, RTF, DOC, PNG) with
flipped bytes, truncation, shuffled, duplicated, deleted and zeroed chunks and inserted garbage;
and special cases: zip containers with a corrupted, missing or encrypted member, an unknown zip
version, 20,000 members, gigabyte zip bombs (honest, lying and overlapping), XML nested 60,000
deep, PDF arrays, dictionaries and graphics states nested 60,000 deep, self-referencing objects
and page trees, surrogates and NULs in every text format, and file names that are not UTF-8.
Used by tests/test_hostile_corpus.py (a sample) and benchmarks/hostile.py (all).
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from .fuzz_targets import EXAMPLES, FIXTURES, ofd_bytes

SRC = EXAMPLES.parent / "examples-src"
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DEPTH = 60_000


# -- valid files of every format


def _example(prefix: str) -> bytes:
    return next(EXAMPLES.glob(prefix + "*")).read_bytes()


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(
        b"\x00" + bytes([255 if (x // 4 + y // 4) % 2 else 0 for x in range(64)]) for y in range(64)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def bases() -> dict[str, bytes]:
    """Valid files of every format the screen reads, by a short name with its extension."""
    text = (SRC / "ex-03.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    return {
        "ex01.pdf": _example("ex-01"),
        "ex07.pdf": _example("ex-07"),
        "scan.pdf": (FIXTURES / "scan-image-only-page.pdf").read_bytes(),
        "ex02.docx": _example("ex-02"),
        "ex12.docx": _example("ex-12"),
        "ex04.html": _example("ex-04"),
        "ex11.html": _example("ex-11"),
        "ex03.txt": _example("ex-03"),
        "ex14.md": _example("ex-14"),
        "gbk.txt": text.encode("gb18030"),
        "utf16.txt": text.encode("utf-16"),
        "table.rtf": (FIXTURES / "doc-word97-chinese-table.rtf").read_bytes(),
        "table.doc": (FIXTURES / "doc-word97-chinese-table.doc").read_bytes(),
        "page.ofd": ofd_bytes(lines[:12], template="— 1 —"),
        "scan.png": _png(),
    }


# -- mutations


def _mutations(data: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    n = len(data)

    def chunk() -> tuple[int, int]:
        start = rng.randrange(n)
        return start, min(n, start + rng.randint(1, max(1, n // 8)))

    for flips in (1, 16, 256):
        out = bytearray(data)
        for _ in range(flips):
            out[rng.randrange(n)] ^= 1 << rng.randrange(8)
        yield f"flip{flips}", bytes(out)
    for share in (10, 50, 90):
        yield f"trunc{share}", data[: n * share // 100]
    parts = [data[i : i + max(1, n // 8)] for i in range(0, n, max(1, n // 8))]
    head, rest = parts[:1], parts[1:]
    rng.shuffle(rest)
    yield "shuffled", b"".join(head + rest)
    a, b = chunk()
    yield "duplicated", data[:b] + data[a:b] + data[b:]
    a, b = chunk()
    yield "deleted", data[:a] + data[b:]
    a, b = chunk()
    yield "zeroed", data[:a] + bytes(b - a) + data[b:]
    a, _ = chunk()
    yield "garbage", data[:a] + rng.randbytes(rng.randint(1, 512)) + data[a:]


# -- zip containers


def _zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, body in members:
            archive.writestr(name, body)
    return buffer.getvalue()


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


def _patch_headers(data: bytes, signature: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    start = 0
    while (start := out.find(signature, start)) >= 0:
        struct.pack_into(fmt, out, start + offset, value)
        start += 4
    return bytes(out)


def _bomb_member(size: int) -> tuple[bytes, int]:
    """Deflated zeros inflating to ``size`` bytes (a multiple of 1 MiB), and their CRC.

    One MiB of zeros is compressed once and ended with a full flush, so the same compressed
    block can be repeated: a gigabyte bomb is built in well under a second.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(1 << 20)
    compressed = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size >> 20):
        crc = zlib.crc32(block, crc)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    return compressed * (size >> 20) + tail, crc


def _raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, deflated data, crc, declared size, local header offset or -1)."""
    out = bytearray()
    central = bytearray()
    offsets: dict[bytes, int] = {}
    for name, body, crc, size, share in entries:
        raw = name.encode()
        if share < 0:
            offset = len(out)
            out += struct.pack(
                "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), size, len(raw), 0
            )
            out += raw + body
            offsets[body[:64]] = offset
        else:
            offset = share
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(body), size,
            len(raw), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += raw
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(out), 0
    )
    return bytes(out + central + end)


def _zip_cases(docx: bytes, ofd: bytes) -> Iterator[tuple[str, Callable[[], bytes]]]:
    gigabyte = 1 << 30

    def bomb(name: str, declared: int) -> bytes:
        body, crc = _bomb_member(gigabyte)
        return _raw_zip(
            [("[Content_Types].xml", b"\x03\x00", 0, 0, -1), (name, body, crc, declared, -1)]
        )

    def overlapping() -> bytes:
        body, crc = _bomb_member(64 << 20)
        entries = [("word/document.xml", body, crc, 64 << 20, -1)]
        entries += [(f"word/media/p{i}.bin", body, crc, 64 << 20, 0) for i in range(32)]
        return _raw_zip(entries)

    def crc_corrupt() -> bytes:
        data = bytearray(_zip([(n, b) for n, b in _members(docx)], zipfile.ZIP_STORED))
        at = data.find(b"<w:body>")
        data[at + 2] ^= 0x20
        return bytes(data)

    def without(kind: bytes, name: str) -> bytes:
        return _zip([(n, b) for n, b in _members(kind) if n != name])

    yield "zip-version-18.6.docx", lambda: _patch_headers(docx, b"PK\x01\x02", 6, "<H", 186)
    yield (
        "zip-encrypted-flag.docx",
        lambda: _patch_headers(
            _patch_headers(docx, b"PK\x03\x04", 6, "<H", 1), b"PK\x01\x02", 8, "<H", 1
        ),
    )
    yield (
        "zip-method-99.docx",
        lambda: _patch_headers(
            _patch_headers(docx, b"PK\x03\x04", 8, "<H", 99), b"PK\x01\x02", 10, "<H", 99
        ),
    )
    yield "zip-crc-corrupt.docx", crc_corrupt
    yield "zip-missing-document.docx", lambda: without(docx, "word/document.xml")
    yield (
        "zip-no-document-xml.docx",
        lambda: _zip(
            [(n, b) for n, b in _members(docx) if n != "word/document.xml"]
            + [("word/document.xml", b"")]
        ),
    )
    yield "zip-missing-ofd-xml.ofd", lambda: without(ofd, "OFD.xml") + b"OFD.xml"
    yield "zip-missing-page.ofd", lambda: without(ofd, "Doc_0/Pages/Page_0/Content.xml")
    yield "zip-missing-docroot.ofd", lambda: without(ofd, "Doc_0/Document.xml")
    yield (
        "zip-20000-members.docx",
        lambda: _zip(
            _members(docx) + [(f"word/media/m{i}.bin", b"") for i in range(20_000)],
            zipfile.ZIP_STORED,
        ),
    )
    yield (
        "zip-20000-members.ofd",
        lambda: _zip(
            _members(ofd) + [(f"Doc_0/Res/r{i}.xml", b"") for i in range(20_000)],
            zipfile.ZIP_STORED,
        ),
    )
    yield "zip-20000-pages.ofd", lambda: _ofd_pages(20_000)
    yield "zip-bomb-1gb.docx", lambda: bomb("word/document.xml", gigabyte)
    yield "zip-bomb-1gb-lying-size.docx", lambda: bomb("word/document.xml", 4096)
    yield "zip-bomb-1gb.ofd", lambda: bomb("OFD.xml", gigabyte)
    yield "zip-bomb-overlapping.docx", overlapping
    yield "zip-in-zip.zip", lambda: _zip([("inner.docx", docx)])
    yield "zip-empty.zip", lambda: _zip([])


def _ofd_pages(count: int) -> bytes:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    pages = "".join(f'<ofd:Page ID="{i}" BaseLoc="P.xml"/>' for i in range(count))
    return _zip(
        [
            ("OFD.xml", f"<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>D.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>".encode()),
            ("D.xml", f"<ofd:Document {ns}><ofd:Pages>{pages}</ofd:Pages></ofd:Document>".encode()),
            ("P.xml", f'<ofd:Page {ns}><ofd:Content><ofd:Layer><ofd:TextObject Boundary="0 0 10 10"><ofd:TextCode X="0" Y="4">字</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>'.encode()),
        ]
    )  # fmt: skip


# -- deep nesting and self-reference


def _docx_with(body: str) -> bytes:
    return _zip(
        [("word/document.xml", f'<?xml version="1.0"?><w:document {_W}><w:body>{body}</w:body></w:document>'.encode())]
    )  # fmt: skip


def _ofd_with(content: str, docroot: str = "Doc_0/Document.xml") -> bytes:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    return _zip(
        [
            ("OFD.xml", f"<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>{docroot}</ofd:DocRoot></ofd:DocBody></ofd:OFD>".encode()),
            ("Doc_0/Document.xml", f'<ofd:Document {ns}><ofd:CommonData><ofd:TemplatePage ID="2" BaseLoc="Pages/Page_0/Content.xml"/></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'.encode()),
            ("Doc_0/Pages/Page_0/Content.xml", f'<ofd:Page {ns}><ofd:Template TemplateID="2"/><ofd:Content>{content}</ofd:Content></ofd:Page>'.encode()),
        ]
    )  # fmt: skip


def pdf_from_objects(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF from raw object bodies (object i+1 = objects[i]) with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def _pdf_page(content: bytes, extra: bytes = b"") -> bytes:
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            + extra
            + b">>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        ]
    )


def _nesting_cases() -> Iterator[tuple[str, Callable[[], bytes]]]:
    d = DEPTH
    yield (
        "xml-nested-60000-sdt.docx",
        lambda: _docx_with(
            "<w:sdt><w:sdtContent>" * d
            + "<w:p><w:r><w:t>深</w:t></w:r></w:p>"
            + "</w:sdtContent></w:sdt>" * d
        ),
    )
    yield (
        "xml-nested-60000-runs.docx",
        lambda: _docx_with("<w:p>" + "<w:r>" * d + "<w:t>深</w:t>" + "</w:r>" * d + "</w:p>"),
    )
    yield "xml-unclosed-60000.docx", lambda: _docx_with("<w:p>" * d)
    yield (
        "xml-nested-60000.ofd",
        lambda: _ofd_with(
            "<ofd:Layer>" * d
            + '<ofd:TextObject Boundary="0 0 100 10"><ofd:TextCode X="0" Y="4">深层文字</ofd:TextCode></ofd:TextObject>'
            + "</ofd:Layer>" * d
        ),
    )
    yield "ofd-docroot-is-ofd-xml.ofd", lambda: _ofd_with("", docroot="OFD.xml")
    yield "ofd-docroot-outside.ofd", lambda: _ofd_with("", docroot="../../../../etc/passwd")
    yield (
        "ofd-template-is-its-own-page.ofd",
        lambda: _ofd_with(
            '<ofd:Layer><ofd:TextObject Boundary="0 0 100 10"><ofd:TextCode X="0" Y="4">模板即页面</ofd:TextCode></ofd:TextObject></ofd:Layer>'
        ),
    )
    yield (
        "ofd-huge-numbers.ofd",
        lambda: _ofd_with(
            '<ofd:Layer><ofd:TextObject Boundary="1e308 -1e308 1e308 nan" Size="inf"><ofd:TextCode X="1e999" Y="-0" DeltaX="g 999999999999 1">文字</ofd:TextCode></ofd:TextObject></ofd:Layer>'
        ),
    )
    yield (
        "html-nested-60000.html",
        lambda: ("<html><body>" + "<div>" * d + "深层文字" + "</div>" * d).encode(),
    )
    yield (
        "html-unclosed-60000-tables.html",
        lambda: ("<html><body>" + "<table><tr><td>" * d + "文字").encode(),
    )
    yield "html-skip-nested-60000.html", lambda: ("<html><body>" + "<nav>" * d + "正文").encode()
    yield (
        "rtf-nested-60000.rtf",
        lambda: b"{\\rtf1\\ansi " + b"{" * d + b"\\u28145?" + b"}" * d + b"}",
    )
    yield "rtf-unbalanced-60000.rtf", lambda: b"{\\rtf1 " + b"}" * d + b"text" + b"{" * d
    yield "rtf-bin-huge.rtf", lambda: b"{\\rtf1 \\bin999999999 " + bytes(range(256)) * 64 + b"}"
    yield (
        "pdf-array-nested-60000.pdf",
        lambda: _pdf_page(b"BT /F1 12 Tf (x) Tj ET", b"/Junk " + b"[" * d + b"]" * d),
    )
    yield (
        "pdf-dict-nested-60000.pdf",
        lambda: _pdf_page(b"BT ET", b"/Junk " + b"<</A " * d + b"1" + b">>" * d),
    )
    yield (
        "pdf-graphics-state-nested-60000.pdf",
        lambda: _pdf_page(b"q " * d + b"BT ET " + b"Q " * d),
    )
    yield (
        "pdf-content-array-nested-60000.pdf",
        lambda: _pdf_page(b"[" * d + b"(x)" + b"]" * d + b" TJ"),
    )
    yield "pdf-object-is-itself.pdf", lambda: pdf_from_objects([b"1 0 R"])
    yield (
        "pdf-page-tree-loop.pdf",
        lambda: pdf_from_objects(
            [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]
        ),
    )
    yield "pdf-page-is-its-parent.pdf", lambda: pdf_from_objects(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         b"<< /Type /Page /Parent 3 0 R /Kids [3 0 R] /Contents 3 0 R >>"]
    )  # fmt: skip
    yield "pdf-length-is-itself.pdf", lambda: pdf_from_objects(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>", b"<< /Length 4 0 R >>\nstream\nBT ET\nendstream"]
    )  # fmt: skip
    yield (
        "pdf-xref-prev-loop.pdf",
        lambda: pdf_from_objects(
            [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"],
            b"/Prev 9 ",
        ),
    )
    yield (
        "pdf-count-2-31.pdf",
        lambda: pdf_from_objects(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 2147483647 >>",
            ]
        ),
    )
    yield "pdf-header-only.pdf", lambda: b"%PDF-1.7\n"


# -- text: surrogates, NULs, sizes


def _text_cases() -> Iterator[tuple[str, Callable[[], bytes]]]:
    text = (SRC / "ex-05.txt").read_text(encoding="utf-8")
    yield (
        "nul-sprinkled.txt",
        lambda: b"\x00".join(text.encode("utf-8")[i : i + 7] for i in range(0, 3000, 7)),
    )
    yield "nul-one.txt", lambda: text.encode("utf-8").replace(b"\n", b"\n\x00", 1)
    yield (
        "utf16-lone-surrogates.txt",
        lambda: b"\xff\xfe" + text.encode("utf-16-le")[:400] + b"\x00\xd8\x41\x00" * 50,
    )
    yield "utf16le-no-bom-surrogates.txt", lambda: text.encode("utf-16-le") + b"\x00\xdc" * 10
    yield (
        "utf8-encoded-surrogates.txt",
        lambda: text.encode("utf-8") + b"\xed\xa0\x80\xed\xb0\x80" * 20,
    )
    yield "utf8-bom-then-binary.txt", lambda: b"\xef\xbb\xbf" + bytes(range(256)) * 8
    yield "bom-only.txt", lambda: b"\xef\xbb\xbf"
    yield "whitespace-only.txt", lambda: b" \n\t\r\n" * 1000
    yield "one-byte.txt", lambda: b"x"
    yield "control-characters.txt", lambda: bytes(range(1, 32)) * 200 + text.encode("utf-8")
    yield (
        "html-charrefs-surrogate-nul.html",
        lambda: (
            "<html><body><p>通知&#xD800;&#0;&#x10FFFF;&#99999999999;&#x;&amp"
            + text
            + "</p></body></html>"
        ).encode(),
    )
    yield (
        "html-declared-bogus-charset.html",
        lambda: b'<html><meta charset="x-unknown-\xff"><body>' + text.encode("gb18030"),
    )
    yield (
        "rtf-surrogates-nul.rtf",
        lambda: b"{\\rtf1\\ansi \\u-10240?\\u-8903?\\'00\\'ff\\u65535?\\u-32768? text}",
    )
    yield (
        "docx-charref-surrogate.docx",
        lambda: _docx_with("<w:p><w:r><w:t>通知&#xD800;&#0;</w:t></w:r></w:p>"),
    )
    yield "docx-nul-in-xml.docx", lambda: _docx_with("<w:p><w:r><w:t>通知\x00</w:t></w:r></w:p>")
    yield "long-line-4mb.txt", lambda: ("规范性文件" * 280_000).encode("utf-8")
    yield (
        "many-articles-2mb.txt",
        lambda: "".join(
            f"第{i}条 本办法自2025年3月1日起施行，有效期五年。根据《中华人民共和国行政许可法》第{i}条。\n"
            for i in range(20_000)
        ).encode("utf-8"),
    )
    yield "ole-header-only.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    yield (
        "ole-random.wps",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(1).randbytes(8192),
    )
    yield "png-truncated.png", lambda: _png()[:60]
    yield "empty.pdf", lambda: b""


def cases() -> dict[str, Callable[[], bytes]]:
    """Every special case by file name, each built on demand."""
    base = bases()
    found: dict[str, Callable[[], bytes]] = {}
    for source in (
        _zip_cases(base["ex02.docx"], base["page.ofd"]),
        _nesting_cases(),
        _text_cases(),
    ):
        found.update(source)
    return found


#: Cases that measure time rather than robustness (the text is judged in the main process, at
#: about 4 µs a character): left out of a sample.
SLOW = {"long-line-4mb.txt", "many-articles-2mb.txt"}


def generate(out: Path, sample: int | None = None, seed: int = 15) -> list[Path]:
    """Write the hostile files into ``out``; return their paths.

    Every special case is written (but those in :data:`SLOW` when sampling); ``sample`` limits
    the mutations of valid files to that many (chosen at random with ``seed``), for a quick test.
    """
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    mutated: list[tuple[str, bytes]] = []
    for name, data in bases().items():
        stem, ext = name.rsplit(".", 1)
        for round_ in range(2):
            for kind, body in _mutations(data, rng):
                mutated.append((f"mut-{stem}-{kind}-{round_}.{ext}", body))
    if sample is not None:
        mutated = rng.sample(mutated, min(sample, len(mutated)))
    for name, body in mutated:
        path = out / name
        path.write_bytes(body)
        files.append(path)
    for name, build in cases().items():
        if sample is not None and name in SLOW:
            continue
        path = out / name
        path.write_bytes(build())
        files.append(path)
    # A name that is not UTF-8: GBK bytes, as a zip made on Windows unpacks on Linux.
    raw = os.fsencode(out) + b"/" + "关于印发的通知".encode("gbk") + b".txt"
    with open(raw, "wb") as handle:
        handle.write((SRC / "ex-06.txt").read_bytes())
    files.append(Path(os.fsdecode(raw)))
    return files
