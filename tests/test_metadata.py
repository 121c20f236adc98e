import pytest

from screening.law.cnum import find_dates, to_int
from screening.law.metadata import find_doc_number, parse_metadata, same_organ

from .conftest import NON_NORMATIVE_TEXT, NORMATIVE_TEXT


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("二〇一九", 2019),
        ("二十三", 23),
        ("十一", 11),
        ("十", 10),
        ("廿一", 21),
        ("一百零五", 105),
        ("２０２１", 2021),
        ("7", 7),
        ("三十一", 31),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert to_int(text) == value


def test_dates_in_arabic_and_chinese_numerals() -> None:
    found = find_dates("二〇一九年三月十一日印发，自2020年1月1日起施行；2021年2月30日无效")
    assert [d.isoformat() for d, _, _ in found] == ["2019-03-11", "2020-01-01"]


def test_normative_notice_metadata() -> None:
    meta = parse_metadata(NORMATIVE_TEXT)
    assert meta.title == "舟山市普陀区人民政府关于印发《普陀区城镇居民临时救助管理办法》的通知"
    assert meta.doc_number == "舟普政规〔2025〕3号"
    assert meta.issuer == "舟山市普陀区人民政府"
    assert meta.date == "2025-02-10"


def test_document_without_number() -> None:
    meta = parse_metadata(NON_NORMATIVE_TEXT)
    assert meta.title == "关于召开2025年第一季度安全生产工作例会的通知"
    assert meta.doc_number is None
    assert meta.issuer == "东港街道办事处"
    assert meta.date == "2025-03-14"


def test_title_split_over_two_lines_and_chinese_date() -> None:
    text = (
        "普陀区人民政府办公室文件\n舟普政办发〔2019〕26号\n关于进一步规范行政规范性文件\n"
        "制定和监督管理工作的通知\n各街道办事处：\n正文内容。\n舟山市普陀区人民政府办公室\n二〇一九年三月十一日\n"
    )
    meta = parse_metadata(text)
    assert meta.title == "关于进一步规范行政规范性文件制定和监督管理工作的通知"
    assert meta.doc_number == "舟普政办发〔2019〕26号"
    assert meta.issuer == "舟山市普陀区人民政府办公室"
    assert meta.date == "2019-03-11"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("舟普政发〔2019〕26号\n", "舟普政发〔2019〕26号"),
        ("浙政办规[2021]3号\n", "浙政办规[2021]3号"),
        ("某某政发（2020）第05号\n", "某某政发（2020）第05号"),
        ("根据《某办法》（某政发〔2018〕1号）的规定\n", None),
    ],
)
def test_doc_numbers_including_defective_forms(text: str, number: str | None) -> None:
    assert find_doc_number(text) == number


def test_cover_letter_without_heading_takes_the_plan_title() -> None:
    """Regression: a body line wrapped by PDF layout was taken as the title (examples/ex-07)."""
    text = (
        "澄湾街道办事处\n澄街办〔2026〕19号\n各社区居民委员会，街道各办（中心）：\n"
        "《澄湾街道2026年老旧小区消防安全隐患排查整治工作方案》已经街\n道党工委会议研究同意，请抓紧组织实施。\n"
        "澄湾街道2026年老旧小区消防安全隐患排查整治工作方案\n一、工作目标\n"
    )
    assert parse_metadata(text).title == "澄湾街道2026年老旧小区消防安全隐患排查整治工作方案"


def test_joint_issuers_are_separated() -> None:
    """Regression: two issuers signing on one line were glued together."""
    text = "某实施细则\n正文。\n舟山市海澄区住房和城乡建设局　　舟山市海澄区财政局\n2024年6月18日\n"
    assert parse_metadata(text).issuer == "舟山市海澄区住房和城乡建设局、舟山市海澄区财政局"


def test_title_run_into_the_addressee_line_is_split() -> None:
    # -- web copies lose the line break between title and addressees; the purpose sentence
    # that ends in "通知如下：" was taken as the title
    text = (
        "某某局文件\n某局发〔2014〕26号\n"
        "某某局关于落实《某某管理办法（试行）》有关事项的通知各分局、各直属单位：\n"
        "为落实《某某管理办法（试行）》，现将有关事项通知如下：\n一、分工。\n"
    )
    assert parse_metadata(text).title == "某某局关于落实《某某管理办法（试行）》有关事项的通知"


def test_a_line_ending_in_a_colon_is_never_the_title() -> None:
    text = "为加强管理，现将有关事项通知如下：\n一、分工。\n二、要求。\n"
    assert parse_metadata(text).title is None


def test_issue_date_is_the_signature_date_not_the_validity_end() -> None:
    """Regression (issue 11): the last date of a file — the 施行 or 有效期至 date of the attached
    rules — was read as the issue date, often after the as-of date."""
    text = (
        "关于印发《某区公共租赁住房管理办法》的通知\n某房管规〔2021〕1号\n各街道办事处：\n"
        "现将《某区公共租赁住房管理办法》印发给你们，请认真贯彻执行。\n"
        "某市某区住房保障和房屋管理局\n2021年9月29日\n某区公共租赁住房管理办法\n"
        "第一条 为规范管理，制定本办法。\n第二十四条 本办法自2021年11月1日起施行，有效期至2026年10月31日。\n"
    )
    meta = parse_metadata(text)
    assert meta.date == "2021-09-29"
    assert meta.issuer == "某市某区住房保障和房屋管理局"


def test_no_issue_date_is_read_from_an_effect_clause() -> None:
    text = "某某实施细则\n第一条 为加强管理，制定本细则。\n第九条 本细则自2030年1月1日起施行。\n"
    assert parse_metadata(text).date is None


def test_printing_line_gives_the_date_when_there_is_no_signature_date() -> None:
    text = "某某通知\n各单位：\n正文。\n抄送：某局。\n某市人民政府办公室 2023年4月6日印发\n"
    assert parse_metadata(text).date == "2023-04-06"


def test_cited_number_after_a_date_is_not_the_own_number() -> None:
    """Regression (issue 11): ``…2024年3月1日起施行规〔2024〕2号`` gave the file the number
    ``日…规〔2024〕2号`` of the document it cites."""
    text = (
        "关于延长某某办法有效期的通知\n各有关单位：\n"
        "《某某办法》自2024年3月1日起施行沪某规〔2024〕2号，经评估需继续实施。\n"
        "某某局\n2025年2月1日\n"
    )
    assert parse_metadata(text).doc_number is None


def test_number_printed_after_the_signature_is_the_own_number() -> None:
    text = "关于某事项的通知\n各区：\n正文。\n某某局\n2025年2月1日\n某规〔2025〕3号\n"
    assert parse_metadata(text).doc_number == "某规〔2025〕3号"


def test_portal_field_block_is_not_the_title() -> None:
    """Regression (issue 11): a web portal's disclosure block (索取号 / 发布机构 / …) above the
    document gave the title 索取号."""
    text = (
        "索取号\n3589/2019-00003\n载体类型\n发布机构\n某市住房和城乡建设管理委员会\n关键词\n"
        "关于印发《某某实施办法》的通知\n各区住房保障房屋管理局：\n现印发给你们，请认真执行。\n"
        "2019年12月17日\n"
    )
    meta = parse_metadata(text)
    assert meta.title == "关于印发《某某实施办法》的通知"
    assert meta.date == "2019-12-17"
    assert meta.issuer == "某市住房和城乡建设管理委员会"


def test_portal_block_with_spread_out_labels_is_not_the_title() -> None:
    """Regression: gov.cn prints its block with labels spread to one width (索  引  号：,
    标    题：); those lines were not taken for the block, and the title read was
    ``索  引  号：…标    题：…``."""
    text = (
        "索  引  号：000014349/2023-00052\n主题分类：城乡建设\n发文机关：某省人民政府办公厅\n"
        "成文日期：2023年08月21日\n标    题：某省人民政府办公厅关于印发某工作方案的通知\n"
        "发文字号：某政办发〔2023〕29号\n发布日期：2023年08月25日\n"
        "某省人民政府办公厅关于印发某工作方案的通知\n某政办发〔2023〕29号\n"
        "各市人民政府，省政府各部门：\n现印发给你们，请认真贯彻执行。\n"
    )
    meta = parse_metadata(text)
    assert meta.title == "某省人民政府办公厅关于印发某工作方案的通知"
    assert meta.doc_number == "某政办发〔2023〕29号"
    assert meta.date == "2023-08-21"  # -- 成文日期, not 发布日期
    assert meta.issuer == "某省人民政府办公厅"


def test_a_joint_party_and_government_file_lists_the_government_first() -> None:
    """Regression: a joint 党政 file (common in townships) signs party first, and the party organ
    was read as its lead issuer; as an administrative normative document it is the
    government's, which registers it and which a catalogue lists."""
    text = (
        "中共某镇委员会 某镇人民政府关于印发某办法的通知\n某委〔2024〕5号\n各村党组织、村民委员会：\n"
        "现印发给你们，请遵照执行。\n中共某镇委员会\n某镇人民政府\n2024年5月1日\n"
    )
    assert parse_metadata(text).issuers == ["某镇人民政府", "中共某镇委员会"]
    only_party = "关于某事的通知\n各党支部：\n正文。\n中共某镇委员会\n2024年5月1日\n"
    assert parse_metadata(only_party).issuers == ["中共某镇委员会"]


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        # -- a web copy ran the signature into the attachment list
        ("附件：1. 某名单2. 某模板某某银行办公厅2014年12月17日", "2014-12-17"),
        # -- the printing line, run into the contact line, with spaces inside the date
        ("联系电话：66194169（共印 410 份）某某办公厅　　　2010 年 7 月 26 日印发", "2010-07-26"),
    ],
)
def test_the_signature_date_of_a_web_copy_that_lost_its_line_breaks(
    tail: str, expected: str
) -> None:
    """Regression: with the signature glued to the line before (…权重某某银行办公厅2014年12月17日)
    or the printing line's date spaced out, no issue date was read."""
    body = "".join(f"{n}、加强第{n}项管理。\n" for n in "一二三四五六七八")
    text = f"关于某事的通知\n各分行：\n为做好某项工作，现通知如下。\n{body}{tail}\n"
    assert parse_metadata(text).date == expected


def test_a_glued_date_after_a_clause_is_not_the_issue_date() -> None:
    body = "".join(f"第{n}条 某某应当遵守本规定。\n" for n in "一二三四五六七八")
    text = f"关于某事的通知\n各分行：\n{body}第九条 本规定由某某银行负责解释，自2011年1月1日\n"
    assert parse_metadata(text).date is None


@pytest.mark.parametrize(
    "head",
    [
        "附件\n某某系统运行管理规定（试  行）",
        "附件 1\n某某系统运行管理规定（试  行）",
        "附件：某某系统运行管理规定（试  行）",
    ],
)
def test_an_attachment_label_is_not_the_title(head: str) -> None:
    """Regression: a copy that is the attachment itself starts 附件 (附件1, 附件：…); the label
    was read as the title, or joined to it (附件某某管理办法)."""
    text = f"{head}\n第一章 总则\n第一条 为规范某某系统运行，制定本规定。\n"
    assert parse_metadata(text).title == "某某系统运行管理规定（试  行）"


@pytest.mark.parametrize(
    ("title", "number"),
    [
        ("某某银行关于印发《某某管理办法》的通知（银发〔2021〕20号）", "银发〔2021〕20号"),
        ("某某业务管理办法(某某银行公告〔2022〕第1号）", "某某银行公告〔2022〕第1号"),
    ],
)
def test_the_number_in_brackets_at_the_end_of_the_title_is_the_own_number(
    title: str, number: str
) -> None:
    """Regression: catalogue and web copies print the 文号 in brackets after the title, and
    with no number line of its own no 文号 was read (41 central-bank files of the dev set)."""
    text = f"{title}\n各分支机构：\n为规范某某业务，现印发给你们。\n某某银行\n2021年1月20日\n"
    assert parse_metadata(text).doc_number == number


def test_a_cited_number_in_brackets_is_not_the_own_number() -> None:
    text = (
        "关于某事的通知\n各区：\n按照《某某办法》（某发〔2019〕3号）办理。\n某某局\n2021年1月20日\n"
    )
    assert parse_metadata(text).doc_number is None


def test_a_long_joint_title_is_a_title_and_names_the_issuers() -> None:
    """Regression: a title over 80 characters (ten joint issuers, or two rules issued at once)
    was not taken for a title, and a file whose issuers sign nowhere else had none."""
    organs = (
        "某某银行 某某部 某某总局 某某办 某某委员会 某某监督管理委员会 某某信息办公室 某某署 某某厅"
    )
    title = (
        f"{organs}关于促进某某业务健康发展并规范某某、某某和某某活动的指导意见（某发〔2015〕221号）"
    )
    assert len(title) > 80
    text = f"{title}\n各分支机构：\n正文。\n"
    meta = parse_metadata(text)
    assert meta.title == title
    assert meta.issuers[:3] == ["某某银行", "某某部", "某某总局"]
    assert "某某办" in meta.issuers


@pytest.mark.parametrize(
    "head",
    ["某某银行公告〔2016〕第29号（某某交易管理办法）", "某某银行公告\n〔2016〕第29号"],
)
def test_an_announcement_names_its_issuer_before_the_word(head: str) -> None:
    """Regression: a 公告 (某某银行公告〔2016〕第29号) signs nowhere; its issuer is the organ the
    heading names."""
    text = f"{head}\n为规范某某交易，本行制定了《某某交易管理办法》，现予发布。\n"
    assert parse_metadata(text).issuers == ["某某银行"]


def test_joint_issuers_signing_on_several_lines() -> None:
    text = (
        "关于印发某细则的通知\n各有关单位：\n特此通知。\n某区发展和改革委员会\n某区财政局\n"
        "某区建设和管理委员会\n某区国有资产监督管理委员会\n2024年7月9日\n"
    )
    meta = parse_metadata(text)
    assert meta.issuers == [
        "某区发展和改革委员会",
        "某区财政局",
        "某区建设和管理委员会",
        "某区国有资产监督管理委员会",
    ]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("上海市长宁区绿化和市容管理局", "长宁区绿化和市容管理局", True),
        ("上海市发展和改革委员会", "市发展改革委", True),
        ("上海市闵行区人民政府古美路街道办事处", "闵行区古美路街道办事处", True),
        ("某区农业农村委员会（乡村振兴局）", "上海市某区农业农村委员会", True),
        ("上海市人民政府", "闵行区人民政府", False),
        ("上海市绿化和市容管理局", "上海市绿化和市容管理局办公室", False),
        ("上海市长宁区人民政府", "上海市长宁区人民政府办公室", False),
    ],
)
def test_same_organ_in_full_and_short_forms(a: str, b: str, same: bool) -> None:
    assert same_organ(a, b) is same


def test_a_paragraph_is_never_a_number_line() -> None:
    """Regression (issue 15's hostile files): the 文号 pattern scanned every line whole, and a
    1.4M-character line took seconds; a line over 80 characters is a paragraph, not a number
    line, and is no longer scanned for the file's own number."""
    from screening.law.metadata import _own_number_in

    assert _own_number_in("签发人：张三 某府规〔2024〕2号") == "某府规〔2024〕2号"
    assert _own_number_in("某府规〔2024〕2号" + "，" + "正文" * 60) is None
    assert parse_metadata("关于某事的通知\n" + "某某" * 700_000 + "\n").doc_number is None


def test_street_offices_signing_in_two_lines_are_one_organ_each() -> None:
    """Bug (dev file sh-817, issue 11): two 街道办事处 signing side by side, each with its
    district government's name on the line above, were read as four issuers (the government
    twice and the two offices). A street office is its government's 派出机关: one organ."""
    text = (
        "关于特殊困难对象补贴的公示\n\n一、补贴对象\n\n特此公示。\n\n"
        "虹口区人民政府          虹口区人民政府\n\n"
        "四川北路街道办事处       北外滩街道办事处\n\n2025年9月12日\n"
    )
    meta = parse_metadata(text)
    assert meta.issuer == "虹口区人民政府四川北路街道办事处、虹口区人民政府北外滩街道办事处"
    assert meta.date == "2025-09-12"
    alone = (
        "关于某事项的通知\n\n正文。\n\n上海市虹口区人民政府\n四川北路街道办事处\n2025年9月12日\n"
    )
    assert parse_metadata(alone).issuer == "上海市虹口区人民政府四川北路街道办事处"
    # -- a government and a bureau signing together stay two issuers
    joint = (
        "关于某事项的通知\n\n正文。\n\n上海市虹口区人民政府\n上海市虹口区财政局\n2025年9月12日\n"
    )
    assert parse_metadata(joint).issuer == "上海市虹口区人民政府、上海市虹口区财政局"
