"""Every rule with positive and negative sentences (written by us)."""

import re
from datetime import date

import pytest

from screening.law.rules import (
    ANY,
    RULES,
    Finding,
    RuleConfig,
    analyze,
)

AS_OF = date(2026, 11, 27)
BASIS_PREAMBLE = "第一条 为加强管理，根据《某某省某某条例》，制定本办法。"


def doc(
    body: str,
    title: str = "关于印发《某某区某某管理办法》的通知",
    number: str | None = "某区府规〔2024〕1号",
    issuer: str = "某某市某某区人民政府",
    issued: str = "2024年1月10日",
    validity: str | None = "本办法自2024年2月1日起施行，有效期至2029年1月31日。",
) -> str:
    lines = [title]
    if number:
        lines.append(number)
    lines += ["各街道办事处，区政府各部门：", body]
    if validity:
        lines.append(validity)
    lines += [issuer, issued]
    return "\n".join(lines) + "\n"


def hits(
    text: str, rule_id: str, as_of: date = AS_OF, config: RuleConfig | None = None
) -> list[Finding]:
    return [f for f in analyze(text, as_of, config).findings if f.rule_id == rule_id]


def test_registry() -> None:
    assert len(RULES) == 24
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule.group in ("repeal", "legality", "fair_competition")
        assert rule.severity in ("high", "medium", "low")
        assert rule.title and rule.basis
        assert rule.to_dict()["severity_name"] in ("高", "中", "低")
    assert [r for r in RULES if RULES[r].batch] == ["repeal.superseded_in_batch"]


#  sentence-level rules

SENTENCES = [
    # -- (rule, sentence, fires?)
    (
        "legal.creates_license",
        "第五条 未经区城管局批准，任何单位不得在道路两侧设置户外广告。",
        True,
    ),
    ("legal.creates_license", "第五条 经营者应当取得区商务局核发的经营许可证后方可营业。", True),
    ("legal.creates_license", "第五条 申请人无需办理许可证。", False),
    (
        "legal.creates_license",
        "第五条 未经批准，任何单位不得设置户外广告，依照《城市市容和环境卫生管理条例》第十一条执行。",
        False,
    ),
    (
        "legal.creates_penalty",
        "第六条 违反本办法规定的，由区城管局处以五百元以上一千元以下罚款。",
        True,
    ),
    ("legal.creates_penalty", "第六条 情节严重的，吊销其营业执照。", True),
    (
        "legal.creates_penalty",
        "第六条 违反本办法规定的，由区城管局依照《中华人民共和国道路交通安全法》第九十条处以罚款。",
        False,
    ),
    ("legal.creates_penalty", "第六条 违反本办法的，由有关部门依法予以处罚。", False),
    ("legal.creates_penalty", "第六条 执法人员不得以罚款代替管理。", False),
    ("legal.creates_penalty", "第六条 各部门要坚决查处乱收费、乱罚款行为。", False),
    ("legal.creates_coercion", "第七条 对拒不整改的摊点，执法人员可以暂扣其经营工具。", True),
    ("legal.creates_coercion", "第七条 对违法建筑，街道可以组织强制拆除。", True),
    (
        "legal.creates_coercion",
        "第七条 行政机关依照《中华人民共和国行政强制法》的规定实施查封、扣押。",
        False,
    ),
    ("legal.creates_coercion", "第七条 严禁违规查封企业财产。", False),
    ("legal.creates_fee", "第八条 申请人应当向街道缴纳五千元保证金。", True),
    ("legal.creates_fee", "第八条 每户每月收取垃圾处理费二十元。", True),
    ("legal.creates_fee", "第八条 任何单位不得向企业收取检测费。", False),
    ("legal.creates_fee", "第八条 用人单位应当依法缴纳社会保险费。", False),
    ("legal.creates_fee", "第八条 不得收取押金，但应当缴纳五千元保证金。", True),
    ("legal.certification_precondition", "第九条 申请人须提交社区居委会出具的家庭困难证明。", True),
    ("legal.certification_precondition", "第九条 申请时应当提供无犯罪记录证明。", True),
    ("legal.certification_precondition", "第九条 不得要求申请人提供村委会出具的证明。", False),
    ("legal.certification_precondition", "第九条 申请人应当提供身份证明。", False),
    (
        "legal.certification_precondition",
        "第九条 所在单位出具虚假证明材料的，通报有关部门。",
        False,
    ),
    (
        "legal.paid_intermediary",
        "第十条 申请人须委托具有资质的第三方机构出具评估报告后方可申请补助。",
        True,
    ),
    (
        "legal.paid_intermediary",
        "第十条 不得要求企业委托中介机构出具评估报告后方可办理。",
        False,
    ),
    (
        "legal.paid_intermediary",
        "第十条 依照《某某条例》第八条，委托检测机构出具检测报告后方可验收。",
        False,
    ),
    ("legal.retroactive", "第十一条 本办法施行前发生的违法行为，依照本办法处罚。", True),
    # -- issue 12: a transitional clause for matters pending at 施行 is not retroactivity
    ("legal.retroactive", "第十一条 本办法施行前已经受理的申请，参照本办法执行。", False),
    ("legal.retroactive", "本细则施行前已立项的建设项目，均参照本细则执行。", False),
    # -- issue 12: an exemption, a reduction or a cap is no fee
    ("legal.creates_fee", "对小微企业免征增值税，减免相关行政事业性收费。", False),
    ("legal.creates_fee", "物业服务企业收取的停车费不得超过每月300元。", False),
    # -- issue 12: a statutory licence restated, or an approval inside the government's own
    # project budget, is not a licence created
    ("legal.creates_license", "建设单位应当依次取得建筑工程施工许可证。", False),
    ("legal.creates_license", "代建单位未经批准，不得擅自变更概算投资。", False),
    # -- issue 12: a sanction on a government body, or a clause about hearings, is no penalty on
    # the public
    ("legal.creates_penalty", "对主管部门违反规定程序的，由上级机关给予通报批评。", False),
    (
        "legal.creates_penalty",
        "作出较大数额罚款决定前，应当告知当事人有要求举行听证的权利。",
        False,
    ),
    ("legal.retroactive", "第十一条 本办法施行前已经受理的申请，按原规定执行。", False),
    (
        "legal.retroactive",
        "第十一条 本办法施行前发布的有关规定与本办法不一致的，按照本办法执行。",
        False,
    ),
    ("fair.designated_supplier", "第十二条 参保单位须使用区人社局指定的服务机构办理申报。", True),
    ("fair.designated_supplier", "第十二条 安装单位只能选用本办法附件所列品牌的产品。", True),
    ("fair.designated_supplier", "第十二条 行政机关不得指定或者变相指定经营者。", False),
    ("fair.designated_supplier", "第十二条 居民应当在指定地点投放垃圾。", False),
    ("fair.designated_supplier", "第十二条 企业集团可以指定一家成员企业作为主办企业。", False),
    ("fair.local_establishment", "第十三条 申请企业须在本区注册登记并依法纳税。", True),
    ("fair.local_establishment", "第十三条 外地企业参与投标的，应当在本市设立分支机构。", True),
    ("fair.local_establishment", "第十三条 不得要求企业在本地设立分支机构。", False),
    ("fair.local_establishment", "第十三条 银行应当向中国人民银行当地分支机构报告。", False),
    ("fair.local_procurement", "第十四条 同等条件下本地企业产品优先采购。", True),
    ("fair.local_procurement", "第十四条 政府投资项目应当优先采购本地生产的建材。", True),
    ("fair.local_procurement", "第十四条 不得限制外地经营者参加本地招标投标。", False),
    (
        "fair.selective_subsidy",
        "第十五条 对年纳税额超过一千万元的企业，按其地方财政贡献的50%给予奖励。",
        True,
    ),
    ("fair.selective_subsidy", "第十五条 对新落户企业实行税收返还。", True),
    ("fair.selective_subsidy", "第十五条 不得给予特定经营者税收返还。", False),
    ("fair.selective_subsidy", "第十五条 符合条件的企业可以申请一次性奖励。", False),
    ("fair.price_setting", "第十六条 小区停车收费标准统一为每月150元。", True),
    ("fair.price_setting", "第十六条 收费标准按照价格主管部门核定的标准执行。", False),
    ("fair.price_setting", "第十六条 依据《某某省定价目录》，收费标准为每月150元。", False),
]


@pytest.mark.parametrize(("rule_id", "sentence", "fires"), SENTENCES)
def test_sentence_rule(rule_id: str, sentence: str, fires: bool) -> None:
    text = doc(BASIS_PREAMBLE + "\n" + sentence)
    found = hits(text, rule_id)
    assert bool(found) is fires
    if fires:
        finding = found[0]
        start, end = finding.span  # -- type: ignore[misc]
        assert text[start:end] == sentence.rstrip("。")
        assert finding.excerpt == sentence.rstrip("。")
        assert finding.to_dict()["basis"] == RULES[rule_id].basis


def test_every_sentence_rule_has_positive_and_negative_cases() -> None:
    by_rule: dict[str, set[bool]] = {}
    for rule_id, _, fires in SENTENCES:
        by_rule.setdefault(rule_id, set()).add(fires)
    assert all(v == {True, False} for v in by_rule.values())


@pytest.mark.parametrize(
    ("body", "fires"),
    [
        ("第三条 任何单位和个人不得在公共绿地内停放车辆。", True),
        ("第三条 养犬人必须为犬只办理登记。", True),
        ("第三条 各部门不得擅自更改工作安排。", False),  # -- binds the issuer's own staff
        (BASIS_PREAMBLE + "\n第三条 任何单位和个人不得在公共绿地内停放车辆。", False),
        ("第三条 任何单位和个人依法不得在公共绿地内停放车辆。", False),
    ],
)
def test_duty_without_basis(body: str, fires: bool) -> None:
    assert bool(hits(doc(body), "legal.duty_without_basis")) is fires


def test_retroactive_effective_date_before_issue_date() -> None:
    text = doc(
        "第二条 本办法适用于本区。", validity="本办法自2023年1月1日起施行，有效期至2027年12月31日。"
    )
    [finding] = hits(text, "legal.retroactive")
    assert (
        finding.detail
        == "施行日期2023-01-01早于印发日期2024-01-10，文件溯及既往，需确认是否有利于当事人。"
    )


#  structure-level rules


@pytest.mark.parametrize(
    ("issuer", "fires"),
    [
        ("某某区创建全国文明城区工作领导小组办公室", True),
        ("某某区防汛防台指挥部", True),
        ("某某区市场监督管理局法规科", True),
        ("某某市某某区人民政府办公室", False),
        ("某某街道办事处", False),
    ],
)
def test_improper_issuer(issuer: str, fires: bool) -> None:
    assert (
        bool(hits(doc("第二条 本办法适用于本区。", issuer=issuer), "legal.improper_issuer"))
        is fires
    )


@pytest.mark.parametrize(
    ("number", "missing", "malformed"),
    [
        (None, True, False),
        ("某区府规〔2024〕1号", False, False),
        ("某区府规(2024)1号", False, True),
        ("某区府规〔2024〕第01号", False, True),
    ],
)
def test_doc_number_rules(number: str | None, missing: bool, malformed: bool) -> None:
    text = doc("第二条 本办法适用于本区。", number=number)
    assert bool(hits(text, "legal.doc_number_missing")) is missing
    assert bool(hits(text, "legal.doc_number_malformed")) is malformed


def test_malformed_doc_number_detail() -> None:
    [finding] = hits(doc("正文。", number="某区府规(2024)第01号"), "legal.doc_number_malformed")
    assert finding.excerpt == "某区府规(2024)第01号"
    assert finding.detail == (
        "文号“某区府规(2024)第01号”：年份应使用六角括号〔〕，原文为()；发文顺序号前不应加“第”字；"
        "发文顺序号不应编虚位（如1不编为01）。"
    )


@pytest.mark.parametrize(
    ("issuer", "validity", "fires"),
    [
        ("某某市某某区人民政府", None, True),
        ("某某市某某区人民政府", "本办法自2024年2月1日起施行，有效期五年。", False),
        ("中国人民银行", None, False),  # -- central documents: no validity clause required
    ],
)
def test_validity_missing(issuer: str, validity: str | None, fires: bool) -> None:
    text = doc("第二条 本办法适用于本区。", issuer=issuer, validity=validity)
    assert bool(hits(text, "legal.validity_missing")) is fires


# --  repeal rules


@pytest.mark.parametrize(
    ("validity", "as_of", "fires"),
    [
        ("本办法自2019年3月1日起施行，有效期两年。", date(2021, 3, 1), True),
        ("本办法自2019年3月1日起施行，有效期两年。", date(2021, 2, 28), False),
        ("本办法自2024年2月1日起施行，有效期至2029年1月31日。", date(2029, 2, 1), True),
        ("本办法自2024年2月1日起施行，有效期至2029年1月31日。", date(2029, 1, 31), False),
    ],
)
def test_validity_expired(validity: str, as_of: date, fires: bool) -> None:
    found = hits(
        doc("第二条 本办法适用于本区。", validity=validity), "repeal.validity_expired", as_of
    )
    assert bool(found) is fires


def test_validity_expired_detail_and_span() -> None:
    text = doc("第二条 本办法适用于本区。", validity="本办法自2019年3月1日起施行，有效期两年。")
    [finding] = hits(text, "repeal.validity_expired", date(2024, 1, 1))
    assert finding.excerpt == "有效期两年"
    assert finding.detail == "文件载明的有效期至2021-02-28，审查基准日2024-01-01已届满。"


PROVISIONAL = "关于印发《某某区某某管理暂行办法》的通知"
EFFECTIVE_2020 = "本办法自2020年1月1日起施行。"


@pytest.mark.parametrize(
    ("title", "issuer", "as_of", "config", "fires"),
    [
        (PROVISIONAL, "某某市某某区人民政府", date(2022, 1, 1), None, True),
        (PROVISIONAL, "某某市某某区人民政府", date(2021, 12, 31), None, False),
        (
            "关于印发《某某区某某管理办法》的通知",
            "某某市某某区人民政府",
            date(2024, 12, 31),
            None,
            False,
        ),
        (
            "关于印发《某某区某某管理办法》的通知",
            "某某市某某区人民政府",
            date(2025, 1, 1),
            None,
            True,
        ),
        (PROVISIONAL, "中国人民银行", date(2030, 1, 1), None, False),  # -- central: no default
        (
            PROVISIONAL,
            "某某市某某区人民政府",
            date(2022, 1, 1),
            RuleConfig(provisional_validity_years={"local": 3.0}),
            False,
        ),
        (
            PROVISIONAL,
            "中国人民银行",
            date(2022, 1, 1),
            RuleConfig(provisional_validity_years={"central": 2.0}),
            True,
        ),
    ],
)
def test_default_period_depends_on_issuer_level(
    title: str, issuer: str, as_of: date, config: RuleConfig | None, fires: bool
) -> None:
    text = doc(
        "第二条 本办法适用于本区。",
        title=title,
        issuer=issuer,
        issued="2019年12月1日",
        validity=EFFECTIVE_2020,
    )
    assert bool(hits(text, "repeal.default_period_lapsed", as_of, config)) is fires


def test_default_period_detail() -> None:
    text = doc(
        "第二条 本办法适用于本区。",
        title=PROVISIONAL,
        issued="2019年12月1日",
        validity=EFFECTIVE_2020,
    )
    [finding] = hits(text, "repeal.default_period_lapsed", date(2022, 6, 1))
    assert (
        finding.detail
        == "文件未载明有效期，标注暂行/试行的地方文件默认2年；自2020-01-01起算，已于2022-01-01届满。"
    )


@pytest.mark.parametrize(
    ("body", "as_of", "fires"),
    [
        ("第一条 根据《中华人民共和国合同法》第五十二条，制定本办法。", date(2022, 1, 1), True),
        ("第一条 根据《中华人民共和国合同法》第五十二条，制定本办法。", date(2020, 12, 31), False),
        (
            "第一条 根据《中华人民共和国民法典》，原《合同法》相关条款不再援引。",
            date(2022, 1, 1),
            False,
        ),
        ("第一条 根据《中华人民共和国劳动合同法》，制定本办法。", date(2022, 1, 1), False),
    ],
)
def test_superior_law_repealed(body: str, as_of: date, fires: bool) -> None:
    assert bool(hits(doc(body), "repeal.superior_law_repealed", as_of)) is fires


@pytest.mark.parametrize(
    ("body", "basis"),
    [
        ("第一条 为规范担保业务，依据《中华人民共和国担保法》，制定本办法。", True),
        ("根据《中华人民共和国担保法》第十八条的规定，现就有关问题通知如下：", True),
        ("第五条 对申请人提供抵押的，按《中华人民共和国担保法》的有关规定索偿。", False),
        ("第五条 合同的订立适用《中华人民共和国合同法》。", False),
    ],
)
def test_repealed_law_is_a_repeal_ground_only_as_the_basis(body: str, basis: bool) -> None:
    text = doc(body)
    assert bool(hits(text, "repeal.superior_law_repealed")) is basis
    assert bool(hits(text, "legal.cites_repealed_law")) is not basis


def test_superior_law_repealed_names_the_replacement() -> None:
    text = doc("第一条 根据《中华人民共和国担保法》，制定本办法。")
    [finding] = hits(text, "repeal.superior_law_repealed")
    assert finding.excerpt == "《中华人民共和国担保法》"
    assert finding.detail == (
        "引用的《中华人民共和国担保法》已于2021-01-01废止，已由《中华人民共和国民法典》取代"
        "（来源：《中华人民共和国民法典》第一千二百六十条）。"
    )


@pytest.mark.parametrize(
    ("issued", "fires"),
    [("2019年5月6日", True), ("2022年5月6日", False)],
)
def test_superior_law_amended_after_issue(issued: str, fires: bool) -> None:
    body = "第一条 根据《中华人民共和国行政处罚法》第二十三条，制定本办法。"
    found = hits(doc(body, issued=issued), "repeal.superior_law_amended")
    assert bool(found) is fires
    if fires:
        assert found[0].detail == (
            "引用的《中华人民共和国行政处罚法》在文件印发（2019-05-06）后于2021-07-15修改施行，"
            "并援引了具体条文，条文序号可能已变化。"
        )


@pytest.mark.parametrize(
    ("title", "as_of", "fires"),
    [
        ("关于印发《某某区2019年违法建筑专项整治行动方案》的通知", date(2020, 1, 1), True),
        ("关于印发《某某区2019年违法建筑专项整治行动方案》的通知", date(2019, 12, 31), False),
        ("关于印发《某某区2021—2023年农村人居环境整治三年行动方案》的通知", date(2024, 1, 1), True),
        (
            "关于印发《某某区2021—2023年农村人居环境整治三年行动方案》的通知",
            date(2023, 6, 1),
            False,
        ),
        ("关于印发《某某区“十四五”养老服务发展规划》的通知", date(2026, 1, 1), True),
        ("关于印发《某某区某某管理办法》的通知", date(2030, 1, 1), False),
    ],
)
def test_campaign_ended(title: str, as_of: date, fires: bool) -> None:
    assert bool(hits(doc("正文。", title=title), "repeal.campaign_ended", as_of)) is fires


def test_at_most_n_findings_per_rule() -> None:
    body = "\n".join(f"第{n}条 违反规定的，处以{n}00元罚款。" for n in range(2, 12))
    assert len(hits(doc(body), "legal.creates_penalty")) == 5
    assert (
        len(hits(doc(body), "legal.creates_penalty", config=RuleConfig(max_findings_per_rule=2)))
        == 2
    )


def test_findings_for_label_hides_normative_only_rules() -> None:
    text = doc("第二条 每户每月收取垃圾处理费二十元。对新落户企业实行税收返还。", number=None)
    analysis = analyze(text, AS_OF)
    shown = {f.rule_id for f in analysis.findings_for("non_normative")}
    assert shown == {"fair.selective_subsidy"}
    assert all(RULES[r].scope == ANY for r in shown)
    assert {"legal.creates_fee", "legal.doc_number_missing"} <= {
        f.rule_id for f in analysis.findings_for("normative")
    }


def test_analysis_to_dict_is_json_ready() -> None:
    import json

    data = analyze(doc("第二条 本办法适用于本区。"), AS_OF).to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["as_of"] == "2026-11-27"
    assert data["structure"]["issue_date"] == "2024-01-10"
    assert data["structure"]["doc_number"]["normative_series"] is True


def test_a_fee_named_by_a_cited_rule_is_collected_not_created() -> None:
    """Regression (issue 12): a district's rules for collecting the city's 单位生活垃圾处理费,
    which cite the city's 《…单位生活垃圾处理费征收管理办法》, were flagged 设定收费."""
    text = (
        "某区单位生活垃圾处理费征收管理办法\n"
        "第一条 根据《某市单位生活垃圾处理费征收管理办法》，制定本办法。\n"
        "第二条 本区产生生活垃圾的单位，均应当缴纳单位生活垃圾处理费。\n"
    )
    assert "legal.creates_fee" not in {
        f.rule_id for f in analyze(text, date(2026, 11, 27)).findings
    }
    invented = text.replace(
        "《某市单位生活垃圾处理费征收管理办法》", "《某市市容环境卫生管理条例》"
    )
    assert "legal.creates_fee" in {
        f.rule_id for f in analyze(invented, date(2026, 11, 27)).findings
    }


def test_a_programme_whose_application_window_closed_has_a_repeal_reason() -> None:
    """A subsidy rule for purchases in one year, with an application deadline, has done its task
    once the deadline passed (issue 11: such files were called normative)."""
    text = (
        "某市汽车以旧换新补贴实施细则\n第三条 本细则适用于2024年1月1日至2024年12月31日期间购车的个人。\n"
        "第九条 补贴资金申请截止日期为2025年1月10日。\n"
    )
    ids = {f.rule_id for f in analyze(text, date(2026, 11, 27)).findings}
    assert "repeal.campaign_ended" in ids
    assert "repeal.campaign_ended" not in {
        f.rule_id for f in analyze(text, date(2025, 1, 5)).findings
    }
    running = text + "第十条 本细则自2024年9月20日起施行，有效期至2027年12月31日。\n"
    assert "repeal.campaign_ended" not in {
        f.rule_id for f in analyze(running, date(2026, 11, 27)).findings
    }


def test_keyword_prefilter_never_changes_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression guard (issue 14): rules skip a text without any of their keywords instead of
    scanning it; on our corpus the findings are the same with and without the prefilter."""
    from pathlib import Path

    import screening.law.rules as rules_module
    from screening.model.corpus import load_corpus

    texts = [d.text for d in load_corpus(Path(__file__).resolve().parents[1] / "corpus")[::5]]

    def findings() -> list[list[tuple[str, object]]]:
        return [
            [(f.rule_id, f.span) for f in analyze(t, date(2026, 11, 27)).findings] for t in texts
        ]

    filtered = findings()
    original = rules_module._Doc.sentences_matching
    monkeypatch.setattr(
        rules_module._Doc,
        "sentences_matching",
        lambda self, pattern, keywords=(): original(self, pattern, ()),
    )
    assert findings() == filtered
    assert any(filtered)  # -- the corpus has findings: the comparison means something


def test_sentence_rules_see_every_match_in_the_sentences_holding_their_keywords(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sentence rule searches only the sentences that hold one of its keywords. That finds
    what a scan of the whole text finds only while no match of a rule's pattern crosses a
    sentence end and every match holds a keyword: checked on every pattern, on the corpus."""
    from pathlib import Path

    from screening.law import read_document, rules
    from screening.model.corpus import load_corpus

    patterns: dict[tuple[str, tuple[str, ...]], re.Pattern[str]] = {}
    original = rules._Doc.sentences_matching

    def spy(self, pattern, keywords):  # type: ignore[no-untyped-def]
        patterns[(pattern.pattern, keywords)] = pattern
        return original(self, pattern, keywords)

    monkeypatch.setattr(rules._Doc, "sentences_matching", spy)
    texts = [d.text for d in load_corpus(Path(__file__).resolve().parents[1] / "corpus")]
    for text in texts[::10]:
        rules.run_rules(text, read_document(text).structure, AS_OF)
    assert len(patterns) >= 13
    scans = [rules._OTHER_ENDS.sub("。", text) for text in texts]
    for (_, keywords), pattern in patterns.items():
        matches = 0
        for scan in scans:
            for match in pattern.finditer(scan):
                matches += 1
                assert "。" not in match.group(0), (pattern.pattern, match.group(0))
                assert not keywords or any(k in match.group(0) for k in keywords), match.group(0)
        assert matches > 0, pattern.pattern
