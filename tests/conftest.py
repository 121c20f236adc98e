"""Shared fixtures. Every test runs with SCREENING_HOME in a temporary folder (autouse), so no
test can touch a user's ledger or models."""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import pgserver

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REALDATA = SHARED / "realdata"
#: A PostgreSQL server the tests may create databases on (CI sets it); without it the tests
#: start a throw-away server when PostgreSQL is installed, and skip the PostgreSQL cases if not.
ENV_TEST_PG = "SCREENING_TEST_PG"


@pytest.fixture(autouse=True)
def screening_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SCREENING_HOME", str(home))
    monkeypatch.delenv("SCREENING_DB", raising=False)  # -- never a developer's shared ledger
    return home


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server on which the tests may create databases."""
    url = os.environ.get(ENV_TEST_PG)
    try:
        import psycopg
    except ImportError:
        if url:
            pytest.fail(f"{ENV_TEST_PG} is set but psycopg is not installed")
        pytest.skip("psycopg is not installed (pip install '.[test]')")
    if url:
        try:
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            pytest.fail(f"{ENV_TEST_PG}={url} does not answer: {exc}")
        yield url
        return
    try:
        server = pgserver.start()
    except pgserver.Unavailable as exc:
        pytest.skip(f"no PostgreSQL server for the shared-ledger tests: {exc}")
    try:
        yield server.url
    finally:
        server.stop()


def new_pg_database(server_url: str) -> str:
    """Create an empty database on the test server; return its URL."""
    import psycopg

    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
    return pgserver.with_database(server_url, name)


def drop_pg_database(server_url: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test once on the SQLite ledger of the data directory and once on an empty
    PostgreSQL ledger (``SCREENING_DB``); yields the engine name."""
    if request.param == "sqlite":
        yield "sqlite"
        return
    server = request.getfixturevalue("pg_server")
    url = new_pg_database(server)
    monkeypatch.setenv("SCREENING_DB", url)
    try:
        yield "postgresql"
    finally:
        drop_pg_database(server, url)


def raw_connection() -> Any:
    """A driver connection (autocommit) to the ledger the current test uses, bypassing Store."""
    url = os.environ.get("SCREENING_DB")
    if url:
        import psycopg

        return psycopg.connect(url, autocommit=True)
    import sqlite3

    return sqlite3.connect(
        Path(os.environ["SCREENING_HOME"]) / "screening.db", isolation_level=None
    )


def screened_batch(folder: Path, docs: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Write ``docs`` ({file name: text}) into ``folder`` and screen it into the ledger in use
    with the shipped model; returns (batch id, {file name: sha256})."""
    from screening.ledger.store import Store
    from screening.model.registry import load_model
    from screening.pipeline.screen import screen_paths

    folder.mkdir()
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    with Store.open() as store:
        result = screen_paths([folder], store, load_model(), "2026-11-27")
    return result.batch_id, {Path(r.path).name: r.sha256 or "" for r in result.rows}


def pdf_bytes(pages: list[list[str]], encrypt: str | None = None) -> bytes:
    """A typeset Chinese PDF made with reportlab's built-in STSong-Light CID font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        y = 800
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 20
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def docx_bytes(
    paragraphs: list[str], table: list[list[str]] | None = None, table_after: int = 1
) -> bytes:
    """A .docx made with python-docx; ``table`` is inserted after paragraph ``table_after``."""
    import docx

    document = docx.Document()
    for i, text in enumerate(paragraphs):
        document.add_paragraph(text)
        if table and i + 1 == table_after:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, cell in enumerate(row):
                    grid.cell(r, c).text = cell
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


NORMATIVE_TEXT = """舟山市普陀区人民政府关于印发《普陀区城镇居民临时救助管理办法》的通知
舟普政规〔2025〕3号

各街道办事处、乡镇人民政府，区政府各部门：
现将《普陀区城镇居民临时救助管理办法》印发给你们，请认真贯彻执行。

普陀区城镇居民临时救助管理办法
第一条 为规范临时救助工作，保障困难群众基本生活，根据《社会救助暂行办法》，制定本办法。
第二条 本办法适用于本区户籍居民和持有本区居住证的常住人员。
第三条 因火灾、交通事故等意外事件导致基本生活暂时出现严重困难的家庭，可以申请临时救助。
第四条 申请人应当向户籍所在地或者居住地街道办事处提出书面申请，并如实提供家庭收入和财产状况。
第五条 街道办事处应当自受理申请之日起十个工作日内完成审核，并将审核结果公示七日。
第六条 本办法由区民政局负责解释。
第七条 本办法自2025年3月1日起施行，有效期五年。

舟山市普陀区人民政府
2025年2月10日
"""

NON_NORMATIVE_TEXT = """关于召开2025年第一季度安全生产工作例会的通知

各社区居委会、街道各办（中心）：
经研究，定于2025年3月20日（星期四）上午九时在街道三楼会议室召开第一季度安全生产工作例会，现将有关事项通知如下：
一、参会人员：各社区分管安全生产的负责同志，街道应急管理办公室全体人员。
二、会议内容：通报一季度安全隐患排查情况，部署清明节前后森林防火工作。
三、请各参会人员准时参加，不得无故缺席，如有特殊情况请提前向街道应急管理办公室请假。

东港街道办事处
2025年3月14日
"""


@pytest.fixture(scope="session")
def small_corpus():  # type: ignore[no-untyped-def]
    """Twenty documents of each label from our corpus."""
    from screening.labels import LABELS
    from screening.model.corpus import load_corpus

    docs = load_corpus(Path(__file__).resolve().parents[1] / "corpus")
    by_label = {lab: [d for d in docs if d.label == lab][:20] for lab in LABELS}
    return [d for lab in LABELS for d in by_label[lab]]


@pytest.fixture(scope="session")
def small_model(small_corpus):  # type: ignore[no-untyped-def]
    """A model trained on :func:`small_corpus` (shared: change a copy)."""
    from screening.model.train import train_model

    return train_model(small_corpus, "合法性审查 2000\n", {"folds": 3, "min_df": 1})


# Property-based tests stay quick in the normal suite; `HYPOTHESIS_PROFILE=fuzz pytest
# tests/test_fuzz.py` runs them long (benchmarks/fuzz.py runs the coverage-guided fuzzer).
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass
else:
    _SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
    settings.register_profile(
        "quick", max_examples=15, deadline=None, suppress_health_check=_SLOW_OK, derandomize=True
    )
    settings.register_profile(
        "fuzz", max_examples=5_000, deadline=None, suppress_health_check=_SLOW_OK
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))
