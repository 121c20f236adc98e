"""Fuzz targets shared by the property tests (tests/test_fuzz.py, hypothesis) and the
coverage-guided fuzzer (benchmarks/fuzz.py, atheris).

A target takes arbitrary bytes and calls one reader or parser the way the pipeline does. The
errors the code is *meant* to raise on bad input (a :class:`ScreeningError` with a message for
the advisor) are the expected outcome and are swallowed; any other exception is a bug and
propagates, and so does a result of the wrong shape. Seeds are our own example files, the test
fixtures and a few files built here, never other projects' files.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "corpus" / "examples"
FIXTURES = REPO / "tests" / "fixtures"

#: Reading limits inside a fuzz target: small enough that one input cannot take long.
_LIMIT_KW = dict(
    time_limit_s=0,
    max_zip_members=2_000,
    max_zip_uncompressed=32 << 20,
    max_pdf_pages=50,
    ocr="off",
)


def _limits():  # type: ignore[no-untyped-def]
    from screening.config import Limits

    return Limits(**_LIMIT_KW)  # type: ignore[arg-type]


def _expected() -> type[Exception]:
    from screening.errors import ScreeningError

    return ScreeningError


# -- seeds


def _examples(suffixes: tuple[str, ...]) -> list[bytes]:
    files = sorted(p for p in EXAMPLES.iterdir() if p.suffix in suffixes)
    files += sorted(p for p in FIXTURES.iterdir() if p.suffix in suffixes)
    return [p.read_bytes() for p in files]


def ofd_bytes(lines: list[str], template: str | None = None) -> bytes:
    """A small valid OFD file with ``lines`` on one page (and a template page's line)."""
    text_objects = "".join(
        f'<ofd:TextObject ID="{10 + i}" Boundary="20 {30 + 8 * i} 170 8" Font="3" Size="4.2">'
        f'<ofd:TextCode X="0" Y="4">{line}</ofd:TextCode></ofd:TextObject>'
        for i, line in enumerate(lines)
    )
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "OFD.xml",
            f'<ofd:OFD {ns} Version="1.0"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml'
            "</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        tpl = '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0.xml"/>' if template else ""
        archive.writestr(
            "Doc_0/Document.xml",
            f"<ofd:Document {ns}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
            f"</ofd:PhysicalBox></ofd:PageArea>{tpl}</ofd:CommonData><ofd:Pages>"
            '<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>',
        )
        use = '<ofd:Template TemplateID="2"/>' if template else ""
        archive.writestr(
            "Doc_0/Pages/Page_0/Content.xml",
            f'<ofd:Page {ns}>{use}<ofd:Content><ofd:Layer ID="9">{text_objects}'
            "</ofd:Layer></ofd:Content></ofd:Page>",
        )
        if template:
            archive.writestr(
                "Doc_0/Tpls/Tpl_0.xml",
                f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="7"><ofd:TextObject ID="8" '
                f'Boundary="20 270 170 8" Size="4.2"><ofd:TextCode X="0" Y="4">{template}'
                "</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>",
            )
    return buffer.getvalue()


def _rich_ofds() -> list[bytes]:
    """OFD seeds with composite units (nested, self-drawing), annotations and a scanned page."""
    from .test_extract_ofd import build, composite, image_only_ofd, text_object, unit

    lines = _sample_lines()
    res = unit("50", "".join(text_object(0, 8 * i, line) for i, line in enumerate(lines[:4])))
    res += unit("51", text_object(0, 0, lines[4]) + composite("50", 0, 10) + composite("51", 0, 50))
    annots = {
        0: '<ofd:Annot Type="Stamp" ID="1"><ofd:Appearance Boundary="20 100 100 20">'
        + text_object(0, 0, lines[5])
        + '</ofd:Appearance></ofd:Annot><ofd:Annot Type="Watermark" ID="2">'
        '<ofd:Appearance Boundary="0 0 210 297">'
        + text_object(20, 150, "内部资料", 'CTM="0.7 0.7 -0.7 0.7 0 0" Alpha="51"')
        + "</ofd:Appearance></ofd:Annot>"
    }
    composed = build(
        [composite("51", 20, 30, "0.5 0 0 0.5 0 0"), text_object(20, 200, lines[6])],
        res=res,
        templates={"2": text_object(20, 10, lines[7]) + composite("50", 20, 250)},
        annotations=annots,
    )
    return [composed, image_only_ofd()]


def _sample_lines() -> list[str]:
    """The first lines of an example's body (its header fields left out)."""
    text = (EXAMPLES.parent / "examples-src" / "ex-03.txt").read_text(encoding="utf-8")
    body = text.split("\n\n", 1)[-1]
    return [line for line in body.splitlines() if line.strip()][:12]


@cache
def _tiny_model() -> bytes:
    """A valid model archive of four features: a seed small enough to mutate quickly."""
    from screening.model.classifier import ScreeningModel

    model = ScreeningModel(
        labels=["normative", "non_normative", "repeal"],
        vocab=["本办法", "通知", "@条款多", "会议"],
        idf=np.array([1.0, 1.2, 1.5, 2.0]),
        coef=np.array([[1.0, -0.5, 2.0, -1.0]]),
        intercept=np.array([0.1]),
        temperature=1.0,
        repeal_table={"none": 0.05, "validity_expired": 0.95},
        kind_given_superseded=0.9,
        dictionary="规范性文件 10 n\n",
        card={"params": {"max_tokens": 100}},
        version="fuzz-seed",
    )
    with tempfile.TemporaryDirectory() as tmp:
        return model.save(Path(tmp) / "m.npz").read_bytes()


def _decision_rows() -> list[bytes]:
    row = {
        "uid": "0" * 32,
        "sha256": "a" * 64,
        "paths": ["/收文/通知.pdf"],
        "batch_id": "20261127-000000-ab12",
        "kind": "decision",
        "label": "normative",
        "reason": "有文号，对外发布",
        "reviewer": "张律师",
        "decided_at": "2026-11-27T08:00:00+00:00",
        "model_version": "b345d58b57da",
        "model_label": "normative",
        "model_probabilities": '{"normative": 0.9}',
        "corrects_uid": None,
        "source": "local",
        "id": 1,
        "hash": "b" * 64,
    }
    undo = {**row, "uid": "1" * 32, "kind": "undo", "label": None, "corrects_uid": "0" * 32}
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (row, undo))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    for r in (row, undo):
        writer.writerow({**r, "paths": json.dumps(r["paths"], ensure_ascii=False)})
    return [jsonl.encode("utf-8"), ("\ufeff" + buffer.getvalue()).encode("utf-8")]


@cache
def seeds(target: str) -> list[bytes]:
    """Seed inputs of ``target``."""
    text_seeds = [p.read_bytes() for p in sorted((EXAMPLES.parent / "examples-src").glob("*.txt"))]
    gbk = text_seeds[0].decode("utf-8").encode("gb18030")
    utf16 = text_seeds[1].decode("utf-8").encode("utf-16")
    files = {
        "pdf": _examples((".pdf",)),
        "docx": _examples((".docx",)),
        "ofd": [
            ofd_bytes(_sample_lines()),
            ofd_bytes(_sample_lines()[:3], template="— 1 —"),
            *_rich_ofds(),
        ],
        "rtf": _examples((".rtf",)),
        "html": _examples((".html",)),
        "doc": _examples((".doc",)),
        "text": [*_examples((".txt", ".md")), gbk, utf16],
    }
    if target in files:
        return files[target]
    if target == "sniff":
        return [seed for group in files.values() for seed in group]
    if target in ("metadata", "structure", "rules"):
        return text_seeds
    if target == "decisions":
        return _decision_rows()
    if target == "model":
        return [_tiny_model()]
    if target == "doc-kind":
        return files["doc"]
    raise KeyError(target)


# -- targets


def fuzz_sniff(data: bytes) -> None:
    from screening.read import sources

    kind = sources.sniff(data)
    assert kind in {
        sources.PDF,
        sources.DOCX,
        sources.OFD,
        sources.OLE,
        sources.RTF,
        sources.HTML,
        sources.TEXT,
        sources.ZIP,
        sources.IMAGE,
        sources.EMPTY,
        sources.UNKNOWN,
    }, kind


def _extractor(fmt: str) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        from screening.read import extract_bytes

        try:
            result = extract_bytes(data, fmt, _limits())
        except _expected():
            return
        assert isinstance(result.text, str) and result.text.strip(), result
        result.text.encode("utf-8")  # storable: no lone surrogates
        assert "\x00" not in result.text

    target.__name__ = f"fuzz_extract_{fmt}"
    return target


def fuzz_doc(data: bytes) -> None:
    """The DOC/WPS path: OLE stream detection, then every converter installed here."""
    from screening.read import doc

    try:
        doc.extract(data, _limits(), tools=doc.available())
    except _expected():
        return


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def fuzz_metadata(data: bytes) -> None:
    from screening.law.metadata import parse_metadata

    meta = parse_metadata(_text(data))
    json.dumps(meta.to_dict(), ensure_ascii=False)


def fuzz_structure(data: bytes) -> None:
    from screening.law.metadata import parse_metadata
    from screening.law.structure import parse_structure

    text = _text(data)
    structure = parse_structure(text, parse_metadata(text))
    json.dumps(structure.to_dict(), ensure_ascii=False)


def fuzz_rules(data: bytes) -> None:
    from screening.law.metadata import parse_metadata
    from screening.law.rules import analyze

    text = _text(data)
    analysis = analyze(text, date(2026, 11, 27), hints=parse_metadata(text))
    for finding in analysis.findings:
        if finding.span is not None:
            start, end = finding.span
            assert 0 <= start <= end <= len(text), (finding.rule_id, finding.span)
        json.dumps(finding.to_dict(), ensure_ascii=False)


@cache
def _store():  # type: ignore[no-untyped-def]
    from screening.ledger.store import Store

    return Store.open(Path(":memory:"))


def fuzz_decisions(data: bytes) -> None:
    """``decisions import`` of a JSONL or CSV file: UsageError on bad input, never a crash."""
    from screening.ledger import decisions as ledger

    with tempfile.NamedTemporaryFile(suffix=".jsonl") as handle:
        handle.write(data)
        handle.flush()
        try:
            result = ledger.import_file(_store(), Path(handle.name))
        except _expected():
            return
    assert result.added >= 0 and result.already_present >= 0
    assert ledger.verify(_store()).ok


def fuzz_model(data: bytes) -> None:
    """Load a model archive; one that loads must also predict."""
    from screening.law.metadata import Metadata
    from screening.model.classifier import ScreeningModel

    with tempfile.NamedTemporaryFile(suffix=".npz") as handle:
        handle.write(data)
        handle.flush()
        try:
            model = ScreeningModel.load(Path(handle.name))
            prediction = model.predict("本办法自2025年3月1日起施行。", Metadata())
        except _expected():
            return
    assert prediction.label in model.labels


TARGETS: dict[str, Callable[[bytes], None]] = {
    "sniff": fuzz_sniff,
    "text": _extractor("text"),
    "html": _extractor("html"),
    "rtf": _extractor("rtf"),
    "pdf": _extractor("pdf"),
    "docx": _extractor("docx"),
    "ofd": _extractor("ofd"),
    "doc": fuzz_doc,
    "metadata": fuzz_metadata,
    "structure": fuzz_structure,
    "rules": fuzz_rules,
    "decisions": fuzz_decisions,
    "model": fuzz_model,
}
