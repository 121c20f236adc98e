import json
from collections import Counter
from datetime import date

import pytest

from screening.law.batch import batch_context
from screening.law.metadata import Metadata
from screening.law.rules import Analysis, analyze
from screening.law.structure import Structure, parse_structure
from screening.law.supersede import supersession, supersession_graph

from .conftest import REALDATA


def make(title: str, number: str | None, issued: str, body: str = "第一条 正文。") -> Structure:
    lines = (
        [title] + ([number] if number else []) + ["各街道办事处：", body, "某某区人民政府", issued]
    )
    return parse_structure("\n".join(lines) + "\n")


OLD = make("关于印发《某某区集贸市场管理办法》的通知", "某区府发〔2015〕7号", "2015年3月1日")
OLDER_BY_TITLE = make("关于印发《某某区养犬管理规定》的通知", "某区府发〔2012〕3号", "2012年5月1日")
NEW = make(
    "关于印发《某某区农贸市场管理办法》的通知",
    "某区府规〔2020〕2号",
    "2020年1月10日",
    "第九条 本办法自2020年2月1日起施行。《某某区集贸市场管理办法》（某区府发〔2015〕7号）同时废止；"
    "《某某区养犬管理规定》不再执行。",
)
UNRELATED = make("关于印发《某某区停车管理办法》的通知", "某区府规〔2019〕5号", "2019年1月1日")


def test_edges_by_doc_number_and_by_title() -> None:
    edges = supersession_graph(
        [("old", OLD), ("dog", OLDER_BY_TITLE), ("new", NEW), ("x", UNRELATED)]
    )
    # one edge per pair: the 文号 match comes first, the title match of the same pair is dropped
    assert [(e.newer, e.older, e.by, e.reference) for e in edges] == [
        ("new", "old", "文号", "某区府发〔2015〕7号"),
        ("new", "dog", "标题", "某某区养犬管理规定"),
    ]
    assert edges[1].verb == "不再执行"


def test_findings_point_into_the_newer_document() -> None:
    found = supersession([("old", OLD), ("dog", OLDER_BY_TITLE), ("new", NEW)])
    assert set(found) == {"old", "dog"}
    [finding] = found["old"]
    assert finding.rule_id == "repeal.superseded_in_batch"
    assert finding.source == "new"
    assert finding.excerpt == "《某某区集贸市场管理办法》（某区府发〔2015〕7号）同时废止"
    assert finding.detail == (
        "本批次文件《关于印发《某某区农贸市场管理办法》的通知》（某区府规〔2020〕2号）"
        "按文号“某区府发〔2015〕7号”载明本文件同时废止。"
    )
    assert finding.to_dict()["source"] == "new"


def test_an_older_document_cannot_repeal_a_newer_one() -> None:
    newer_namesake = make(
        "关于印发《某某区集贸市场管理办法》的通知", "某区府发〔2015〕7号", "2021年3月1日"
    )
    assert supersession([("later", newer_namesake), ("new", NEW)]) == {}


def test_a_document_does_not_supersede_itself() -> None:
    own = make(
        "关于印发《征信投诉办理规程》的通知",
        "银发〔2024〕37号",
        "2024年3月1日",
        "原《征信投诉办理规程》（银办发〔2014〕73号文印发）同时废止。",
    )
    old = make("关于印发《征信投诉办理规程》的通知", "银办发〔2014〕73号", "2014年5月1日")
    edges = supersession_graph([("own", own), ("old", old)])
    assert {(e.newer, e.older) for e in edges} == {("own", "old")}


def test_codes_must_be_compatible() -> None:
    other_issuer = make("关于某事项的通知", "某县府发〔2015〕7号", "2015年3月1日")
    assert supersession([("other", other_issuer), ("new", NEW)]) == {}


def test_partial_repeal_is_not_a_supersession() -> None:
    partial = make(
        "关于某事项的通知",
        "某区府发〔2021〕9号",
        "2021年1月1日",
        "《某某区集贸市场管理办法》（某区府发〔2015〕7号）第十条同时废止。",
    )
    assert supersession([("old", OLD), ("partial", partial)]) == {}


@pytest.fixture(scope="module")
def dev_batch() -> tuple[dict[str, str], dict[str, Analysis]]:
    """The real dev set analysed as one batch as of 2026-11-27 (read at test time, never copied)."""
    path = REALDATA / "dev.jsonl"
    if not path.exists():
        pytest.skip("real data not available")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    analyses = {}
    for r in rows:
        hints = Metadata(r["title"], r["doc_number"], r["issuer"], r["date"])
        analyses[r["id"]] = analyze(r["text"], date(2026, 11, 27), hints=hints)
    return {r["id"]: r["label"] for r in rows}, analyses


def test_dev_set_supersession_graph(dev_batch: tuple[dict[str, str], dict[str, Analysis]]) -> None:
    """Every edge ends a document labelled repeal: 13 of the 17 central-bank repeals (the other
    4 are repealed by announcements that are not in the set) and one local subsidy rule."""
    gold, analyses = dev_batch
    found = supersession([(k, a.structure) for k, a in analyses.items()])
    assert len(found) == 14
    assert {gold[k] for k in found} == {"repeal"}


def test_dev_set_validity_expired_only_on_repeal_documents(
    dev_batch: tuple[dict[str, str], dict[str, Analysis]],
) -> None:
    """A stated validity that ended, once the batch's extension notices are applied, is found on
    35 of the 38 local repeal documents and on no document labelled normative (three more carry
    one but are not normative at all)."""
    gold, analyses = dev_batch
    as_of = date(2026, 11, 27)
    renewals = batch_context([(k, a.structure) for k, a in analyses.items()], as_of).renewals
    expired = [
        k
        for k, a in analyses.items()
        if any(f.rule_id == "repeal.validity_expired" for f in a.findings)
        and not (k in renewals and renewals[k].until >= as_of)
    ]
    assert Counter(gold[k] for k in expired) == {"repeal": 35, "non_normative": 3}


def test_a_notice_is_repealed_by_the_name_of_the_rules_it_published() -> None:
    # -- 公告 titles say only 某某局公告: later documents cite the 办法 it published
    announcement = parse_structure(
        "某某局公告\n〔2005〕第25号\n为规范融资业务，某某局制定了《某某融资业务管理暂行办法》，"
        "现予公布。\n二〇〇五年十一月三日\n"
    )
    newer = make(
        "关于印发《某某融资业务管理办法》的通知",
        None,
        "2020年1月10日",
        "第九条 本办法自发布之日起施行。《某某融资业务管理暂行办法》同时废止。",
    )
    assert announcement.promulgates == ["某某融资业务管理暂行办法"]
    [edge] = supersession_graph([("old", announcement), ("new", newer)])
    assert (edge.newer, edge.older, edge.by) == ("new", "old", "标题")


def test_titles_match_with_or_without_the_issuer_before_guanyu() -> None:
    old = make("某某区人民政府关于加强集贸市场管理的通知", None, "2015年3月1日")
    other_issuer = make("某某县人民政府关于加强集贸市场管理的通知", None, "2015年3月1日")
    newer = make(
        "关于印发《某某区农贸市场管理办法》的通知",
        None,
        "2020年1月10日",
        "第九条 本办法自发布之日起施行。《关于加强集贸市场管理的通知》同时废止。",
    )
    cited_with_issuer = make(
        "关于印发《某某区农贸市场管理办法》的通知",
        None,
        "2020年1月10日",
        "第九条 本办法自发布之日起施行。《某某区人民政府关于加强集贸市场管理的通知》同时废止。",
    )
    edges = supersession_graph([("old", old), ("county", other_issuer), ("new", newer)])
    assert sorted(e.older for e in edges) == ["county", "old"]  # -- the name alone is ambiguous
    edges = supersession_graph([("old", old), ("county", other_issuer), ("new", cited_with_issuer)])
    assert [e.older for e in edges] == ["old"]


def test_a_revision_keeping_its_name_ends_only_a_strictly_older_namesake() -> None:
    body = "第九条 本规程自发布之日起施行。原《某某投诉办理规程》同时废止。"
    old = make("关于印发《某某投诉办理规程》的通知", None, "2014年3月1日", body)
    new = make("关于印发《某某投诉办理规程》的通知", None, "2024年4月15日", body)
    copy = make("关于印发《某某投诉办理规程》的通知", None, "2024年4月15日", body)
    edges = supersession_graph([("old", old), ("new", new), ("copy", copy)])
    assert sorted((e.newer, e.older) for e in edges) == [("copy", "old"), ("new", "old")]


def test_a_masked_doc_number_after_the_title_is_dropped_for_matching() -> None:
    from screening.law.structure import normalize_title

    assert normalize_title("某某局关于某某的通知（〔文号已遮蔽〕）") == "某某局关于某某的通知"
