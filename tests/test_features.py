import pytest

from screening.model.features import doc_type


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("关于印发《某某区停车管理办法》的通知", "通知"),
        # -- a 文号 or bracketed note after the title hid the type (bug: doc_type gave "?")
        ("某某局关于开展某某评价的通知（某发〔2018〕180号）", "通知"),
        ("某某局关于转发某某声明的通知(某发〔2007〕436号)急 件", "通知"),
        ("某某市停车管理办法（试行）", "管理办法"),
        ("某某项目目录（2021年版）", "目录"),
        ("某某局公告〔2017〕第12号（某某事项）", "公告"),
        ("某某区2024年工作要点", "工作要点"),
        ("某某", "?"),
        (None, "?"),
    ],
)
def test_doc_type_reads_past_trailing_numbers_and_brackets(title: str | None, kind: str) -> None:
    assert doc_type(title) == kind


def test_page_furniture_is_not_read_as_content() -> None:
    # -- printing lines, 抄送, contact lines and page markers appear in real files of every
    # genre; the corpus writers put them mostly in non-normative files (bug: they were evidence)
    from screening.model.features import content

    text = (
        "关于加强某某管理的通知\n各单位：\n一、经营者应当登记。\n— 3 —\n联系人：张某\n"
        "电话：010-12345678\n抄送：某某部。\n某某局办公室          2017年3月1日印发\n附件：1. 登记表\n"
    )
    assert content(text) == (
        "关于加强某某管理的通知\n各单位：\n一、经营者应当登记。\n\n\n\n\n\n附件：1. 登记表\n"
    )


def test_masthead_urgency_and_signer_lines_are_furniture_but_titles_are_not() -> None:
    from screening.model.features import content

    text = (
        "加 急\n某某局办公室文件\n签发人：张某\n某局办发〔2014〕26号\n"
        "某某局关于废止部分规范性文件\n各单位：\n正文。\n"
    )
    assert (
        content(text)
        == "\n\n\n某局办发〔2014〕26号\n某某局关于废止部分规范性文件\n各单位：\n正文。\n"
    )


def test_content_without_the_long_furniture_forms_cuts_what_the_full_pattern_cuts() -> None:
    """content() leaves the masthead and printing-line forms out of its pattern when no line
    ends in 件 or 印发, where they cannot match: on random texts of furniture pieces (forms split
    over lines included) it must cut exactly what the full pattern cuts."""
    import random

    from screening.model import features

    pieces = [
        "抄送：某局", "联系人：张三", "电话：123", "某某局文件", "某某局文 件", "— 3 —",
        "-\n3\n-", "2017年3月1日印发", "某办公室 2021年 3月 1日印发", "特 急", "正文内容。",
        "关于印发某某文件的通知", "\u3000", "  ", "\n", "文", "件", "印发", "3", "—",
    ]  # fmt: skip
    rng = random.Random(3)
    short = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        short += not features._LONG_FORMS_END.search(text)
        assert features.content(text) == features._FURNITURE.sub("", text), repr(text)
    assert 2000 < short < 18000  # -- both patterns were used
