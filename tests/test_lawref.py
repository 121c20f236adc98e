from datetime import date
from pathlib import Path

import pytest

from screening.errors import DataFileError, ScreeningError
from screening.law.lawref import (
    COLUMNS,
    IN_FORCE,
    NOT_YET,
    REPEALED,
    LawTable,
    default_table,
    load_table,
    normalize_law_name,
)

HEADER = ",".join(COLUMNS)


@pytest.mark.parametrize(
    ("name", "replaced_by", "repealed_on"),
    [
        # DOMAIN.md §3: every repeal it names
        ("婚姻法", "中华人民共和国民法典", date(2021, 1, 1)),
        ("继承法", "中华人民共和国民法典", date(2021, 1, 1)),
        ("民法通则", "中华人民共和国民法典", date(2021, 1, 1)),
        ("收养法", "中华人民共和国民法典", date(2021, 1, 1)),
        ("担保法", "中华人民共和国民法典", date(2021, 1, 1)),
        ("合同法", "中华人民共和国民法典", date(2021, 1, 1)),
        ("物权法", "中华人民共和国民法典", date(2021, 1, 1)),
        ("侵权责任法", "中华人民共和国民法典", date(2021, 1, 1)),
        ("民法总则", "中华人民共和国民法典", date(2021, 1, 1)),
        ("中外合资经营企业法", "中华人民共和国外商投资法", date(2020, 1, 1)),
        ("外资企业法", "中华人民共和国外商投资法", date(2020, 1, 1)),
        ("中外合作经营企业法", "中华人民共和国外商投资法", date(2020, 1, 1)),
        ("食品卫生法", "中华人民共和国食品安全法", date(2009, 6, 1)),
        ("营业税暂行条例", "中华人民共和国增值税暂行条例", date(2017, 11, 19)),
    ],
)
def test_domain_repeals_are_in_the_table(name: str, replaced_by: str, repealed_on: date) -> None:
    law = default_table().lookup(name)
    assert law is not None
    assert (law.replaced_by, law.repealed_on) == (replaced_by, repealed_on)
    assert law.status_on(repealed_on) == REPEALED
    assert law.status_on(date.fromordinal(repealed_on.toordinal() - 1)) == IN_FORCE


def test_every_row_has_a_source_and_the_civil_code_is_in_force() -> None:
    table = default_table()
    assert len(table) >= 50
    assert all(law.source for law in table.laws)
    code = table.lookup("《中华人民共和国民法典》")
    assert code is not None
    assert code.effective == date(2021, 1, 1)
    assert code.status_on(date(2020, 12, 31)) == NOT_YET
    assert code.status_on(date(2026, 11, 27)) == IN_FORCE


def test_administrative_penalty_law_revision_of_2021() -> None:
    law = default_table().lookup("中华人民共和国行政处罚法")
    assert law is not None
    assert law.amended_between(date(2019, 1, 1), date(2026, 1, 1)) == [date(2021, 7, 15)]
    assert law.amended_between(date(2021, 7, 15), date(2026, 1, 1)) == []


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("《中华人民共和国合同法》", "合同法"),
        ("中华人民共和国行政处罚法（2021年修订）", "行政处罚法"),
        ("中华人民共和国食品安全法(2018修正)", "食品安全法"),
        ("中华人民共和国企业破产法（试行）", "企业破产法（试行）"),
        ("劳动 合同法", "劳动合同法"),
    ],
)
def test_normalize_law_name(name: str, normalized: str) -> None:
    assert normalize_law_name(name) == normalized


def test_lookup_is_exact_not_by_substring() -> None:
    table = default_table()
    contract = table.lookup("合同法")
    labour = table.lookup("劳动合同法")
    assert contract is not None and labour is not None
    assert labour.name == "中华人民共和国劳动合同法"
    assert labour.status_on(date(2026, 1, 1)) == IN_FORCE
    assert table.lookup("某某省农贸市场管理条例") is None
    old = table.lookup("企业破产法（试行）")
    assert old is not None and old.repealed_on == date(2007, 6, 1)


def test_custom_table_from_file(tmp_path: Path) -> None:
    path = tmp_path / "laws.csv"
    path.write_text(
        HEADER + "\n某法,某,法律,2000-01-01,2010-01-01;2015-01-01,2020-01-01,新某法,来源\n",
        encoding="utf-8",
    )
    law = load_table(path).lookup("某法")
    assert law is not None
    assert law.amended_on == (date(2010, 1, 1), date(2015, 1, 1))
    assert law.status_on(date(2020, 1, 1)) == REPEALED


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        (
            "name,level\n某法,法律\n",
            f"lawref.csv 的表头应为 {HEADER}，实际为 name,level。请按此列顺序修正表头。",
        ),
        (
            HEADER + "\n某法,,法律,2000-01-01,,,,\n",
            "lawref.csv 第2行缺少名称或来源。每一行都必须注明事实来源。",
        ),
        (
            HEADER + "\n某法,,法律,2000年1月1日,,,,来源\n",
            "法律状态表第2行的 effective 不是日期（2000年1月1日）。请写成 YYYY-MM-DD 格式。",
        ),
    ],
)
def test_malformed_table_is_a_user_error(csv_text: str, message: str) -> None:
    with pytest.raises(DataFileError) as info:
        LawTable.from_csv(csv_text)
    assert str(info.value) == message
    assert isinstance(info.value, ScreeningError)


def test_missing_table_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as info:
        load_table(tmp_path / "none.csv")
    assert (
        str(info.value)
        == f"无法读取法律状态表 {tmp_path / 'none.csv'}：No such file or directory。请检查路径。"
    )
