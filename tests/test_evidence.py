"""The legal facts on the genre (issue 11: legal evidence first) and how the model weighs them."""

from __future__ import annotations

from datetime import date

import pytest

from screening.law.batch import batch_context
from screening.law.evidence import (
    DEFAULT_WEIGHTS,
    Fact,
    facts_logit,
    legal_facts,
    registration_practice,
)
from screening.law.metadata import parse_metadata
from screening.law.structure import Structure, is_normative_series, parse_structure
from screening.model.assess import analyze_text, assess
from screening.model.classifier import KindScore, LegalCombination, ScreeningModel

AS_OF = date(2026, 11, 27)


def keys(text: str) -> set[str]:
    s = parse_structure(text)
    return {f.key for f in legal_facts(s, text)}


@pytest.mark.parametrize(
    ("code", "series"),
    [
        ("沪规划资源规", True),
        ("沪住建规范联", True),
        ("杨应急行规", True),
        ("浙政办规", True),
        ("黄规划资源规范", True),
        ("闵府规发", True),
        ("宁政办规发", True),
        # -- 规 inside an organ's name, or ending an office code, is not the series (DOMAIN §2)
        ("沪规划资源乡", False),
        ("宝规划资源", False),
        ("沪建综规", False),
        ("沪应急法规", False),
        ("舟普政发", False),
        ("交规划发", False),
    ],
)
def test_normative_series_is_read_from_the_end_of_the_code(code: str, series: bool) -> None:
    assert is_normative_series(code) is series


def test_registration_number_is_a_fact_with_its_span() -> None:
    text = "关于印发《某区停车管理办法》的通知\n某区府规〔2024〕2号\n各街道：\n现将办法印发。\n某区人民政府\n2024年3月1日\n"
    s = parse_structure(text)
    fact = next(f for f in legal_facts(s, text) if f.key == "registered")
    assert text[fact.span[0] : fact.span[1]] == "某区府规〔2024〕2号"  # type: ignore[index]


def test_registration_number_printed_beside_an_ordinary_number() -> None:
    text = "某县人民政府关于印发某办法的通知\n某政发〔2023〕5号\n登记编号：ZJSP01-2023-0012\n各乡镇：\n正文。\n"
    assert "registered" in keys(text)


@pytest.mark.parametrize(
    "head",
    [
        "ZJSP01-2023-0012\n某县人民政府文件\n某政发〔2023〕5号",  # -- above the masthead
        "某县人民政府文件\n某政发〔2023〕5号\nHNPR—2023—01001",  # -- under the 文号
        "某县人民政府文件\n（SDPR-2023-0010001）\n某政发〔2023〕5号",
        "某县人民政府文件\n某政发〔2023〕5号\n规范性文件登记号：CYQ-GF-2023-011",
    ],
)
def test_registration_number_printed_without_a_label_at_the_head(head: str) -> None:
    """Regression: provinces print their unified number on a line of its own (浙江 ZJSP…, 湖南
    HNPR…, 山东 SDPR…), and some codes carry a second letter group (CYQ-GF-…); only a labelled
    code of the one-group form was read."""
    text = f"{head}\n某县人民政府关于印发某办法的通知\n各乡镇：\n正文。\n"
    s = parse_structure(text)
    fact = next(f for f in legal_facts(s, text) if f.key == "registered")
    assert "登记编号" in fact.detail


@pytest.mark.parametrize(
    "text",
    [
        # -- a code deep in the text is a cited one
        "某县人民政府关于某事的通知\n各乡镇：\n" + "正文。" * 150 + "\nZJSP01-2020-0003\n",
        # -- a standard's number is not a registration code
        "关于批准某规程为工程建设规范的通知\nDG/TJ08-2007-2026\n各有关单位：\n正文。\n",
        "关于批准某规程为工程建设规范的通知\n统一编号为DG/TJ08-2007-2026。\n",
    ],
)
def test_no_registration_from_a_cited_code_or_a_standard_number(text: str) -> None:
    assert "registered" not in keys(text)


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("关于延长《某市建设工程管理办法》有效期的通知", "continues_rule"),
        ("关于修改《某市停车管理办法》的通知", "continues_rule"),
        ("关于废止《某区桥下空间管理办法》的通知", "continues_rule"),
        ("某街道2025年工作要点", "non_normative_genre"),
        ("关于印发《某区防汛应急预案》的通知", "non_normative_genre"),
        ("关于印发新增两个行政审批事项办理指南的通知", "non_normative_genre"),
        ("关于批准《某设计标准》为本市工程建设规范的通知", "technical"),
        ("关于发布《人行天桥加装电梯导则（试行）》的通知", "technical"),
        ("关于贯彻落实《道路运输车辆技术管理规定》的通知", "implementing"),
        ("关于转发市住建委某办法的通知", "forwarding"),
        ("关于下放部分审批权限的通知", "one_off"),
        ("关于开展2025年安全生产专项检查的通知", "one_off"),
        ("关于印发《某区区级政府投资项目财务监理管理办法》的通知", "own_affairs"),
        ("关于某公司申请设立分支机构的批复", "one_party"),
    ],
)
def test_genre_facts_from_the_title(title: str, key: str) -> None:
    assert key in keys(f"{title}\n各有关单位：\n正文。\n")


def test_a_reply_to_one_party_is_read_from_the_text() -> None:
    assert "one_party" in keys("关于某事项的通知\n某公司：\n你公司报来的材料收悉。特此批复。\n")


def test_form_facts_share_one_weight() -> None:
    """Articles, a 施行 clause, a scope clause and a rule genre are marks of one form, which an
    internal management rule shows as well: they count once, by the largest weight."""
    facts = [
        Fact(k, None, "") for k in ("article_form", "effect_clause", "rule_genre", "scope_clause")
    ]
    assert facts_logit(facts, DEFAULT_WEIGHTS) == max(
        DEFAULT_WEIGHTS[k] for k in ("article_form", "effect_clause", "rule_genre", "scope_clause")
    )
    assert facts_logit([*facts, Fact("registered", None, "")], DEFAULT_WEIGHTS) == pytest.approx(
        DEFAULT_WEIGHTS["registered"] + 0.5
    )


def test_words_never_outvote_a_registration_number() -> None:
    """The text's part is bounded below the weight of a decisive fact."""
    combination = LegalCombination(dict(DEFAULT_WEIGHTS), scale=2.0, bias=0.0, bound=3.0)
    registered = [Fact("registered", None, "")]
    assert combination.logit(-40.0, registered) > 0
    assert combination.logit(+40.0, [Fact("technical", None, "")]) <= 0


def test_issuer_registration_practice_in_the_batch() -> None:
    """An issuer that numbers normative files in a 规 series (its own files or the ones they
    cite) and issues a rule under an ordinary number did not register it as normative."""
    series = parse_structure("关于印发某办法的通知\n沪某规〔2021〕1号\n各区：\n正文。\n")
    ordinary = parse_structure("关于印发某细则的通知\n沪某〔2022〕15号\n各区：\n正文。\n")
    earlier = parse_structure("关于印发某规定的通知\n沪某〔2019〕3号\n各区：\n正文。\n")
    other = parse_structure("关于印发某规定的通知\n浙某〔2022〕3号\n各区：\n正文。\n")
    facts = registration_practice(
        [("series", series), ("ordinary", ordinary), ("earlier", earlier), ("other", other)]
    )
    assert set(facts) == {"ordinary"}  # -- not before the series is seen, nor another issuer
    assert facts["ordinary"][0].key == "unregistered"


def test_registration_practice_an_office_code_is_not_the_governments_series() -> None:
    """Bug: 某府办发 was counted against 某府规, but the government's office is an organ of its
    own, numbering its own series (某府办规)."""
    series = parse_structure("关于印发某办法的通知\n某府规〔2021〕1号\n各街道：\n正文。\n")
    office = parse_structure("关于印发某细则的通知\n某府办发〔2022〕15号\n各街道：\n正文。\n")
    government = parse_structure("关于印发某规定的通知\n某府发〔2022〕3号\n各街道：\n正文。\n")
    facts = registration_practice(
        [("series", series), ("office", office), ("government", government)]
    )
    assert set(facts) == {"government"}


def test_registration_practice_two_organs_sharing_an_abbreviation() -> None:
    """Bug: two towns that both abbreviate to 周政 counted against each other in one batch."""

    def town(name: str, number: str) -> Structure:
        return parse_structure(
            f"{name}关于印发某办法的通知\n{number}\n各村：\n正文。\n{name}\n2023年3月1日\n"
        )

    series = town("甲县周庄镇人民政府", "周政规〔2021〕1号")
    same = town("甲县周庄镇人民政府", "周政发〔2023〕4号")
    other = town("乙县周市镇人民政府", "周政发〔2023〕8号")
    nameless = parse_structure("关于印发某细则的通知\n周政发〔2023〕9号\n各村：\n正文。\n")
    facts = registration_practice(
        [("series", series), ("same", same), ("other", other), ("nameless", nameless)]
    )
    assert set(facts) == {"same", "nameless"}


def test_an_extension_in_the_batch_keeps_an_expired_document_in_force(
    small_model: ScreeningModel,
) -> None:
    old = (
        "关于印发《某市评审专家管理办法》的通知\n某财发〔2018〕2号\n各区财政局：\n现将办法印发。\n"
        "某市财政局\n2018年3月15日\n某市评审专家管理办法\n第一条 为规范管理，制定本办法。\n"
        "第二条 本办法自2018年5月1日起施行，有效期至2023年4月30日。\n"
    )
    extension = (
        "关于延长《某市评审专家管理办法》有效期的通知\n某财发〔2023〕3号\n各区财政局：\n"
        "经评估，《某市评审专家管理办法》（某财发〔2018〕2号）需继续实施，有效期延长至2028年4月30日。\n"
        "某市财政局\n2023年3月20日\n"
    )
    analyses = {
        k: analyze_text(t, parse_metadata(t), AS_OF) for k, t in (("old", old), ("ext", extension))
    }
    context = batch_context([(k, a.structure) for k, a in analyses.items()], AS_OF)
    assert context.renewals["old"].until == date(2028, 4, 30)
    kind = KindScore(0.95, [], 2.0)
    alone = assess(small_model, kind, analyses["old"])
    assert alone.label == "repeal"
    in_batch = assess(small_model, kind, analyses["old"], context, "old")
    assert in_batch.label == "normative"
    assert "repeal.validity_expired" not in {f.rule_id for f in in_batch.findings}
    # -- the extension notice stands as long as what it extends
    assert analyses["ext"].structure.valid_until == date(2028, 4, 30)


def test_an_expired_extension_notice_is_a_repeal_candidate() -> None:
    text = (
        "关于延长《某市施工许可管理实施细则》有效期的通知\n某建规范〔2020〕8号\n各有关单位：\n"
        "经评估，《某市施工许可管理实施细则》需继续实施，有效期延长至2022年6月30日。\n特此通知。\n2020年6月15日\n"
    )
    a = analyze_text(text, parse_metadata(text), AS_OF)
    assert "repeal.validity_expired" in {f.rule_id for f in a.findings}
    assert {"registered", "continues_rule"} <= {f.key for f in a.facts}


def test_default_period_alone_is_no_repeal_ground(small_model: ScreeningModel) -> None:
    """Real catalogues keep local files without a stated validity in force past five years: the
    lapse is reported, as a prompt to evaluate, but does not make the file a repeal candidate."""
    text = (
        "关于印发《某区停车管理办法》的通知\n某区府规〔2015〕2号\n各街道：\n现将办法印发。\n"
        "某区人民政府\n2015年3月1日\n某区停车管理办法\n第一条 本办法自2015年4月1日起施行。\n"
    )
    a = analyze_text(text, parse_metadata(text), AS_OF)
    assert "repeal.default_period_lapsed" in {f.rule_id for f in a.findings}
    assert assess(small_model, KindScore(0.97, [], 3.0), a).label == "normative"


def test_public_subjects_are_searched_only_as_far_as_one_can_start() -> None:
    """Duty sentences look for their subject only in a sentence's first characters; the bound
    must hold the longest subject the pattern can match, or a subject would be cut short."""
    import re._parser as sre_parse

    from screening.law.evidence import _LONGEST_SUBJECT, _PUBLIC_SUBJECT, _public_duty_sentences

    assert sre_parse.parse(_PUBLIC_SUBJECT.pattern).getwidth()[1] <= _LONGEST_SUBJECT
    opening = (
        "为规范管理，根据有关规定，结合本区实际情况和工作需要，现就有关事项通知如下，本区各有关方面"
    )
    assert len(opening) > 41
    at_reach, beyond = opening[:40], opening[:41]  # -- a subject starting at 40 counts, 41 not
    text = f"{at_reach}房屋所有权人应当按期申报。\n{beyond}房屋所有权人应当按期申报。\n"
    spans = _public_duty_sentences(text)
    assert [text[a:b] for a, b in spans] == [f"{at_reach}房屋所有权人应当按期申报"]
