"""Draft legality-review opinions (合法性审查意见书初稿) for the normative files of a batch.

:func:`build_opinions` turns what the ledger holds about a file (its structure, every finding with
its span and basis, the model's label and the advisor's decision) into an :class:`Opinion`: plain
data in the sections advisors file — 制定主体, 制定权限, 制定程序, 内容, 公平竞争审查 and 审查结论.
:mod:`screening.report.opinion_write` lays it out and writes it as Markdown and (through
:mod:`screening.report.docx`) DOCX.

A file that both the model and the advisor hold non-normative gets a one-paragraph note instead
of an opinion. The draft never says more than the findings support: a finding is a point "经初步
筛查发现" for the advisor to verify, never a conclusion that the file is lawful, and every finding
quotes the text it rests on.

The items of the fair-competition review standard (《公平竞争审查条例》第八条至第十一条) were checked
against published case citations; check them against the official text before relying on them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..labels import LABEL_NAMES, NON_NORMATIVE, NORMATIVE, REPEAL
from ..law import FAIR, LEGALITY, Metadata, normalize_title, parse_structure
from ..ledger import Store
from ..ledger import decisions as ledger
from ..model import ScreeningModel, evidence_phrase
from ..pipeline.screen import OK, STATUS_NAMES, visible_findings
from .build import judged_files, resolve_batch

OPINION_TITLE = "合法性审查意见书（初稿）"
NOTE_TITLE = "关于不出具合法性审查意见书的说明"
NOTICE = (
    "本初稿由 screening 根据文件文本自动生成。所列问题均为规则初步筛查的结果，须经审查人逐项核实、"
    "修改并签署后方可使用；筛查未列出的问题，不代表文件不存在该问题。"
)

SUBJECT, COMPETENCE, PROCEDURE, CONTENT, FAIR_REVIEW = (
    "subject",
    "competence",
    "procedure",
    "content",
    "fair",
)
HEADINGS = {
    SUBJECT: "一、制定主体",
    COMPETENCE: "二、制定权限",
    PROCEDURE: "三、制定程序",
    CONTENT: "四、内容",
    FAIR_REVIEW: "五、公平竞争审查",
}
CONCLUSION_HEADING = "六、审查结论"

CONTINUE, AMEND, REPEAL_OPTION = "建议继续有效", "建议修改后继续有效", "建议废止"
OPTIONS = (CONTINUE, AMEND, REPEAL_OPTION)

#: Section of each rule whose group alone does not say it; other legality rules go to 内容,
#: fair-competition rules to 公平竞争审查, repeal signals to the conclusion's grounds.
_SECTION_OF = {
    "legal.improper_issuer": SUBJECT,
    "legal.creates_license": COMPETENCE,
    "legal.creates_penalty": COMPETENCE,
    "legal.creates_coercion": COMPETENCE,
    "legal.creates_fee": COMPETENCE,
    "legal.doc_number_missing": PROCEDURE,
    "legal.doc_number_malformed": PROCEDURE,
    "legal.validity_missing": PROCEDURE,
    "repeal.superior_law_amended": CONTENT,
}

#: What the drafting office should change, per rule.
ADVICE = {
    "legal.improper_issuer": "改由具有制定权的行政机关以自身名义制发；议事协调机构、内设机构不得以自身名义制发。",
    "legal.creates_license": "删除自行设定的批准、许可类条件；确有法律、行政法规依据的，在条文中写明依据的名称和条款。",
    "legal.creates_penalty": "删除自行设定的处罚；上位法已有规定的，改为“依照《…》第…条的规定处理”，不得增设处罚种类或提高幅度。",
    "legal.creates_coercion": "删除该行政强制措施；上位法已有规定的，改为援引其条款。",
    "legal.creates_fee": "删除无依据的收费、保证金或押金；确有依据的，写明收费依据及批准文件。",
    "legal.certification_precondition": "核对该证明是否列入证明事项清单；未列入的予以删除，或改为告知承诺、部门间核查。",
    "legal.paid_intermediary": "删除以中介服务作为办理条件的规定；确有法律、法规或国务院决定依据的，写明依据。",
    "legal.cites_repealed_law": "将援引改为现行有效的法律及相应条款。",
    "legal.duty_without_basis": "在制定依据中写明据以制定的法律、法规、规章；没有依据的，删除该义务或禁止性规定。",
    "legal.retroactive": "删除溯及既往的规定，或说明其更有利于保护当事人的权利和利益。",
    "legal.doc_number_missing": "按统一登记、统一编号、统一印发的要求登记编号，并核实文件是否已登记。",
    "legal.doc_number_malformed": "按 GB/T 9704-2012 更正文号格式。",
    "legal.validity_missing": "增加有效期条款（一般不超过5年，暂行、试行1至2年）。",
    "repeal.superior_law_amended": "对照修改后的上位法核对文件内容及所援引的条文序号。",
    "fair.designated_supplier": "删除限定或指定经营者、商品或服务的表述，改为公开、公平的选择方式。",
    "fair.local_establishment": "删除以在本地注册、设立分支机构或纳税为条件的规定。",
    "fair.local_procurement": "删除本地优先或排斥外地经营者的规定，对各类经营者一视同仁。",
    "fair.selective_subsidy": "删除按纳税额、财政贡献给予奖励、补贴或返还的规定；确需支持的，设定公开、普惠的条件并写明依据。",
    "fair.price_setting": "核对定价权限及价格主管部门的批准文件；无权限的予以删除。",
}
DEFAULT_ADVICE = "请审查人核实后提出修改意见。"

_783 = "《公平竞争审查条例》"
#: The item of the review standard each fair-competition rule reads for.
FAIR_STANDARDS = {
    "fair.designated_supplier": f"{_783}第八条第（三）项（限制市场准入和退出）：不得限定经营、购买或者使用特定经营者提供的商品或者服务",
    "fair.local_establishment": f"{_783}第九条第（二）项（限制商品、要素自由流动）：不得排斥、限制、强制或者变相强制外地经营者在本地投资经营或者设立分支机构",
    "fair.local_procurement": f"{_783}第九条第（一）项、第（三）项（限制商品、要素自由流动）：不得限制外地或者进口商品、要素进入本地市场，不得排斥、限制外地经营者参加本地政府采购、招标投标",
    "fair.selective_subsidy": f"{_783}第十条第（一）项、第（二）项（影响生产经营成本）：没有法律、行政法规依据或者未经国务院批准，不得给予特定经营者税收优惠或者选择性、差异化的财政奖励或者补贴",
    "fair.price_setting": f"{_783}第十一条（影响生产经营行为）：不得超越法定权限制定政府指导价、政府定价，不得违法干预实行市场调节价的商品、要素的价格水平",
}

_LEVEL_NAMES = {"central": "中央", "local": "地方", "unknown": "未能识别"}
_DIVISION = re.compile(
    r"(省|自治区|(?<!城)市(?!场)|自治州|(?<![地])州|盟|自治县|县|(?<![社小地园城街])区(?!域)|旗|"
    r"(?<!城)乡(?!村)|镇|街道)"
)
_DIVISION_LEVEL = {
    "省": "省级",
    "自治区": "省级",
    "市": "市级",
    "自治州": "市级",
    "州": "市级",
    "盟": "市级",
    "自治县": "县级",
    "县": "县级",
    "区": "县级",
    "旗": "县级",
    "乡": "乡镇（街道）级",
    "镇": "乡镇（街道）级",
    "街道": "乡镇（街道）级",
}
_ORGAN = re.compile(r"(人民政府|办公厅|办公室|办事处|委员会|局|厅|委|署|部|分行|支行)$")
_INSTITUTION = re.compile(r"(中心|站|所|院|队|馆)$")
_SOCIETY = re.compile(r"(公司|协会|学会|商会|联合会|合作社)$")
#: Kinds of files the local rules list as not normative, read from the title (DOMAIN.md §2).
_GENRES = (
    (re.compile(r"(批复|复函|函)$"), "批复或函，答复特定单位的个别事项"),
    (re.compile(r"任免|任职|免职"), "人事任免"),
    (re.compile(r"召开.*会(议)?的通知$"), "会议通知"),
    (re.compile(r"纪要$"), "会议纪要"),
    (re.compile(r"预案$"), "应急预案"),
    (re.compile(r"(方案|计划|要点)$"), "工作方案、计划或要点"),
    (re.compile(r"总结$"), "工作总结"),
    (re.compile(r"(请示|报告)$"), "请示或报告"),
    (re.compile(r"表彰|通报$"), "表彰或通报"),
)


@dataclass
class Point:
    """One finding as the opinion states it: the quoted span, what was seen, the basis, the fix."""

    number: int
    rule_id: str
    title: str
    group: str
    severity: str
    excerpt: str
    span: list[int] | None
    detail: str
    basis: str
    advice: str
    #: The item of the fair-competition review standard (fair-competition findings only).
    standard: str | None = None
    #: Title of the batch document the span points into, when it is not this file (batch rules).
    located_in: str | None = None


@dataclass
class Section:
    key: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)


@dataclass
class Conclusion:
    options: tuple[str, ...]
    #: The option the draft proposes; ``None`` when the advisor has held the file non-normative.
    proposed: str | None
    reasons: list[str]
    #: Repeal grounds (or repeal signals, when the file is held normative) with their dates.
    grounds: list[Point]
    dates: list[tuple[str, str]]
    decision: dict[str, Any] | None


@dataclass
class Opinion:
    """A draft opinion (``kind`` "opinion") or the note given instead (``kind`` "note")."""

    kind: str
    seq: int
    sha256: str | None
    file: str
    title: str
    heading: list[tuple[str, str]]
    sections: list[Section] = field(default_factory=list)
    conclusion: Conclusion | None = None
    note: str | None = None

    @property
    def document_title(self) -> str:
        return OPINION_TITLE if self.kind == "opinion" else NOTE_TITLE

    @property
    def points(self) -> list[Point]:
        return [p for s in self.sections for p in s.points]


@dataclass
class OpinionBatch:
    batch: dict[str, Any]
    as_of: str
    opinions: list[Opinion]


# --  building


def _quote(text: str, span: Sequence[int] | None, limit: int = 160) -> str:
    if not span or not text:
        return ""
    # A line break inside a clause is the PDF's wrapping (2024年12月3\n1日), not a space.
    piece = " ".join(re.sub(r"\s*\n\s*", "", text[span[0] : span[1]]).split())
    return piece if len(piece) <= limit else piece[: limit - 1] + "…"


def _level(name: str, structure_level: str) -> str:
    if structure_level == "central":
        return "中央国家机关"
    found = _DIVISION.findall(name)
    if not found:
        return f"层级{_LEVEL_NAMES.get(structure_level, '未能识别')}"
    return f"据名称推断为{_DIVISION_LEVEL[found[-1]]}"


def _issuer_sentence(name: str, level: str, improper: Point | None) -> str:
    if improper is not None:
        return f"“{name}”：从名称看为议事协调机构、临时机构或内设机构（见问题{improper.number}）。"
    if _ORGAN.search(name):
        return f"“{name}”：从名称看为行政机关（{_level(name, level)}）。"
    if _INSTITUTION.search(name):
        return (
            f"“{name}”：从名称看为事业单位，不是行政机关；只有经法律、法规授权管理公共事务的组织"
            "方可制发行政规范性文件，请审查人核实其授权依据。"
        )
    if _SOCIETY.search(name):
        return f"“{name}”：从名称看为企业或社会组织，不是行政机关，请审查人核实其是否经法律、法规授权。"
    return f"“{name}”：未能从名称判断机关性质，请审查人核实。"


class _Numbering:
    def __init__(self) -> None:
        self.n = 0

    def point(self, f: dict[str, Any], titles: dict[str, str]) -> Point:
        self.n += 1
        source = f.get("source")
        return Point(
            number=self.n,
            rule_id=f["rule_id"],
            title=f["title"],
            group=f["group"],
            severity=f["severity"],
            excerpt=f.get("excerpt") or "",
            span=f.get("span"),
            detail=f.get("detail") or "",
            basis=f["basis"],
            advice=ADVICE.get(f["rule_id"], DEFAULT_ADVICE),
            standard=FAIR_STANDARDS.get(f["rule_id"], f["basis"]) if f["group"] == FAIR else None,
            located_in=titles.get(source, source) if source else None,
        )


def _section_of(f: dict[str, Any]) -> str:
    if f["rule_id"] in _SECTION_OF:
        return _SECTION_OF[f["rule_id"]]
    if f["group"] == FAIR:
        return FAIR_REVIEW
    if f["group"] == LEGALITY:
        return CONTENT
    return "grounds"


def _reading_order(finding: dict[str, Any]) -> tuple[int, int]:
    order = [*HEADINGS, "grounds"]
    return order.index(_section_of(finding)), (finding.get("span") or [0])[0]


def _unlocated(f: dict[str, Any]) -> str:
    return (
        f"另有筛查提示“{f['title']}”未能定位原文（{f.get('detail') or ''}），未列为问题，"
        "请审查人核对原件。"
    )


def _subject(section: Section, s: dict[str, Any]) -> None:
    improper = next((p for p in section.points if p.rule_id == "legal.improper_issuer"), None)
    issuers = s.get("issuers") or []
    if not issuers:
        section.paragraphs.append("未能从文本中识别发文机关，请审查人根据原件核实制定主体。")
        return
    joint = "联合制发" if len(issuers) > 1 else "制发"
    section.paragraphs.append(f"本文件由{'、'.join(issuers)}{joint}。")
    for name in issuers:
        named = (
            improper
            if improper is not None and (improper.excerpt in name or name in improper.excerpt)
            else None
        )
        section.paragraphs.append(_issuer_sentence(name, s.get("issuer_level", "unknown"), named))
    section.paragraphs.append(
        "制定主体是否具有制发行政规范性文件的资格及相应法定职权，请审查人结合其职能规定核实。"
    )
    if section.points:
        section.paragraphs.append(f"经初步筛查发现制定主体方面的问题{len(section.points)}项：")


def _competence(section: Section) -> None:
    section.paragraphs.append(
        "文件规定的事项是否属于制定机关的法定职权范围，规则筛查无法判断，请审查人结合其职能核实。"
    )
    if section.points:
        section.paragraphs.append(
            f"经初步筛查发现疑似超越制定权限、设定行政许可、行政处罚、行政强制措施或收费的表述"
            f"{len(section.points)}处，请审查人核实："
        )
    else:
        section.paragraphs.append(
            "初步筛查未发现设定行政许可、行政处罚、行政强制措施或收费、保证金的表述，请审查人核实。"
        )


def _procedure(section: Section, s: dict[str, Any], text: str) -> None:
    number = s.get("doc_number")
    if number:
        if number.get("normative_series"):
            section.paragraphs.append(
                f"文号：{number['raw']}。发文代字含“规”，显示文件已纳入规范性文件统一编号，"
                "请审查人核实登记情况。"
            )
        else:
            section.paragraphs.append(
                f"文号：{number['raw']}。发文代字中未见规范性文件统一编号标识“规”，"
                "请审查人核实是否已统一登记、统一编号。"
            )
    section.paragraphs.append(
        "文件是否已向社会公开发布（政府公报、政府网站等），文本中无法判断，请审查人核实。"
    )
    if s.get("effective_date"):
        quote = _quote(text, s.get("effective_span"))
        section.paragraphs.append(
            f"施行日期：{s['effective_date']}" + (f"（原文：“{quote}”）。" if quote else "。")
        )
    else:
        section.paragraphs.append("未找到施行日期条款（“自…起施行”），请审查人核实。")
    quote = _quote(text, s.get("validity_span"))
    said = f"（原文：“{quote}”）" if quote else ""
    if s.get("valid_until"):
        section.paragraphs.append(f"有效期：至{s['valid_until']}{said}。")
    elif s.get("validity_years"):
        until = f"，据此推算至{s['expiry']}" if s.get("expiry") else ""
        section.paragraphs.append(f"有效期：{s['validity_years']:g}年{said}{until}。")
    else:
        section.paragraphs.append("文本中未找到有效期条款。")
    if s.get("provisional"):
        section.paragraphs.append("标题含“暂行”或“试行”，有效期一般为1至2年，请审查人核对。")
    section.paragraphs.append(
        "起草、征求意见、合法性审核、集体审议决定等制定程序在文本中无法核实，请审查人核对制定过程材料。"
    )
    if section.points:
        section.paragraphs.append(f"经初步筛查发现制定程序方面的问题{len(section.points)}项：")


def _cited_laws(s: dict[str, Any]) -> list[str]:
    own = [s.get("title") or "", *(s.get("promulgates") or [])]
    names: list[str] = []
    for cite in s.get("citations") or []:
        name = cite["name"]
        if name not in names and not any(name in o or o in name for o in own if o):
            names.append(name)
    return names


def _content(section: Section, s: dict[str, Any]) -> None:
    cited = _cited_laws(s)
    if cited:
        section.paragraphs.append(
            "文件援引的法律、法规和文件："
            + "、".join(f"《{n}》" for n in cited[:12])
            + ("等" if len(cited) > 12 else "")
            + "。文件内容与上位法是否一致，规则筛查不能判断，请审查人对照核实。"
        )
    else:
        section.paragraphs.append(
            "文本中未见援引的法律、法规依据；文件内容与上位法是否一致，请审查人逐条审读核实。"
        )
    if section.points:
        section.paragraphs.append(f"经初步筛查发现内容方面需核实的问题{len(section.points)}项：")
    else:
        section.paragraphs.append(
            "初步筛查未发现无依据增加义务、要求无依据的证明材料或中介服务、援引已废止的法律、"
            "溯及既往等问题，请审查人逐条审读核实。"
        )


def _fair(section: Section) -> None:
    if section.points:
        section.paragraphs.append(
            f"经初步筛查发现可能排除、限制竞争的表述{len(section.points)}处，"
            "请审查人按《公平竞争审查条例》的审查标准逐项核实："
        )
    else:
        section.paragraphs.append(
            "初步筛查未发现《公平竞争审查条例》第八条至第十一条所列市场准入和退出、商品和要素自由流动、"
            "生产经营成本、生产经营行为四类情形的表述；文件如涉及经营者经济活动，请审查人按审查标准逐项核实。"
        )


def decision_text(decision: dict[str, Any]) -> str:
    text = (
        f"法律顾问{decision['reviewer']}于{decision['decided_at'][:19].replace('T', ' ')}（UTC）决定："
        f"{LABEL_NAMES.get(decision['label'], decision['label'])}"
    )
    return text + (
        f"；理由：{decision['reason']}。" if decision.get("reason") else "（未填写理由）。"
    )


def _dates(s: dict[str, Any], as_of: str) -> list[tuple[str, str]]:
    dates = [
        ("成文日期", s.get("issue_date") or "未识别"),
        ("施行日期", s.get("effective_date") or "未识别"),
    ]
    if s.get("valid_until"):
        dates.append(("有效期至", s["valid_until"]))
    elif s.get("validity_years"):
        dates.append(("有效期", f"{s['validity_years']:g}年，至{s.get('expiry') or '无法推算'}"))
    else:
        dates.append(("有效期", "未载明"))
    dates.append(("评估基准日", as_of))
    return dates


def _conclusion(
    final: str,
    model_label: str | None,
    points: list[Point],
    grounds: list[Point],
    decision: dict[str, Any] | None,
    s: dict[str, Any],
    as_of: str,
) -> Conclusion:
    reasons: list[str] = []
    numbers = "、".join(str(p.number) for p in points)
    if decision is not None and decision["label"] == NON_NORMATIVE:
        proposed = None
        reasons.append(
            f"模型初判为{LABEL_NAMES.get(model_label or '', '—')}，法律顾问已决定该文件不属于规范性文件；"
            "如维持该决定，则无需出具合法性审查意见，本初稿仅供参考。"
        )
    elif final == REPEAL:
        proposed = REPEAL_OPTION
        if grounds:
            reasons.append(
                f"经初步筛查发现废止理由{len(grounds)}项（见下），以评估基准日{as_of}为准，请审查人核实。"
            )
        if decision is not None:
            reasons.append("法律顾问已决定建议废止。")
        if points:
            reasons.append(
                f"另发现需核实的问题{len(points)}项（问题{numbers}），如文件重新制定，请一并处理。"
            )
    elif points or grounds:
        proposed = AMEND
        if points:
            reasons.append(
                f"经初步筛查发现需核实的问题{len(points)}项（问题{numbers}）；如经审查人核实属实，"
                "建议按各项修改建议修改后继续有效；如均不成立，可改为建议继续有效。"
            )
        if grounds:
            reasons.append(f"另发现废止信号{len(grounds)}项（见下），请审查人判断是否应当废止。")
        if any(p.rule_id == "legal.improper_issuer" for p in points):
            reasons.append(
                "制定主体不适格的文件，通常应由适格的行政机关重新制发，原文件予以废止，请审查人判断。"
            )
    else:
        proposed = CONTINUE
        reasons.append(
            "初步筛查未发现制定主体、制定权限、制定程序、内容及公平竞争方面的问题；规则筛查不能代替逐条审读，"
            "请审查人审读全文并确认后，方可建议继续有效。"
        )
    if decision is None:
        reasons.append(
            f"以上为模型初判（{LABEL_NAMES.get(model_label or '', '—')}）基础上的初稿建议，台账中尚无法律顾问的决定。"
        )
    return Conclusion(OPTIONS, proposed, reasons, grounds, _dates(s, as_of), decision)


def _heading(
    f: dict[str, Any], s: dict[str, Any], batch: dict[str, Any], as_of: str, decision: Any
) -> list[tuple[str, str]]:
    meta = f["metadata"] or {}
    number = (s.get("doc_number") or {}).get("raw") or meta.get("doc_number")
    issuers = "、".join(s.get("issuers") or []) or meta.get("issuer")
    model_label = f["label"] if f["status"] == OK else None
    probability = (f["probabilities"] or {}).get(model_label or "")
    model = (
        f"{LABEL_NAMES[model_label]}（概率 {probability:.2f}，模型 {batch['model_version']}）"
        if model_label and probability is not None
        else "—"
    )
    status = (
        f"法律顾问已决定（{decision['reviewer']}）"
        if decision is not None
        else "模型初判（待审核）"
    )
    return [
        ("文件名称", s.get("title") or meta.get("title") or Path(f["path"]).name),
        ("文号", number or "未识别到文号"),
        ("制定机关", issuers or "未识别"),
        ("成文日期", s.get("issue_date") or meta.get("date") or "未识别"),
        ("报送日期", "（由审查人填写）"),
        ("筛查日期", batch["created_at"][:10]),
        ("评估基准日", as_of),
        ("批次", batch["id"]),
        ("文件 SHA-256", f["sha256"] or "—"),
        ("文件路径", f["path"]),
        ("模型初判", model),
        ("审核状态", status),
    ]


def _genre(title: str) -> str | None:
    name = normalize_title(title)
    for pattern, genre in _GENRES:
        if pattern.search(name) or pattern.search(title):
            return genre
    return None


def _note(f: dict[str, Any], s: dict[str, Any], decision: Any, shown: list[dict[str, Any]]) -> str:
    if f["status"] != OK:
        return (
            f"该文件未能读取（{STATUS_NAMES.get(f['status'], f['status'])}：{f['error'] or '—'}），"
            "未作筛查，无法起草合法性审查意见书。请按提示处理后重新运行 screening screen。"
        )
    probability = (f["probabilities"] or {}).get(NON_NORMATIVE)
    text = "经初步筛查，模型判断该文件不属于规范性文件" + (
        f"（概率 {probability:.2f}）" if probability is not None else ""
    )
    why = []
    genre = _genre(s.get("title") or "")
    if genre:
        why.append(f"从标题看为{genre}")
    if s.get("specific_addressee"):
        who = "、".join(s.get("addressees") or [])
        why.append("主送对象为特定单位或个人" + (f"（{who}）" if who else ""))
    if not s.get("articles"):
        why.append("文中没有条款式的规则")
    evidence = (
        [evidence_phrase(e) for e, _ in f["prediction"].evidence][:6] if f["prediction"] else []
    )
    if evidence:
        why.append("模型依据的词语：" + "、".join(evidence))
    text += ("；主要依据：" + "；".join(why) + "。") if why else "。"
    if decision is not None:
        text += decision_text(decision)
    else:
        text += "台账中尚无法律顾问的决定，以上为模型初判（待审核）。"
    text += (
        "不属于行政规范性文件的，不进行合法性审查，不出具合法性审查意见书；如审查人认为该文件属于规范性文件，"
        "请先在台账中记录决定（screening decide），再重新生成意见书初稿。"
    )
    if shown:
        text += (
            "另，初步筛查发现下列风险提示，虽不属于规范性文件，仍请审查人留意："
            + "；".join(f"{x['title']}（原文：“{x.get('excerpt') or ''}”）" for x in shown)
            + "。"
        )
    return text


def build_opinion(
    f: dict[str, Any],
    batch: dict[str, Any],
    as_of: str,
    decision: dict[str, Any] | None,
    titles: dict[str, str],
) -> Opinion:
    """The draft opinion (or the note) for one judged batch file (:func:`report.judged_files`)."""
    s = f.get("structure") or {}
    if f["status"] == OK and not s:  # predictions stored before structures were recorded
        s = parse_structure(f["text"], Metadata(**(f["metadata"] or {}))).to_dict()
    heading = _heading(f, s, batch, as_of, decision)
    title = heading[0][1]
    model_label = f["label"] if f["status"] == OK else None
    held = {model_label, decision["label"] if decision else None}
    base = dict(seq=f["seq"], sha256=f["sha256"], file=Path(f["path"]).name, title=title)
    if f["status"] != OK or not held & {NORMATIVE, REPEAL}:
        shown = visible_findings(f.get("all_findings") or [], NON_NORMATIVE)
        return Opinion("note", heading=heading, note=_note(f, s, decision, shown), **base)
    numbering = _Numbering()
    sections = {key: Section(key, name) for key, name in HEADINGS.items()}
    unlocated: dict[str, list[str]] = {key: [] for key in HEADINGS}
    findings = f.get("all_findings") or []
    # Numbered in the order of the sections, then of the text; repeal grounds last.
    for finding in sorted(findings, key=_reading_order):
        key = _section_of(finding)
        if key == "grounds":
            continue
        if finding.get("excerpt"):
            sections[key].points.append(numbering.point(finding, titles))
        else:  # -- no finding without its quoted span
            unlocated[key].append(_unlocated(finding))
    # Repeal grounds are numbered on their own (废止理由1, 2 …).
    ground_numbering = _Numbering()
    grounds = [ground_numbering.point(x, titles) for x in findings if _section_of(x) == "grounds"]
    _subject(sections[SUBJECT], s)
    _competence(sections[COMPETENCE])
    _procedure(sections[PROCEDURE], s, f["text"] or "")
    _content(sections[CONTENT], s)
    _fair(sections[FAIR_REVIEW])
    for key, notes in unlocated.items():
        sections[key].paragraphs.extend(notes)
    final = decision["label"] if decision else model_label
    points = [p for sec in sections.values() for p in sec.points]
    conclusion = _conclusion(final or "", model_label, points, grounds, decision, s, as_of)
    return Opinion(
        "opinion", heading=heading, sections=list(sections.values()), conclusion=conclusion, **base
    )


def build_opinions(
    store: Store,
    targets: Sequence[str] = (),
    batch_id: str | None = None,
    as_of: str | None = None,
    model: ScreeningModel | None = None,
) -> OpinionBatch:
    """Draft opinions for ``targets`` (paths or sha256 prefixes; default: every file) of a batch
    (default: the latest), judged at ``as_of`` (default: the batch's as-of date)."""
    batch = resolve_batch(store, batch_id)
    as_of = as_of or batch["as_of"]
    files = judged_files(store, batch, as_of, model)
    by_sha = {f["sha256"]: f for f in files if f["sha256"]}
    chosen = files
    if targets:
        chosen = []
        for target in targets:
            sha = ledger.resolve_document(store, target)
            if sha not in by_sha:
                raise UsageError(
                    f"文件 {target} 不在批次 {batch['id']} 中。请用 --batch 指定它所在的批次，"
                    "或先用 screening screen 审查它。"
                )
            if by_sha[sha] not in chosen:
                chosen.append(by_sha[sha])
    decisions = ledger.current_decisions(store)
    titles = {
        f["sha256"]: (f["metadata"] or {}).get("title") or Path(f["path"]).name
        for f in files
        if f["sha256"]
    }
    opinions = [
        build_opinion(f, batch, as_of, decisions.get(f["sha256"] or ""), titles) for f in chosen
    ]
    return OpinionBatch(batch, as_of, opinions)


__all__ = [
    "Conclusion",
    "Opinion",
    "OpinionBatch",
    "Point",
    "Section",
    "build_opinion",
    "build_opinions",
    "decision_text",
]
