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
