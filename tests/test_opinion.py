"""Draft legality-review opinions: each legal example file, section by section; DOCX read back;
the `screening opinion` command with exact output and Chinese errors."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from screening.cli import cli
from screening.labels import LABEL_NAMES
from screening.law.rules import FAIR, REPEAL, RULES
from screening.ledger.store import Store
from screening.model.registry import load_model
from screening.pipeline.screen import explain_path
from screening.report.opinion import (
    AMEND,
    CONTINUE,
    OPTIONS,
    REPEAL_OPTION,
    Opinion,
    build_opinions,
)
from screening.report.opinion_write import file_stem, opinion_blocks

from .conftest import NON_NORMATIVE_TEXT, NORMATIVE_TEXT, REPO

EXAMPLES = REPO / "corpus" / "examples"
LABELS = json.loads((REPO / "corpus" / "examples-src" / "labels.json").read_text(encoding="utf-8"))
AS_OF = "2026-11-27"
SECTION_HEADINGS = [
    "一、制定主体",
    "二、制定权限",
    "三、制定程序",
    "四、内容",
    "五、公平竞争审查",
    "六、审查结论",
]
HEADING_KEYS = [
    "文件名称",
    "文号",
    "制定机关",
    "成文日期",
    "报送日期",
    "筛查日期",
    "评估基准日",
    "批次",
    "文件 SHA-256",
    "文件路径",
    "模型初判",
    "审核状态",
]
#: Advisor decisions recorded before drafting: (file prefix, label, reason).
DECISIONS = [
    ("ex-03", "normative", "依据《社会救助暂行办法》制定，已统一编号"),
    ("ex-06", "non_normative", "会议通知"),
    ("ex-09", "non_normative", "批复个案，只答复一家公司"),
    ("ex-10", "normative", "测试：顾问改判为规范性文件"),
]
#: Which section of the opinion each rule's findings belong to (the legal structure of an
#: opinion); "grounds": the conclusion's repeal grounds.
EXPECTED_SECTION = {
    "legal.improper_issuer": "一、制定主体",
    "legal.creates_license": "二、制定权限",
    "legal.creates_penalty": "二、制定权限",
    "legal.creates_coercion": "二、制定权限",
    "legal.creates_fee": "二、制定权限",
    "legal.doc_number_missing": "三、制定程序",
    "legal.doc_number_malformed": "三、制定程序",
    "legal.validity_missing": "三、制定程序",
    "repeal.superior_law_amended": "四、内容",
}
FORBIDDEN = ("经审查合法", "经审查，符合", "符合上位法", "合法有效", "经审查建议")


def example(prefix: str) -> Path:
    (path,) = EXAMPLES.glob(f"{prefix}-*")
    return path


def expected_section(rule_id: str) -> str:
    if rule_id in EXPECTED_SECTION:
        return EXPECTED_SECTION[rule_id]
    group = RULES[rule_id].group
    return {FAIR: "五、公平竞争审查", REPEAL: "grounds"}.get(group, "四、内容")


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """corpus/examples screened at AS_OF, four decisions recorded, every opinion drafted."""
    base = tmp_path_factory.mktemp("examples")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCREENING_HOME", str(base / "home"))
        runner = CliRunner()
        screened = runner.invoke(
            cli, ["screen", str(EXAMPLES), "--out", str(base / "report"), "--as-of", AS_OF]
        )
        assert screened.exit_code == 0, screened.output
        for prefix, label, reason in DECISIONS:
            decided = runner.invoke(
                cli,
                [
                    "decide",
                    str(example(prefix)),
                    "--label",
                    label,
                    "--reason",
                    reason,
                    "--reviewer",
                    "张律师",
                ],
            )
            assert decided.exit_code == 0, decided.output
        out = base / "opinions"
        result = runner.invoke(cli, ["opinion", "--out", str(out)])
        assert result.exit_code == 0, result.output
        with Store.open() as store:
            batch = build_opinions(store)
        report = json.loads((base / "report" / "report.json").read_text(encoding="utf-8"))
        model = load_model()
        explained = {p.name: explain_path(p, model, AS_OF) for p in EXAMPLES.iterdir()}
    return SimpleNamespace(
        out=out,
        output=result.output,
        batch=batch,
        opinions={op.file: op for op in batch.opinions},
        rows={r["file"]: r for r in report["files"]},
        explained=explained,
    )


def markdown(drafted: SimpleNamespace, op: Opinion) -> str:
    return (drafted.out / f"{file_stem(op)}.md").read_text(encoding="utf-8")


def decision_of(name: str) -> tuple[str, str] | None:
    return next(((lab, why) for p, lab, why in DECISIONS if name.startswith(p + "-")), None)


NAMES = sorted(LABELS)


@pytest.mark.parametrize("name", NAMES)
def test_each_example_gets_an_opinion_or_a_note(drafted: SimpleNamespace, name: str) -> None:
    op = drafted.opinions[name]
    model_label = drafted.rows[name]["model_label"]
    decision = decision_of(name)
    held = {model_label, decision[0] if decision else None}
    assert op.kind == ("opinion" if held & {"normative", "repeal"} else "note")
    if LABELS[name]["label"] in ("normative", "repeal"):
        assert op.kind == "opinion"  # every legal example file gets its opinion
    assert op.title == LABELS[name]["title"]
    assert (drafted.out / f"{file_stem(op)}.md").is_file()
    assert (drafted.out / f"{file_stem(op)}.docx").is_file()


#: Files that get an opinion whatever the model says: the legal examples (gold label normative or
#: repeal; the model agrees on each) and ex-10, which the advisor holds normative.
OPINION_NAMES = [n for n in NAMES if LABELS[n]["label"] in ("normative", "repeal")] + [
    "ex-10-舟山市海澄区人民政府关于林海燕等同志.txt"
]


@pytest.mark.parametrize("name", OPINION_NAMES)
def test_opinion_sections(drafted: SimpleNamespace, name: str) -> None:
    op = drafted.opinions[name]
    text = drafted.explained[name]["text"]
    md = markdown(drafted, op)
    # headings, exactly and in order, in the data and in the file
    assert [s.heading for s in op.sections] + ["六、审查结论"] == SECTION_HEADINGS
    assert [line[3:] for line in md.splitlines() if line.startswith("## ")] == SECTION_HEADINGS
    assert md.startswith("# 合法性审查意见书（初稿）\n")
    heading = dict(op.heading)
    assert [k for k, _ in op.heading] == HEADING_KEYS
    row = drafted.rows[name]
    assert (heading["文号"], heading["文件 SHA-256"], heading["评估基准日"]) == (
        row["doc_number"],
        row["sha256"],
        AS_OF,
    )
    assert heading["批次"] == drafted.batch.batch["id"]
    assert heading["审核状态"] == (
        "法律顾问已决定（张律师）" if decision_of(name) else "模型初判（待审核）"
    )
    # every finding of the file appears once, in its section, with its basis and quoted span
    findings = drafted.explained[name]["findings"] + [
        f for f in row["repeal_reasons"] + row["flags"] if f.get("source")
    ]
    placed = [(s.heading, p) for s in op.sections for p in s.points]
    assert op.conclusion is not None
    placed += [("grounds", p) for p in op.conclusion.grounds]
    assert sorted((p.rule_id, tuple(p.span or ())) for _, p in placed) == sorted(
        (f["rule_id"], tuple(f["span"] or ())) for f in findings
    )
    assert [p.number for _, p in placed if _ != "grounds"] == list(
        range(1, len(placed) - len(op.conclusion.grounds) + 1)
    )
    for where, point in placed:
        assert where == expected_section(point.rule_id)
        assert point.basis == RULES[point.rule_id].basis
        assert f"依据：{point.basis}" in md
        if where != "grounds" or point.excerpt:
            assert point.excerpt and point.span
            assert point.excerpt == " ".join(text[point.span[0] : point.span[1]].split())[:160]
            assert f"原文：“{point.excerpt}”" in md
        if where != "grounds":
            assert f"修改建议：{point.advice}" in md
        if point.group == FAIR:
            assert point.standard and point.standard.startswith("《公平竞争审查条例》第")
            assert f"审查标准：{point.standard}" in md


@pytest.mark.parametrize("name", OPINION_NAMES)
def test_conclusion_follows_the_findings(drafted: SimpleNamespace, name: str) -> None:
    op = drafted.opinions[name]
    c = op.conclusion
    assert c is not None and c.options == OPTIONS == (CONTINUE, AMEND, REPEAL_OPTION)
    md = markdown(drafted, op)
    assert "可选结论（由审查人勾选）：□ 建议继续有效　□ 建议修改后继续有效　□ 建议废止" in md
    decision = decision_of(name)
    final = decision[0] if decision else drafted.rows[name]["model_label"]
    if final == "non_normative":
        assert c.proposed is None
        assert "初稿建议：不适用（法律顾问已决定不属于规范性文件）" in md
    elif final == "repeal":
        assert c.proposed == REPEAL_OPTION and c.grounds
    elif op.points or c.grounds:
        assert c.proposed == AMEND
    else:
        assert c.proposed == CONTINUE
    if c.proposed:
        assert f"初稿建议：{c.proposed}" in md
    for ground in c.grounds:
        assert f"筛查说明：{ground.detail}" in md
    assert f"评估基准日 {AS_OF}。" in md
    if decision:
        assert "法律顾问决定：法律顾问张律师于" in md
        assert f"决定：{LABEL_NAMES[decision[0]]}；理由：{decision[1]}。" in md
    else:
        assert "法律顾问决定：台账中尚无记录。" in md
    assert md.endswith("审查人（签名）：＿＿＿＿＿＿＿＿\n\n审查日期：＿＿＿＿年＿＿月＿＿日\n")


def test_advisor_non_normative_over_a_normative_model(drafted: SimpleNamespace) -> None:
    name = example("ex-09").name
    op = drafted.opinions[name]
    if drafted.rows[name]["model_label"] == "non_normative":
        assert op.kind == "note"  # both hold it non-normative
        return
    assert op.kind == "opinion" and op.conclusion is not None and op.conclusion.proposed is None
    assert op.conclusion.reasons[0].endswith(
        "法律顾问已决定该文件不属于规范性文件；如维持该决定，则无需出具合法性审查意见，本初稿仅供参考。"
    )
    assert "决定：不属于规范性文件；理由：批复个案，只答复一家公司。" in markdown(drafted, op)


def test_expired_validity_is_a_repeal_ground_with_its_dates(drafted: SimpleNamespace) -> None:
    op = drafted.opinions[example("ex-13").name]
    assert op.conclusion is not None and op.conclusion.proposed == REPEAL_OPTION
    (ground,) = [g for g in op.conclusion.grounds if g.rule_id == "repeal.validity_expired"]
    assert "2024-12-31" in ground.detail and AS_OF in ground.detail
    assert ("有效期至", "2024-12-31") in op.conclusion.dates
    assert ("评估基准日", AS_OF) in op.conclusion.dates


def test_repealed_superior_law_is_named_with_its_date(drafted: SimpleNamespace) -> None:
    op = drafted.opinions[example("ex-14").name]
    assert op.conclusion is not None
    rules = {g.rule_id: g for g in op.conclusion.grounds}
    assert (
        "《中华人民共和国合同法》已于2021-01-01废止" in rules["repeal.superior_law_repealed"].detail
    )
    assert rules["repeal.superior_law_repealed"].excerpt == "《中华人民共和国合同法》"
    content = op.sections[3]
    assert content.heading == "四、内容"
    assert content.paragraphs[0].startswith("文件援引的法律、法规和文件：《中华人民共和国合同法》")


def test_subject_names_joint_issuers_and_their_level(drafted: SimpleNamespace) -> None:
    op = drafted.opinions[example("ex-03").name]
    subject = op.sections[0]
    assert subject.paragraphs[:3] == [
        "本文件由舟山市海澄区民政局、舟山市海澄区财政局联合制发。",
        "“舟山市海澄区民政局”：从名称看为行政机关（据名称推断为县级）。",
        "“舟山市海澄区财政局”：从名称看为行政机关（据名称推断为县级）。",
    ]


def test_procedure_quotes_the_effective_and_validity_clauses(drafted: SimpleNamespace) -> None:
    op = drafted.opinions[example("ex-01").name]
    procedure = op.sections[2]
    assert procedure.paragraphs[0] == (
        "文号：舟海政规〔2025〕2号。发文代字含“规”，显示文件已纳入规范性文件统一编号，请审查人核实登记情况。"
    )
    s = drafted.explained[example("ex-01").name]["structure"]
    assert f"施行日期：{s['effective_date']}（原文：“" in procedure.paragraphs[2]
    assert procedure.paragraphs[3].startswith(f"有效期：{s['validity_years']:g}年（原文：“")


@pytest.mark.parametrize("prefix", ["ex-06", "ex-07", "ex-08", "ex-11"])
def test_non_normative_files_get_a_one_paragraph_note(
    drafted: SimpleNamespace, prefix: str
) -> None:
    op = drafted.opinions[example(prefix).name]
    assert (op.kind, op.sections, op.conclusion) == ("note", [], None)
    assert op.note is not None and "\n" not in op.note
    assert op.note.startswith("经初步筛查，模型判断该文件不属于规范性文件（概率 ")
    assert "不出具合法性审查意见书" in op.note
    md = markdown(drafted, op)
    assert md.startswith("# 关于不出具合法性审查意见书的说明\n")
    assert op.note in md and "## " not in md


def test_note_says_why_and_quotes_the_advisor(drafted: SimpleNamespace) -> None:
    op = drafted.opinions[example("ex-06").name]
    assert op.note is not None
    assert "主要依据：从标题看为会议通知；" in op.note
    assert "决定：不属于规范性文件；理由：会议通知。" in op.note
    assert "从标题看为应急预案" in (drafted.opinions[example("ex-11").name].note or "")
    assert "台账中尚无法律顾问的决定，以上为模型初判（待审核）。" in (
        drafted.opinions[example("ex-07").name].note or ""
    )


def test_never_claims_more_than_was_found(drafted: SimpleNamespace) -> None:
    import docx

    for path in sorted(drafted.out.iterdir()):
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
        else:
            text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        assert not [w for w in FORBIDDEN if w in text], path.name
        assert "请审查人" in text or "如审查人" in text, path.name


def test_docx_reads_back_as_the_markdown_says(drafted: SimpleNamespace) -> None:
    import docx

    op = drafted.opinions[example("ex-14").name]
    document = docx.Document(str(drafted.out / f"{file_stem(op)}.docx"))
    expected = []
    for block in opinion_blocks(op):
        if block.kind == "point":
            expected.append(block.text)
            expected += [f"{k}：{v}" for k, v in block.rows]
        elif block.kind != "table":
            expected.append(block.text)
    assert [p.text for p in document.paragraphs] == expected
    (table,) = document.tables
    assert [tuple(c.text for c in r.cells) for r in table.rows] == op.heading
    headings = [p for p in document.paragraphs if p.text in SECTION_HEADINGS]
    assert [p.text for p in headings] == SECTION_HEADINGS
    assert all(p.runs[0].bold for p in headings)
    assert document.paragraphs[0].text == "合法性审查意见书（初稿）"
    assert document.paragraphs[-2:] and [p.text for p in document.paragraphs[-2:]] == [
        "审查人（签名）：＿＿＿＿＿＿＿＿",
        "审查日期：＿＿＿＿年＿＿月＿＿日",
    ]


def test_cli_lists_every_file(drafted: SimpleNamespace) -> None:
    lines = drafted.output.splitlines()
    assert len(lines) == len(NAMES) + 1
    for op, line in zip(drafted.batch.opinions, lines, strict=False):
        if op.kind == "opinion":
            assert op.conclusion is not None
            assert line == (
                f"{op.seq}. {op.title}：意见书初稿（初稿建议：{op.conclusion.proposed or '不适用'}）"
            )
        else:
            assert line == f"{op.seq}. {op.title}：不出具意见书，写了说明"
    opinions = sum(op.kind == "opinion" for op in drafted.batch.opinions)
    assert lines[-1] == (
        f"批次 {drafted.batch.batch['id']}，评估基准日 {AS_OF}：意见书初稿 {opinions} 份，"
        f"说明 {len(NAMES) - opinions} 份，共 {2 * len(NAMES)} 个文件已写入 {drafted.out}。"
        "初稿须经审查人核实、修改并签署。"
    )


# --  the command on small batches


@pytest.fixture
def small_batch(tmp_path: Path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a-办法.txt").write_text(NORMATIVE_TEXT, encoding="utf-8")
    (folder / "b-会议.txt").write_text(NON_NORMATIVE_TEXT, encoding="utf-8")
    (folder / "c-空.txt").write_bytes(b"")
    result = CliRunner().invoke(
        cli, ["screen", str(folder), "--out", str(tmp_path / "s"), "--as-of", AS_OF]
    )
    assert result.exit_code == 3, result.output
    return folder


def batch_id(home: Path) -> str:
    import sqlite3

    return sqlite3.connect(home / "screening.db").execute("SELECT id FROM batches").fetchone()[0]


def test_opinion_command_exact_output(
    small_batch: Path, tmp_path: Path, screening_home: Path
) -> None:
    out = tmp_path / "意见书"
    result = CliRunner().invoke(
        cli, ["opinion", str(small_batch / "a-办法.txt"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "1. 舟山市普陀区人民政府关于印发《普陀区城镇居民临时救助管理办法》的通知："
        "意见书初稿（初稿建议：建议继续有效）\n"
        f"批次 {batch_id(screening_home)}，评估基准日 {AS_OF}：意见书初稿 1 份，说明 0 份，"
        f"共 2 个文件已写入 {out}。初稿须经审查人核实、修改并签署。\n"
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "001-普陀区城镇居民临时救助管理办法-合法性审查意见书.docx",
        "001-普陀区城镇居民临时救助管理办法-合法性审查意见书.md",
    ]
    md = (out / "001-普陀区城镇居民临时救助管理办法-合法性审查意见书.md").read_text("utf-8")
    assert "理由：初步筛查未发现制定主体、制定权限、制定程序、内容及公平竞争方面的问题；" in md


def test_opinion_of_an_unread_file_is_a_note(small_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = CliRunner().invoke(
        cli, ["opinion", str(small_batch / "c-空.txt"), "--out", str(out), "--format", "md"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("3. c-空.txt：不出具意见书，写了说明\n")
    (path,) = out.iterdir()
    assert path.suffix == ".md"
    assert "该文件未能读取（失败：" in path.read_text(encoding="utf-8")


def test_opinion_at_another_as_of_date(small_batch: Path, tmp_path: Path) -> None:
    expired = NORMATIVE_TEXT.replace("有效期五年", "有效期至2026-01-01").replace(
        "有效期至2026-01-01", "有效期至2026年1月1日"
    )
    (small_batch / "d-过期.txt").write_text(expired.replace("临时救助", "取暖补贴"), "utf-8")
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["screen", str(small_batch), "--out", str(tmp_path / "s2"), "--as-of", AS_OF]
        ).exit_code
        == 3
    )
    with Store.open() as store:
        now = build_opinions(store, [str(small_batch / "d-过期.txt")])
        before = build_opinions(store, [str(small_batch / "d-过期.txt")], as_of="2025-06-30")
    assert now.opinions[0].conclusion and now.opinions[0].conclusion.proposed == REPEAL_OPTION
    assert before.as_of == "2025-06-30"
    c = before.opinions[0].conclusion
    assert c is not None and c.proposed == CONTINUE and ("评估基准日", "2025-06-30") in c.dates


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["deadbeef00"],
            "台账中没有 SHA-256 以 deadbeef00 开头的文件。请先用 screening screen 审查该文件。",
        ),
        (
            ["没有这个文件.txt"],
            "找不到文件：没有这个文件.txt。请给出文件路径或其 SHA-256（至少 8 位）。",
        ),
        (["--batch", "20000101-000000-0000"], "找不到批次 20000101-000000-0000。"),
        (["--format", "pdf"], "不支持的意见书格式：pdf（可选：docx, md）。"),
        (["--format", "docx,html"], "不支持的意见书格式：html（可选：docx, md）。"),
    ],
)
def test_opinion_errors_in_chinese(
    small_batch: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["opinion", *args, "--out", str(out)])
    assert (result.exit_code, result.stderr) == (1, f"错误：{message}\n")
    assert not out.exists()


def test_opinion_without_any_batch(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["opinion", "--out", str(tmp_path / "o")])
    assert (result.exit_code, result.stderr) == (
        1,
        "错误：台账中还没有任何批次。请先运行 screening screen 审查一批文件。\n",
    )


def test_opinion_of_a_file_outside_the_batch(
    small_batch: Path, tmp_path: Path, screening_home: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text(NORMATIVE_TEXT.replace("临时救助", "医疗救助"), "utf-8")
    first = batch_id(screening_home)
    assert (
        CliRunner().invoke(cli, ["screen", str(other), "--out", str(tmp_path / "s2")]).exit_code
        == 0
    )
    target = str(small_batch / "a-办法.txt")
    result = CliRunner().invoke(cli, ["opinion", target, "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误：文件 {target} 不在批次 ")
    assert result.stderr.endswith(
        "中。请用 --batch 指定它所在的批次，或先用 screening screen 审查它。\n"
    )
    named = CliRunner().invoke(
        cli, ["opinion", target, "--batch", first, "--out", str(tmp_path / "o"), "--format", "md"]
    )
    assert named.exit_code == 0, named.output


def test_bad_as_of_is_a_usage_error(small_batch: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["opinion", "--out", str(tmp_path), "--as-of", "2026-13-01"])
    assert result.exit_code == 2
    assert "日期格式应为 YYYY-MM-DD" in result.stderr


#: A made-up normative file with a flag in each of 制定主体, 制定权限 and 公平竞争审查.
FLAGGED = """普陀区招商引资工作领导小组关于印发《普陀区促进商贸企业发展若干规定》的通知
舟普招商〔2024〕2号

各街道办事处、乡镇人民政府，区政府各部门：
现将《普陀区促进商贸企业发展若干规定》印发给你们，请认真贯彻执行。

普陀区促进商贸企业发展若干规定
第一条 为促进本区商贸企业发展，制定本规定。
第二条 本规定适用于在本区从事商贸经营的企业。
第三条 对年度实缴税款超过500万元的企业，按其实缴税款的10%给予奖励。
第四条 区内机关事业单位采购办公用品，同等条件下优先采购本地企业产品。
第五条 申请奖励的企业应当向区商务局缴纳履约保证金5万元。
第六条 企业弄虚作假骗取奖励的，由区商务局处以二万元罚款。
第七条 本规定自2024年3月1日起施行，有效期三年。

普陀区招商引资工作领导小组
2024年2月1日
"""


def test_flags_land_in_their_sections_with_the_review_standard(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "规定.txt").write_text(FLAGGED, encoding="utf-8")
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["screen", str(folder), "--out", str(tmp_path / "s"), "--as-of", AS_OF]
        ).exit_code
        == 0
    )
    with Store.open() as store:
        (op,) = build_opinions(store).opinions
    by_section = {s.heading: [p.rule_id for p in s.points] for s in op.sections}
    assert by_section == {
        "一、制定主体": ["legal.improper_issuer"],
        "二、制定权限": ["legal.creates_fee", "legal.creates_penalty"],
        "三、制定程序": [],
        "四、内容": [],
        "五、公平竞争审查": ["fair.selective_subsidy", "fair.local_procurement"],
    }
    subject = op.sections[0]
    assert subject.paragraphs[1] == (
        "“普陀区招商引资工作领导小组”：从名称看为议事协调机构、临时机构或内设机构（见问题1）。"
    )
    assert subject.points[0].excerpt == "普陀区招商引资工作领导小组"
    subsidy, local = op.sections[4].points
    assert subsidy.standard == (
        "《公平竞争审查条例》第十条第（一）项、第（二）项（影响生产经营成本）：没有法律、行政法规依据"
        "或者未经国务院批准，不得给予特定经营者税收优惠或者选择性、差异化的财政奖励或者补贴"
    )
    assert subsidy.excerpt == "第三条 对年度实缴税款超过500万元的企业，按其实缴税款的10%给予奖励"
    assert local.standard is not None and local.standard.startswith("《公平竞争审查条例》第九条")
    assert [p.number for p in op.points] == [1, 2, 3, 4, 5]
    assert op.conclusion is not None and op.conclusion.proposed == AMEND
    assert op.conclusion.reasons[0].startswith(
        "经初步筛查发现需核实的问题5项（问题1、2、3、4、5）；"
    )
    assert "制定主体不适格的文件，通常应由适格的行政机关重新制发" in op.conclusion.reasons[1]
    procedure = op.sections[2].paragraphs
    assert procedure[3] == "有效期：3年（原文：“有效期三年”），据此推算至2027-02-28。"
