from datetime import date
from pathlib import Path

import pytest

from screening.law.metadata import Metadata
from screening.law.structure import (
    issuer_level,
    normalize_doc_number,
    normalize_title,
    parse_doc_number,
    parse_structure,
    split_issuers,
)

from .conftest import NON_NORMATIVE_TEXT, NORMATIVE_TEXT

FULL = """关于印发《某某区农贸市场管理暂行办法》的通知
某区府规〔2020〕2号

各街道办事处，区政府各部门：
现将《某某区农贸市场管理暂行办法》印发给你们，请认真贯彻执行。

某某区农贸市场管理暂行办法

第一章　总则
第一条 为规范农贸市场管理，根据《中华人民共和国食品安全法》第三十三条、第三十四条和《某省农贸市场管理条例》，制定本办法。
第二条 本办法适用于本区行政区域内的农贸市场。
第二章　附则
第三条 本办法由区市场监督管理局负责解释。
第四条 本办法自二〇二〇年一月一日起施行，有效期至２０２１年１２月３１日。《某某区集贸市场管理办法》（某区府发〔2015〕7号）同时废止。
附件：农贸市场设施标准

某某区人民政府　　某某区市场监督管理局
2019年12月20日
"""


def test_full_document_structure() -> None:
    s = parse_structure(FULL)
    assert s.title == "关于印发《某某区农贸市场管理暂行办法》的通知"
    assert s.doc_number is not None
    assert (s.doc_number.code, s.doc_number.year, s.doc_number.number) == ("某区府规", 2020, 2)
    assert s.doc_number.normative_series is True
    assert s.doc_number.defects == []
    assert FULL[s.doc_number.span[0] : s.doc_number.span[1]] == "某区府规〔2020〕2号"
    assert s.issuers == ["某某区人民政府", "某某区市场监督管理局"]
    assert s.joint is True
    assert s.issuer_level == "local"
    assert s.addressees == ["各街道办事处", "区政府各部门"]
    assert s.specific_addressee is False
    assert s.issue_date == date(2019, 12, 20)
    assert s.effective_date == date(2020, 1, 1)
    assert s.valid_until == date(2021, 12, 31)
    assert s.expiry() == date(2021, 12, 31)
    assert s.provisional is True
    assert (s.chapters, s.articles) == (2, 4)
    assert s.interpreter == "区市场监督管理局"
    assert s.attachments == ["农贸市场设施标准"]
    food = [c for c in s.citations if c.name == "中华人民共和国食品安全法"]
    assert [c.articles for c in food] == [[33, 34]]
    assert (
        FULL[food[0].span[0] : food[0].span[1]]
        == "《中华人民共和国食品安全法》第三十三条、第三十四条"
    )
    assert [n.key for n in s.cited_doc_numbers] == ["某区府发〔2015〕7号"]
    assert len(s.supersessions) == 1
    sup = s.supersessions[0]
    assert sup.titles == ["某某区集贸市场管理办法"]
    assert [n.key for n in sup.doc_numbers] == ["某区府发〔2015〕7号"]
    assert sup.verb == "同时废止"
    assert FULL[sup.span[0] : sup.span[1]].endswith("同时废止")


def test_conftest_documents() -> None:
    s = parse_structure(NORMATIVE_TEXT)
    assert s.validity_years == 5.0
    assert s.effective_date == date(2025, 3, 1)
    assert s.expiry() == date(2030, 2, 28)
    assert s.articles == 7
    other = parse_structure(NON_NORMATIVE_TEXT)
    assert other.doc_number is None
    assert other.articles == 0
    assert other.expiry() is None


@pytest.mark.parametrize(
    ("raw", "key", "defects"),
    [
        ("浙政办规〔2021〕3号", "浙政办规〔2021〕3号", 0),
        ("某政发(2020)5号", "某政发〔2020〕5号", 1),
        ("某政发［2020］5号", "某政发〔2020〕5号", 1),
        ("某政发〔2020〕第5号", "某政发〔2020〕5号", 1),
        ("某政发〔2020〕05号", "某政发〔2020〕5号", 1),
        ("某政发（2020）第05号", "某政发〔2020〕5号", 3),
        ("银发 [2006] 84号", "银发〔2006〕84号", 1),
        ("某政发〔２０２０〕０５号", "某政发〔2020〕5号", 1),
        ("中国人民银行公告〔2005〕第 25 号", "中国人民银行公告〔2005〕25号", 1),
    ],
)
def test_doc_number_key_and_gb9704_defects(raw: str, key: str, defects: int) -> None:
    parsed = parse_doc_number(raw)
    assert parsed is not None
    assert parsed.key == key
    assert len(parsed.defects) == defects
    assert normalize_doc_number(raw) == key


def test_full_width_doc_number_in_text() -> None:
    s = parse_structure("关于某事项的通知\n某政发〔２０２０〕５号\n各街道办事处：\n正文。\n")
    assert s.doc_number is not None
    assert (s.doc_number.key, s.doc_number.defects) == ("某政发〔2020〕5号", [])


def test_doc_number_defect_messages() -> None:
    parsed = parse_doc_number("某政发(2020)第05号")
    assert parsed is not None
    assert parsed.defects == [
        "年份应使用六角括号〔〕，原文为()",
        "发文顺序号前不应加“第”字",
        "发文顺序号不应编虚位（如1不编为01）",
    ]


@pytest.mark.parametrize(
    ("sentence", "until", "years"),
    [
        ("本办法自2021年11月1日起施行，有效期至2026年10月31日。", date(2026, 10, 31), None),
        ("本办法有效期：2021年11月1日至2026年10月31日。", date(2026, 10, 31), None),
        ("本规定自2021年7月1日起施行，有效期至 2026年 6月 30日。", date(2026, 6, 30), None),
        ("本办法自2020年1月1日起施行，有效期五年。", None, 5.0),
        ("本办法自2020年1月1日起施行，有效期为3年。", None, 3.0),
        ("本办法自2020年1月1日起试行，试行期两年。", None, 2.0),
        ("本通知自印发之日起执行，有效期6个月。", None, 0.5),
        ("有效期至二〇二三年十二月三十一日", date(2023, 12, 31), None),
        # not about the document itself
        ("第十一条 数字证书有效期为 3 年，颁发时收取证书服务费。", None, None),
        ("开证行可在信用证逾有效期一个月后予以注销。", None, None),
    ],
)
def test_validity_forms(sentence: str, until: date | None, years: float | None) -> None:
    s = parse_structure("标题\n" + sentence + "\n")
    assert (s.valid_until, s.validity_years) == (until, years)


def test_validity_date_broken_across_pdf_lines_ex13() -> None:
    """Regression: PDF layout broke the day of 有效期至2024年12月31日 over two lines
    (corpus/examples/ex-13), and the validity was not read."""
    s = parse_structure("某规定\n八、本规定自2022年3月1日起施行，有效期至2024年12月3\n1日。\n")
    assert (s.effective_date, s.valid_until) == (date(2022, 3, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    ("sentence", "effective"),
    [
        ("本办法自2020年3月1日起施行。", date(2020, 3, 1)),
        ("本办法自发布之日起施行。", date(2020, 1, 10)),
        ("本办法自印发之日起30日后施行。", date(2020, 2, 9)),
        ("本办法自印发之日起三十日后施行。", date(2020, 2, 9)),
        ("本办法由区政府负责解释。", None),
    ],
)
def test_effective_date_relative_to_issue_date(sentence: str, effective: date | None) -> None:
    s = parse_structure(f"某某管理办法\n{sentence}\n某某区人民政府\n2020年1月10日\n")
    assert s.effective_date == effective


def test_effective_validity_years_counts_from_effective_date() -> None:
    s = parse_structure("某办法\n本办法自2019年2月25日起施行，有效期两年。\n")
    assert s.expiry() == date(2021, 2, 24)


@pytest.mark.parametrize(
    ("issuers", "level"),
    [
        (["中国人民银行"], "central"),
        (["中国人民银行", "中国银行业监督管理委员会"], "central"),
        (["中国人民银行", "住房城乡建设部", "中国银行业监督管理委员会"], "central"),
        (["国家市场监督管理总局"], "central"),
        (["财政部"], "central"),
        (["中国人民银行上海分行"], "local"),
        (["上海市规划和自然资源局"], "local"),
        (["某某街道办事处"], "local"),
        (["某某县人民政府", "财政部"], "local"),
        # -- joint documents sign with the short names of central organs
        (["中国人民银行", "发展改革委", "证监会", "银保监会"], "central"),
        (["国家发展改革委办公厅", "税务总局办公厅"], "central"),
        (["某某市发展改革委"], "local"),
        (["某某协会"], "unknown"),
        ([], "unknown"),
        # -- a central organ with a name not recognised (two run together): central
        (["中国人民银行", "工商总局法制办"], "central"),
        (["某某县人民政府", "某某协会"], "local"),
    ],
)
def test_issuer_level(issuers: list[str], level: str) -> None:
    assert issuer_level(issuers) == level


@pytest.mark.parametrize(
    ("number", "level"),
    [
        ("沪建建管联〔2021〕828号", "local"),
        ("浙政办发〔2023〕5号", "local"),
        ("银发〔2021〕20号", "unknown"),  # -- no province in the code: nothing is assumed
        ("新出政发〔2010〕3号", "unknown"),  # -- 新出: the central press administration
        (None, "unknown"),
    ],
)
def test_a_file_naming_no_issuer_takes_its_level_from_the_number(
    number: str | None, level: str
) -> None:
    """Regression: a local file that names its issuer only in its 文号 (沪建建管联〔2021〕828号,
    no signature) was read at level unknown, and its words as no local file's."""
    assert issuer_level([], number) == level
    assert issuer_level(["某某协会"], number) == "unknown"  # -- a named issuer decides


def test_issuer_names_lose_stray_book_title_marks() -> None:
    assert split_issuers("《中国人民银行") == ["中国人民银行"]


@pytest.mark.parametrize(
    ("issuer", "issuers"),
    [
        ("甲局、乙局", ["甲局", "乙局"]),
        ("中国人民银行 中国银行业监督管理委员会", ["中国人民银行", "中国银行业监督管理委员会"]),
        (
            "某区建设和交通委员会（某区人民防空办公室、某区房屋管理局）",
            ["某区建设和交通委员会（某区人民防空办公室、某区房屋管理局）"],
        ),
        (None, []),
    ],
)
def test_split_issuers_keeps_parenthesised_names(issuer: str | None, issuers: list[str]) -> None:
    assert split_issuers(issuer) == issuers


def test_specific_addressee_and_reply() -> None:
    text = "关于同意某某公司延期缴纳的批复\n某区府函〔2024〕3号\n某某有限公司：\n你公司的请示收悉。经研究，同意延期。特此批复。\n"
    s = parse_structure(text)
    assert s.addressees == ["某某有限公司"]
    assert s.specific_addressee is True


@pytest.mark.parametrize(
    "sentence",
    [
        "复议期间不停止执行。",  # administrative review language, not a supersession
        "上位法废止的，本办法同时失效。",
        "《某某区集贸市场管理办法》（某区府发〔2015〕7号）第三十七条同时废止。",
        "《某某通知》（某发〔2004〕254号）第三、四、十七条关于清算事宜的相关规定不再执行。",
        "本办法自2020年1月1日起施行，有效期至2024年12月31日，期满自动失效。",
    ],
)
def test_not_a_whole_document_supersession(sentence: str) -> None:
    assert parse_structure("标题\n" + sentence + "\n").supersessions == []


@pytest.mark.parametrize(
    ("sentence", "titles", "keys"),
    [
        (
            "《甲办法》（某发〔2010〕1号）、《乙规定》（某发〔2011〕2号）同时废止。",
            ["甲办法", "乙规定"],
            ["某发〔2010〕1号", "某发〔2011〕2号"],
        ),
        (
            "原《征信投诉办理规程》（银办发〔2014〕73号文印发）同时废止。",
            ["征信投诉办理规程"],
            ["银办发〔2014〕73号"],
        ),
        (
            "《某通知》（银发〔2010〕365 号）自本公告发布之日起废止。",
            ["某通知"],
            ["银发〔2010〕365号"],
        ),
        ("某政发〔2016〕9号文件停止执行。", [], ["某政发〔2016〕9号"]),
        ("《某某区养犬管理规定》不再执行。", ["某某区养犬管理规定"], []),
    ],
)
def test_supersession_clauses(sentence: str, titles: list[str], keys: list[str]) -> None:
    [sup] = parse_structure("标题\n" + sentence + "\n").supersessions
    assert sup.titles == titles
    assert [n.key for n in sup.doc_numbers] == keys


def test_hints_fill_catalogue_metadata() -> None:
    s = parse_structure(
        "正文没有标题。\n", Metadata("某某办法", "某政规〔2022〕1号", "中国人民银行", "2022")
    )
    assert s.title == "某某办法"
    assert s.doc_number is not None and s.doc_number.key == "某政规〔2022〕1号"
    assert s.issuer_level == "central"
    assert s.issue_date is None  # a year alone is not a date


@pytest.mark.parametrize(
    ("title", "normalized"),
    [
        ("关于印发《某某区集贸市场管理办法》的通知", "某某区集贸市场管理办法"),
        (
            "某某银行关于落实《某办法（试行）》有关事项的通知（银办发〔2014〕263号）",
            "某某银行关于落实某办法（试行）有关事项的通知",
        ),
        ("《长宁区 公共租赁住房管理办法》", "长宁区公共租赁住房管理办法"),
    ],
)
def test_normalize_title(title: str, normalized: str) -> None:
    assert normalize_title(title) == normalized


def test_addressees_run_into_the_title_line_are_found() -> None:
    text = (
        "某某局文件\n某局发〔2014〕26号\n某某局关于加强某某管理的通知各分局、各有关企业：\n"
        "为加强管理，现通知如下：\n一、企业应当登记。\n某某局\n2014年3月1日\n"
    )
    s = parse_structure(text)
    assert s.title == "某某局关于加强某某管理的通知"
    assert s.addressees == ["各分局", "各有关企业"]
    assert s.addressee_span is not None
    assert text[s.addressee_span[0] : s.addressee_span[1]] == "各分局、各有关企业"


@pytest.mark.parametrize(
    ("clause", "years", "expiry"),
    [
        ("本批复有效期两年。", 2.0, "2025-03-31"),
        ("本办法自2023年4月1日起施行，有效期为三年。", 3.0, "2026-03-31"),
        ("本办法自印发之日起试行一年。", 1.0, "2024-03-31"),
        ("本规定自2023年4月1日起施行，有效期两年半。", 2.5, "2025-09-30"),
        ("本规定自2023年4月1日起施行，有效期半年。", 0.5, "2023-09-30"),
        ("本规定自2023年4月1日起施行，有效期十八个月。", 1.5, "2024-09-30"),
        ("本办法自2023年4月1日起施行，有效期5年。", 5.0, "2028-03-31"),
    ],
)
def test_validity_in_chinese_numerals_and_words(clause: str, years: float, expiry: str) -> None:
    """Regression (issue 12): 本批复有效期两年 was not read and the file was flagged 未载明有效期."""
    s = parse_structure(f"关于某事项的批复\n某局\n2023年4月1日\n{clause}\n")
    assert s.validity_years == years
    assert s.expiry().isoformat() == expiry  # type: ignore[union-attr]


def test_effect_some_days_after_publication() -> None:
    s = parse_structure("某办法\n某局\n2023年3月1日\n本办法自发布之日起三十日后施行。\n")
    assert s.effective_date.isoformat() == "2023-03-31"  # type: ignore[union-attr]


def test_each_document_is_parsed_once_while_screened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: one reader turns a text into one Document; the rules, the model and the batch
    reading all read it. Screening one new file reads its metadata once (with the extraction)
    and its structure once."""
    import screening.law.document as document_module
    import screening.law.metadata as metadata_module
    from screening.ledger import Store
    from screening.model import load_model
    from screening.pipeline import screen_paths

    calls = {"metadata": 0, "structure": 0}
    real_metadata, real_structure = metadata_module.parse_metadata, document_module.parse_structure

    def count_metadata(text):  # type: ignore[no-untyped-def]
        calls["metadata"] += 1
        return real_metadata(text)

    def count_structure(text, hints=None, **options):  # type: ignore[no-untyped-def]
        calls["structure"] += 1
        return real_structure(text, hints, **options)

    import screening.pipeline.screen as screen_module

    monkeypatch.setattr(screen_module, "parse_metadata", count_metadata)
    monkeypatch.setattr(document_module, "parse_metadata", count_metadata)
    monkeypatch.setattr(document_module, "parse_structure", count_structure)
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.txt").write_text(NORMATIVE_TEXT, encoding="utf-8")
    with Store.open() as store:
        rows = screen_paths([folder], store, load_model(), "2026-11-27").rows
    assert rows[0].label == "normative"
    assert calls == {"metadata": 1, "structure": 1}


def test_metadata_read_from_the_same_text_is_not_read_again_and_changes_nothing() -> None:
    """The pipeline passes the metadata parse_metadata read from the extraction's text
    (complete): what it lacks is not looked for again. The structure must be the one read with
    the lacking fields looked for, on every corpus text."""
    from pathlib import Path

    from screening.law.metadata import parse_metadata
    from screening.law.structure import parse_structure
    from screening.model.corpus import load_corpus

    docs = load_corpus(Path(__file__).resolve().parents[1] / "corpus")
    lacking = 0
    for doc in docs[::3]:
        meta = parse_metadata(doc.text)
        lacking += None in (meta.title, meta.doc_number, meta.issuer, meta.date)
        fast = parse_structure(doc.text, meta, complete=True).to_dict()
        assert fast == parse_structure(doc.text, meta).to_dict(), doc.id
    assert lacking > 30  # -- the skipped searches were tried on many texts
