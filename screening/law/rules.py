"""Named legal rules over a document's text: repeal signals, legality and fair-competition red flags.

Every rule has an id, a Chinese title, the legal basis it rests on, a severity and a group; every
finding carries the rule and the evidence span (character offsets into the text) with its
excerpt. A keyword alone is never a finding: each rule reads the sentence around it (negation
such as 不得收取, whether a legal basis is cited, whether the duty binds the public or only the
issuer's own staff).

:data:`RULES` lists them all (``screening rules``); :func:`analyze` runs them on one text. The
batch rule ``repeal.superseded_in_batch`` is evaluated by :mod:`screening.law.supersede`.

Article numbers in the bases follow DOMAIN.md §3–§5; check them against the official texts before
quoting them to users as authoritative.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .cnum import find_dates
from .document import Document, read_document
from .evidence import Fact
from .lawref import REPEALED, LawTable, default_table
from .prefilter import Prefiltered
from .structure import Span, Structure, add_months

REPEAL, LEGALITY, FAIR = "repeal", "legality", "fair_competition"
GROUP_NAMES = {REPEAL: "废止信号", LEGALITY: "合法性风险", FAIR: "公平竞争风险"}
HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITY_NAMES = {HIGH: "高", MEDIUM: "中", LOW: "低"}
#: scope "normative": meaningful only once the document is taken as normative.
NORMATIVE_ONLY, ANY = "normative", "any"

_37 = "《国务院办公厅关于加强行政规范性文件制定和监督管理工作的通知》（国办发〔2018〕37号）"
_783 = "《公平竞争审查条例》（国务院令第783号）"


@dataclass(frozen=True)
class Rule:
    """A named rule: what it is called, what it rests on, how serious a hit is."""

    id: str
    title: str
    group: str
    basis: str
    severity: str
    scope: str = NORMATIVE_ONLY
    batch: bool = False  # -- evaluated across a batch (screening.law.supersede), not per text

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "group": self.group,
            "group_name": GROUP_NAMES[self.group],
            "basis": self.basis,
            "severity": self.severity,
            "severity_name": SEVERITY_NAMES[self.severity],
            "scope": self.scope,
            "batch": self.batch,
        }


_RULE_LIST = [
    # -- repeal signals (DOMAIN.md §3)
    Rule(
        "repeal.validity_expired",
        "有效期已届满",
        REPEAL,
        "地方行政规范性文件管理规定：有效期届满的文件自动失效，不得作为行政管理的依据",
        HIGH,
    ),
    Rule(
        "repeal.default_period_lapsed",
        "未载明有效期且已超过默认期限",
        REPEAL,
        "地方行政规范性文件管理规定：未载明有效期的，一般满5年失效，标注暂行、试行的满2年失效（期限可配置）",
        MEDIUM,
    ),
    Rule(
        "repeal.superior_law_repealed",
        "引用的上位法已废止",
        REPEAL,
        f"{_37}：文件内容不得与法律、法规、规章相抵触；作为制定依据的上位法废止的，据以制定的文件应当清理",
        HIGH,
    ),
    Rule(
        "repeal.superior_law_amended",
        "引用的上位法在文件印发后已修改",
        REPEAL,
        "上位法修改后，据以制定的文件及其援引的条文序号应当核对",
        LOW,
    ),
    Rule(
        "repeal.superseded_in_batch",
        "已被本批次中较新的文件废止或替代",
        REPEAL,
        "新文件载明“《…》（文号）同时废止/停止执行”的，被废止文件不再有效",
        HIGH,
        batch=True,
    ),
    Rule(
        "repeal.campaign_ended",
        "阶段性或年度任务的期限已过",
        REPEAL,
        "国发〔2015〕68号等清理实践：适用期已过、工作任务已完成的文件宣布失效",
        MEDIUM,
    ),
    # -- legality red flags (DOMAIN.md §4)
    Rule(
        "legal.creates_license",
        "疑似设定行政许可",
        LEGALITY,
        "《中华人民共和国行政许可法》第十七条：其他规范性文件一律不得设定行政许可",
        HIGH,
    ),
    Rule(
        "legal.creates_penalty",
        "疑似设定行政处罚",
        LEGALITY,
        "《中华人民共和国行政处罚法》（2021年修订）第十六条：其他规范性文件不得设定行政处罚",
        HIGH,
    ),
    Rule(
        "legal.creates_coercion",
        "疑似设定行政强制措施",
        LEGALITY,
        "《中华人民共和国行政强制法》第十条第四款：其他规范性文件不得设定行政强制措施",
        HIGH,
    ),
    Rule(
        "legal.creates_fee",
        "疑似设定收费、保证金或押金",
        LEGALITY,
        f"{_37}：不得违法增加公民、法人和其他组织的义务（含无依据的收费、保证金）",
        HIGH,
    ),
    Rule(
        "legal.certification_precondition",
        "疑似要求无依据的证明材料",
        LEGALITY,
        f"{_37}：不得规定出具循环证明、重复证明、无谓证明；国办发〔2020〕42号证明事项告知承诺制",
        MEDIUM,
    ),
    Rule(
        "legal.paid_intermediary",
        "疑似将中介服务设为前置条件",
        LEGALITY,
        "《优化营商环境条例》第四十三条：没有法律、法规或者国务院决定依据的中介服务不得作为办理行政审批的条件",
        MEDIUM,
    ),
    Rule(
        "legal.cites_repealed_law",
        "条文援引的法律已废止，需修改援引",
        LEGALITY,
        f"{_37}：文件内容不得与法律、法规、规章相抵触；所援引的法律废止后，应当修改为现行有效的依据",
        MEDIUM,
    ),
    Rule(
        "legal.duty_without_basis",
        "增加义务或禁止性规定但未援引依据",
        LEGALITY,
        f"{_37}：没有法律、法规、规章依据，不得减损合法权益或者增加义务",
        MEDIUM,
    ),
    Rule(
        "legal.retroactive",
        "疑似溯及既往",
        LEGALITY,
        "《中华人民共和国立法法》第一百零四条：不溯及既往，但为更好保护权利和利益的特别规定除外",
        MEDIUM,
    ),
    Rule(
        "legal.improper_issuer",
        "制发主体不适格（议事协调机构或内设机构）",
        LEGALITY,
        f"{_37}：严禁以部门内设机构名义制发行政规范性文件；议事协调机构、临时机构不得制发",
        HIGH,
        scope=ANY,
    ),
    Rule(
        "legal.doc_number_missing",
        "缺少文号",
        LEGALITY,
        f"{_37}：行政规范性文件统一登记、统一编号、统一印发",
        LOW,
    ),
    Rule(
        "legal.doc_number_malformed",
        "文号格式不规范",
        LEGALITY,
        "GB/T 9704-2012《党政机关公文格式》第7.2.4条：年份用六角括号〔〕，顺序号不加“第”、不编虚位",
        LOW,
        scope=ANY,
    ),
    Rule(
        "legal.validity_missing",
        "未载明有效期",
        LEGALITY,
        "地方行政规范性文件管理规定：行政规范性文件应当载明有效期（一般不超过5年，暂行、试行1至2年）",
        LOW,
    ),
    # -- fair competition red flags (Decree 783, four groups)
    Rule(
        "fair.designated_supplier",
        "限定或指定经营者、商品或服务",
        FAIR,
        f"{_783}第八条（市场准入和退出）；《中华人民共和国反垄断法》第三十九条",
        HIGH,
        scope=ANY,
    ),
    Rule(
        "fair.local_establishment",
        "要求在本地注册、设立分支机构或纳税",
        FAIR,
        f"{_783}第九条（商品和要素自由流动）",
        HIGH,
        scope=ANY,
    ),
    Rule(
        "fair.local_procurement",
        "本地优先或排斥外地经营者",
        FAIR,
        f"{_783}第九条（政府采购、招标投标和商品流动）",
        HIGH,
        scope=ANY,
    ),
    Rule(
        "fair.selective_subsidy",
        "选择性补贴、奖励或税收返还",
        FAIR,
        f"{_783}第十条（影响生产经营成本）",
        HIGH,
        scope=ANY,
    ),
    Rule(
        "fair.price_setting",
        "疑似违法设定价格或收费标准",
        FAIR,
        f"{_783}第十一条（影响生产经营行为）；《中华人民共和国价格法》",
        MEDIUM,
        scope=ANY,
    ),
]  # -- fmt: skip

#: Every rule by id, in the order ``screening rules`` lists them.
RULES: dict[str, Rule] = {rule.id: rule for rule in _RULE_LIST}


@dataclass
class Finding:
    """One rule hit: the rule, the evidence span into the text and a sentence saying what was seen."""

    rule_id: str
    span: Span | None
    excerpt: str
    detail: str
    #: Set by batch rules: the key of the document whose text ``span`` points into (the newer
    #: document that repeals this one). ``None``: the span points into this document's text.
    source: str | None = None

    @property
    def rule(self) -> Rule:
        return RULES[self.rule_id]

    def to_dict(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "rule_id": self.rule_id,
            "title": rule.title,
            "group": rule.group,
            "severity": rule.severity,
            "basis": rule.basis,
            "span": list(self.span) if self.span else None,
            "excerpt": self.excerpt,
            "detail": self.detail,
            "source": self.source,
        }


@dataclass(frozen=True)
class RuleConfig:
    """Settings of the rules. Default validity periods depend on the issuer level: local
    documents without a stated validity lapse after 5 years (2 for 暂行/试行); central-department
    documents have no such default."""

    default_validity_years: dict[str, float | None] = field(
        default_factory=lambda: {"local": 5.0, "central": None, "unknown": None}
    )
    provisional_validity_years: dict[str, float | None] = field(
        default_factory=lambda: {"local": 2.0, "central": None, "unknown": None}
    )
    #: Issuer levels whose normative documents must state a validity period.
    validity_required_levels: tuple[str, ...] = ("local",)
    #: At most this many findings per rule and document (the first ones in the text).
    max_findings_per_rule: int = 5


@dataclass
class Analysis:
    """Structure and findings of one document at an as-of date."""

    structure: Structure
    findings: list[Finding]
    as_of: date
    #: The legal facts that bear on the genre (:mod:`screening.law.evidence`).
    facts: list[Fact] = field(default_factory=list)
    #: The document the analysis read (its text, identity, structure and facts).
    document: Document | None = None

    def findings_for(self, label: str | None) -> list[Finding]:
        """The findings to show for a document labelled ``label``: legality rules with
        scope "normative" only when the label is normative or repeal."""
        normative = label in ("normative", "repeal")
        return [f for f in self.findings if normative or f.rule.scope == ANY]

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "structure": self.structure.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "facts": [f.to_dict() for f in self.facts],
        }


# --  context helpers

_SENTENCE = re.compile(r"[^。；;！？!?\n]+")
#: Sentence ends other than 。 (a regex substitutes one character for one far faster than
#: str.translate does with a table).
_OTHER_ENDS = re.compile(r"[；;！？!?\n]")
_NEGATION = re.compile(
    r"(不得|不准|不予|不再|不能|不应|不需|无需|无须|严禁|禁止|免于|免收|免征|免除|免予|取消|杜绝|"
    r"防止|避免|纠正|清理|规范|查处|治理|整治|打击|不)[^。；，,]{0,8}$"
)
_BASIS = re.compile(
    r"《[^》]{2,60}》|依法|依照法律|法律、?法规(?:、规章)?(?:规定|另有规定)|"
    r"有关法律|法定|按照(?:国家|有关|上级|省|市)[^。；]{0,12}规定|由[^。；]{0,20}依[法照]"
)
_PUBLIC = re.compile(
    r"(单位和个人|任何单位|任何个人|公民|法人|其他组织|企业|经营者|经营单位|业主|居民|市民|村民|申请人|"
    r"当事人|个人|商户|从业人员|用人单位|建设单位|施工单位|物业服务|房东|承租人|出租人|车主|驾驶人|"
    r"养犬人|商家|投标人|供应商|办学|家长|学生)"
)
_AGENCY = re.compile(
    r"^[^，,]{0,16}?(部门|机关|政府|办事处|工作人员|干部|党员|局|委|办|中心|各地|各区|各单位)"
    r"[^，,]{0,4}?(要|应当|应|须|必须|不得|严禁|一律)"
)


@dataclass
class _Doc:
    text: str
    structure: Structure
    as_of: date
    config: RuleConfig
    table: LawTable

    def __post_init__(self) -> None:
        # -- Same offsets, every sentence end made a 。, which the patterns' [^。；] never cross.
        self._scan = _OTHER_ENDS.sub("。", self.text)

    def sentences_matching(
        self, pattern: re.Pattern[str], keywords: tuple[str, ...]
    ) -> Iterator[tuple[int, int, str]]:
        """The sentences (start, end, text) in which ``pattern`` matches, in text order.

        ``keywords``: words of which every match of ``pattern`` contains at least one. A match
        never crosses a sentence end (the patterns' ``[^。；]`` classes stop there), so only
        the sentences that hold one of the words are searched, each once (empty: every
        sentence).
        """
        text, scan = self.text, self._scan
        if keywords:
            starts = set()
            for word in keywords:
                pos = text.find(word)
                while pos >= 0:
                    starts.add(scan.rfind("。", 0, pos) + 1)
                    pos = text.find(word, pos + 1)
        else:
            starts = {m.start() for m in _SENTENCE.finditer(text)}
        for start in sorted(starts):
            end = scan.find("。", start)
            end = len(scan) if end < 0 else end
            # -- end + 1: lookarounds see the sentence end, as in a scan of the whole text
            if pattern.search(scan, start, end + 1):
                yield start, end, text[start:end]


def _excerpt(text: str, span: Span | None, limit: int = 160) -> str:
    if span is None:
        return ""
    piece = " ".join(text[span[0] : span[1]].split())
    return piece if len(piece) <= limit else piece[: limit - 1] + "…"


def _negated(sentence: str, pos: int) -> bool:
    if sentence[max(0, pos - 1) : pos + 1] in ("无需", "无须", "不需", "不须"):
        return True
    if sentence[max(0, pos - 1) : pos] == "乱":  # -- 查处乱收费、乱罚款: a wrong, not a power
        return True
    return bool(_NEGATION.search(sentence[:pos]))


def _has_basis(sentence: str) -> bool:
    return bool(_BASIS.search(sentence))


Checker = Callable[[_Doc], Iterator[tuple[Span | None, str]]]
_CHECKERS: dict[str, Checker] = {}


def _check(rule_id: str) -> Callable[[Checker], Checker]:
    def register(func: Checker) -> Checker:
        assert rule_id in RULES, rule_id
        _CHECKERS[rule_id] = func
        return func

    return register


def _sentence_rule(
    pattern: re.Pattern[str],
    detail: str,
    allow_basis: bool = False,
    unless: re.Pattern[str] | None = None,
    keywords: tuple[str, ...] = (),
) -> Checker:
    """A checker that flags a sentence where ``pattern`` matches without negation (不得收取,
    严禁查封), unless the sentence cites a legal basis (with ``allow_basis`` it still counts: a
    cited law does not make a local-only preference lawful) or matches ``unless`` (what the rule
    must not mistake for its subject: a tax exemption for a fee, a statutory licence restated for
    one created)."""

    def check(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
        for start, end, sentence in doc.sentences_matching(pattern, keywords):
            match = next(
                (m for m in pattern.finditer(sentence) if not _negated(sentence, m.start())), None
            )
            if match is None or (not allow_basis and _has_basis(sentence)):
                continue
            if unless is not None and unless.search(sentence):
                continue
            yield (start, end), detail.format(match=match.group(0))

    return check


# --  repeal rules


@_check("repeal.validity_expired")
def _validity_expired(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    s = doc.structure
    expiry = s.expiry()
    if expiry is not None and doc.as_of > expiry:
        yield (
            s.validity_span,
            f"文件载明的有效期至{expiry.isoformat()}，审查基准日{doc.as_of.isoformat()}已届满。",
        )


@_check("repeal.default_period_lapsed")
def _default_period(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    s = doc.structure
    if s.valid_until is not None or s.validity_years is not None or s.start_date is None:
        return
    table = (
        doc.config.provisional_validity_years
        if s.provisional
        else doc.config.default_validity_years
    )
    years = table.get(s.issuer_level)
    if years is None:
        return
    lapse = add_months(s.start_date, round(years * 12))
    if doc.as_of >= lapse:
        kind = "标注暂行/试行的" if s.provisional else ""
        span = s.effective_span or s.title_span
        yield (
            span,
            (
                f"文件未载明有效期，{kind}地方文件默认{years:g}年；自{s.start_date.isoformat()}起算，"
                f"已于{lapse.isoformat()}届满。"
            ),
        )


_CLAUSE_BREAK = re.compile(r"[。；;\n]")
_BASIS_LEAD = re.compile(r"根据|依据|依照|按照|遵照")
_BASIS_ACT = re.compile(r"制定|结合|如下|现将|现就|现对|特作|作出")


def in_basis_clause(text: str, span: Span) -> bool:
    """Whether the citation at ``span`` names the document's basis: in one sentence, a
    根据/依据… before it and a 制定/结合/…如下 after it (根据《…》，制定本办法)."""
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(text, 0, span[0])]
    start = breaks[-1] + 1 if breaks else 0
    end_match = _CLAUSE_BREAK.search(text, span[1])
    end = end_match.start() if end_match else len(text)
    return bool(_BASIS_LEAD.search(text, start, span[0])) and bool(
        _BASIS_ACT.search(text, span[1], end)
    )


def _repealed_citations(doc: _Doc, basis: bool) -> Iterator[tuple[Span | None, str]]:
    """Citations of laws repealed at the as-of date, those in the basis clause or the others."""
    seen = set()
    for cite in doc.structure.citations:
        law = doc.table.lookup(cite.name)
        if law is None or law.name in seen or law.status_on(doc.as_of) != REPEALED:
            continue
        if doc.text[max(0, cite.span[0] - 1) : cite.span[0]] == "原":
            continue  # -- 原《合同法》: the document itself notes the replacement
        if in_basis_clause(doc.text, cite.span) is not basis:
            continue
        seen.add(law.name)
        replaced = f"，已由《{law.replaced_by}》取代" if law.replaced_by else ""
        yield (
            cite.span,
            (f"引用的《{cite.name}》已于{law.repealed_on}废止{replaced}（来源：{law.source}）。"),
        )


@_check("repeal.superior_law_repealed")
def _law_repealed(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    # -- A repeal ground only when the repealed law is the document's basis (DOMAIN §3: "its
    # superior-law basis repealed"); a provision that applies it calls for revision instead.
    return _repealed_citations(doc, basis=True)


@_check("legal.cites_repealed_law")
def _cites_repealed_law(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    return _repealed_citations(doc, basis=False)


@_check("repeal.superior_law_amended")
def _law_amended(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    issued = doc.structure.issue_date
    if issued is None:
        return
    seen = set()
    for cite in doc.structure.citations:
        law = doc.table.lookup(cite.name)
        if law is None or law.name in seen or law.status_on(doc.as_of) == REPEALED:
            continue
        changes = law.amended_between(issued, doc.as_of)
        if not changes:
            continue
        seen.add(law.name)
        arts = "，并援引了具体条文，条文序号可能已变化" if cite.articles else ""
        yield (
            cite.span,
            (f"引用的《{cite.name}》在文件印发（{issued}）后于{changes[-1]}修改施行{arts}。"),
        )


_PLAN_TITLE = re.compile(
    r"(?P<y1>(?:19|20)\d{2})\s*(?:年)?\s*(?:[-—–~至到]\s*(?P<y2>(?:19|20)\d{2})\s*)?年?"
    r"[^《》]{0,40}?(?:专项行动|专项整治|攻坚行动|攻坚战|百日行动|集中行动|行动方案|行动计划|"
    r"工作方案|实施方案|活动方案|工作计划|工作要点|三年行动)"
)
_FIVE_YEAR = {"十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030}


@_check("repeal.campaign_ended")
def _campaign_ended(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    title = doc.structure.title or ""
    end_year = None
    match = _PLAN_TITLE.search(title)
    if match:
        end_year = int(match["y2"] or match["y1"])
    else:
        for name, year in _FIVE_YEAR.items():
            if name in title and re.search(r"规划|方案|计划|行动", title):
                end_year = year
    if end_year is not None and doc.as_of.year > end_year:
        yield doc.structure.title_span, f"标题所示的阶段性任务期限至{end_year}年，审查基准日已过。"
        return
    yield from _window_ended(doc)


_DATE_TEXT = r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
#: A stated window the file's benefits or duties apply in: 申请截止日期为…, 适用于…至…期间.
_WINDOW = Prefiltered(
    rf"(?:申请|申报|受理)截止(?:日期|时间)?(?:为|是|至|到)?\s*(?P<deadline>{_DATE_TEXT})"
    rf"|(?:适用于|适用期(?:限)?为?|实施期(?:限)?为?|执行期(?:限)?为?|政策期(?:限)?为?|补贴期(?:限)?为?)\s*"
    rf"(?:{_DATE_TEXT})\s*(?:至|到|—|-)\s*(?P<until>{_DATE_TEXT})",
    ("截止", "适用于", "适用期", "实施期", "执行期", "政策期", "补贴期"),
)


def _window_ended(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    """A programme whose every stated application or applicability window has closed (补贴资金
    申请截止日期为2025年1月10日), in a file that states no validity running longer."""
    s = doc.structure
    expiry = s.expiry()
    if expiry is not None and expiry >= doc.as_of:
        return
    last = None
    for match in _WINDOW.finditer(doc.text):
        found = find_dates(match.group("deadline") or match.group("until"))
        if found and (last is None or found[0][0] > last[0]):
            last = (found[0][0], (match.start(), match.end()))
    if last is not None and last[0] < doc.as_of:
        yield (
            last[1],
            f"文件载明的申请或适用期限至{last[0].isoformat()}，审查基准日已过，任务已完成。",
        )


# --  legality rules

#: Licences a statute creates: a file requiring one restates the law, it does not create a licence.
_STATUTORY_LICENCE = (
    r"施工许可|预售许可|规划许可|建设工程规划|建设用地规划|排污许可|取水许可|营业执照|"
    r"卫生许可|消防(?:设计|验收)|特种设备|道路运输经营许可|食品经营许可|资质证书"
)
#: Approvals inside the government's own projects and budgets (概算, 政府采购 …), not licences.
_OWN_APPROVAL = r"概算|预算|投资计划|财政资金|政府采购|代建|项目（法人）单位|项目法人单位|立项"
_check("legal.creates_license")(
    _sentence_rule(
        re.compile(
            r"未经[^。；，]{0,20}?(?:批准|许可|审批|核准|同意|备案)[^。；]{0,8}?不得|"
            r"(?:应当|须|必须|需)[^。；]{0,20}?(?:取得|办理|申领|申办)[^。；]{0,16}?"
            r"(?:许可证|许可|审批手续|批准文件|核准)|实行[^。；]{0,10}?(?:许可|审批)制度"
        ),
        "“{match}”：对公民、法人或其他组织设定了批准、许可类前置条件，且未援引法律、法规依据。",
        keywords=("未经", "许可", "审批", "批准", "核准"),
        unless=re.compile(
            rf"{_STATUTORY_LICENCE}|{_OWN_APPROVAL}|按照规定|按规定|依照规定|"
            # -- a private party's consent (未经本人同意) is no licence
            r"未经[^。；，]{0,10}?(?:消费者|本人|个人|信息主体|委托人|当事人|权利人|业主|所有人)[^。；，]{0,4}?(?:同意|授权)"
        ),
    )
)
_check("legal.creates_penalty")(
    _sentence_rule(
        re.compile(
            r"(?:(?<![查惩判办论])处(?![罚理置分])以?|并处|给予)[^。；、]{0,24}?(?:罚款|警告|没收|通报批评)|"
            r"没收[^。；]{0,6}(?:违法所得|非法财物)|(?<!被)(?<!或者)(?<!或)吊销[^。；]{0,10}?(?:执照|许可证)|"
            r"责令停产停业|责令关闭|行政拘留"
        ),
        "“{match}”：规定了罚款、没收、吊销等处罚，且所在条文未援引法律、法规依据。",
        keywords=("罚款", "警告", "没收", "通报批评", "吊销", "责令", "拘留"),
        # -- not a penalty on the public: a sanction on a government body or its staff, a
        # procedural clause about hearings, a colour-coded warning in project management
        unless=re.compile(
            r"(?:主管部门|行政机关|政府|机关|工作人员|执法人员|部门)[^。；，]{0,12}?(?:给予|处以?|责令)|"
            r"听证|陈述|申辩|复议|诉讼|(?:红|黄|橙|蓝)色警告|红牌|黄牌"
        ),
    )
)
_check("legal.creates_coercion")(
    _sentence_rule(
        re.compile(
            r"查封|扣押|冻结[^。；]{0,6}(?:存款|账户|资金|财产)|强制拆除|强制隔离|暂扣|强制清除"
        ),
        "“{match}”：规定了查封、扣押、冻结等行政强制措施，且所在条文未援引法律、法规依据。",
        keywords=("查封", "扣押", "冻结", "强制", "暂扣"),
        # -- not a measure the issuer takes: a state disclosed (资产被查封), a court's or the
        # police's measure that others assist with, a list of forms
        unless=re.compile(
            r"被查封|被扣押|被冻结|资产查封|披露|协助|公安机关|司法机关|人民法院|检察|附[:：]|"
            # -- a bank closing or freezing a client's account under its contract: not an
            # administrative coercive measure
            r"(?:银行|支付机构|金融机构|收单机构|机构)[^。；]{0,40}?(?:冻结|暂停|关闭)"
        ),
    )
)
_FEE = re.compile(
    r"(?:收取|缴纳|交纳|缴存|预交|预缴|收缴)[^。；，税]{0,16}?(?:费用|[^，。；税]费|保证金|押金|风险金|抵押金)"
)
_fee_sentences = _sentence_rule(
    _FEE,
    "“{match}”：要求缴纳费用、保证金或押金，且未援引收费依据。",
    keywords=("收取", "缴纳", "交纳", "缴存", "预交", "预缴", "收缴"),
    # -- a fee collected under the stated schedule, an exemption or reduction, or a cap on what
    # others may charge: no fee is created
    unless=re.compile(
        r"按照规定|按规定|规定的收费|收费标准收取|免征|免收|减免|减半|减征|降低|不超过|不得超过|"
        r"最高不得|上限|退还|返还|公共事业费|水、?电|电费|煤气费|学费|教育培训费|"
        # -- what a market party charges its customers is regulated, not a fee the issuer creates
        r"(?:银行|支付机构|收单机构|发卡机构|机构|企业|公司|经营者|物业服务|商户|承销团?成员?|"
        r"运营单位|转让行|代理行)[^。；]{0,40}?(?:收取|制定的收费)"
    ),
)
_FEE_NAME = re.compile(r"[\u4e00-\u9fff]{2,12}费")


@_check("legal.creates_fee")
def _creates_fee(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    """A fee the document requires, unless a law or rule it cites is named
    after that very fee (《某市单位生活垃圾处理费征收管理办法》 for 单位生活垃圾处理费): then it
    collects a fee that exists, and the fee's basis is that citation."""
    cited = " ".join(c.name for c in doc.structure.citations)
    for span, detail in _fee_sentences(doc):
        sentence = doc.text[span[0] : span[1]] if span else ""
        names = [m.group(0) for m in _FEE_NAME.finditer(sentence)]
        if any(name[-6:] in cited for name in names):
            continue
        yield span, detail


_check("legal.certification_precondition")(
    _sentence_rule(
        re.compile(
            r"(?:居委会|村委会|居民委员会|村民委员会|派出所|社区|所在单位|工作单位|村（居）委会)[^。；]{0,12}?"
            r"(?:出具|开具)(?!虚假)[^。；]{0,20}?证明|无犯罪记录证明|(?:开具|出具)[^。；]{0,10}?(?:无违法|无违章|品行|亲属关系)[^。；]{0,6}?证明"
        ),
        "“{match}”：要求申请人提交由其他单位出具的证明材料，未见法定依据。",
        keywords=("证明",),
    )
)
_check("legal.paid_intermediary")(
    _sentence_rule(
        re.compile(
            r"(?:委托|聘请|经)[^。；]{0,25}?(?:中介机构|第三方机构|评估机构|检测机构|会计师事务所|"
            r"咨询机构|认证机构|鉴定机构|设计单位|测绘机构)[^。；]{0,30}?"
            r"(?:出具|评估|检测|审计|鉴定|认证|测绘)[^。；]{0,30}?(?:方可|后方|作为|才能|后再)"
        ),
        "“{match}”：以第三方机构出具的报告作为办理条件，未见法律、法规或国务院决定依据。",
        keywords=("机构", "会计师事务所", "设计单位"),
    )
)

_DUTY = re.compile(r"不得|禁止|严禁|一律|必须")
_BASIS_PREAMBLE = re.compile(r"(?:根据|依据|依照|按照)[^。]{0,80}?《[^》]+》")


@_check("legal.duty_without_basis")
def _duty_without_basis(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    head = doc.text[:800]
    first_article = re.search(r"第[一1]\s*条[^\n]*", doc.text)
    if _BASIS_PREAMBLE.search(head) or (
        first_article and _BASIS_PREAMBLE.search(first_article.group(0))
    ):
        return
    for start, end, sentence in doc.sentences_matching(
        _DUTY, ("不得", "禁止", "严禁", "一律", "必须")
    ):
        match = _DUTY.search(sentence)
        if match is None or _has_basis(sentence):
            continue
        if _AGENCY.search(sentence) or not _PUBLIC.search(sentence):
            continue
        yield (
            (start, end),
            (
                f"“{match.group(0)}”：对公民、法人或其他组织规定了义务或禁止事项，文件未援引据以制定的法律、法规、规章。"
            ),
        )


_RETRO_PHRASE = re.compile(
    r"本(?:办法|规定|细则|通知|意见|决定)(?:施行|实施|印发|发布)(?:之日)?(?:以)?前[^。；]{0,40}?"
    r"(?:参照|按照|依照|适用)本(?:办法|规定|细则|通知|意见|决定)(?:执行|处理|办理)?"
)


#: A transitional clause for matters pending at 施行 (不真正溯及): not retroactivity.
_PENDING = re.compile(
    r"未完成|尚未|未办结|未结案|未办理完毕|未履行完毕|在建|正在|已受理|已申请|已立项"
)
#: Notices that extend, amend or repeal another file attach its text, 施行 clause included.
_ACTS_ON_ANOTHER = re.compile(r"关于(?:延长|延续|修改|修订|废止|宣布失效|停止执行)[^《]{0,10}《")


@_check("legal.retroactive")
def _retroactive(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    s = doc.structure
    if _ACTS_ON_ANOTHER.search(s.title or ""):
        return
    if s.effective_date and s.issue_date and s.effective_date < s.issue_date:
        yield (
            s.effective_span,
            (
                f"施行日期{s.effective_date}早于印发日期{s.issue_date}，文件溯及既往，需确认是否有利于当事人。"
            ),
        )
        return
    for start, end, sentence in doc.sentences_matching(_RETRO_PHRASE, ("前",)):
        match = _RETRO_PHRASE.search(sentence)
        if (
            match
            and "原规定" not in sentence
            and "不一致" not in sentence
            and "参照" not in match.group(0)  # -- reference application to pending matters
            and not _PENDING.search(sentence)
        ):
            yield (
                (start, end),
                f"“{match.group(0)}”：将文件适用于施行前的事项，需确认是否有利于当事人。",
            )


_IMPROPER = re.compile(
    r"(领导小组(?:办公室)?|指挥部|工作专班|联席会议(?:办公室)?|协调小组|工作小组|"
    r"(?<!办事)处$|科$|股$|(?:局|委|厅)[\u4e00-\u9fff]{1,8}(?:处|科|股|室)$)"
)


@_check("legal.improper_issuer")
def _improper_issuer(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    for issuer in doc.structure.issuers:
        match = _IMPROPER.search(issuer)
        if match:
            pos = doc.text.rfind(issuer)
            span = (pos, pos + len(issuer)) if pos >= 0 else None
            yield (
                span,
                f"发文机关“{issuer}”为议事协调机构、临时机构或内设机构，不得以自身名义制发行政规范性文件。",
            )


@_check("legal.doc_number_missing")
def _doc_number_missing(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    if doc.structure.doc_number is None:
        yield doc.structure.title_span, "未找到文件的文号。"


@_check("legal.doc_number_malformed")
def _doc_number_malformed(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    number = doc.structure.doc_number
    if number is not None and number.defects:
        yield number.span, f"文号“{number.raw}”：{'；'.join(number.defects)}。"


@_check("legal.validity_missing")
def _validity_missing(doc: _Doc) -> Iterator[tuple[Span | None, str]]:
    s = doc.structure
    if s.issuer_level not in doc.config.validity_required_levels:
        return
    if _ACTS_ON_ANOTHER.search(s.title or ""):
        return  # -- an amending or repealing notice takes no validity of its own
    if s.valid_until is None and s.validity_years is None:
        yield s.effective_span or s.title_span, "文件未载明有效期。"


#  fair-competition rules

_LOCAL = r"(?:本地|本市|本区|本县|本镇|本乡|本街道|当地|辖区内?|本省)"
_check("fair.designated_supplier")(
    _sentence_rule(
        re.compile(
            r"(?:(?:政府|部门|机关|局|委|办|街道|镇|乡|管委会|中心|主管|采购人|招标人)(?:统一)?指定|限定|"
            r"(?:只能|仅限于?)(?:使用|购买|选用|采购|委托|接受))[^。；]{0,20}?"
            r"(?:企业|公司|厂家|品牌|产品|商品|服务机构|经营者|供应商|检测机构|服务商)"
        ),
        "“{match}”：限定或指定了经营者、商品或服务。",
        keywords=("指定", "限定", "只能", "仅限"),
        allow_basis=True,
    )
)
_check("fair.local_establishment")(
    _sentence_rule(
        re.compile(
            rf"(?:须|应当|必须|需|要求|方可|限于|仅限)[^。；]{{0,12}}?在{_LOCAL}[^。；，]{{0,8}}?"
            rf"(?:注册|设立|设有|登记|纳税|缴纳税款)|"
            rf"{_LOCAL}(?:注册|登记|设立|纳税)的[^。；，]{{0,10}}?(?:企业|公司|经营者)(?:方可|才能|优先)"
        ),
        "“{match}”：以在本地注册、设立分支机构或纳税为条件。",
        keywords=("注册", "设立", "设有", "登记", "纳税"),
        allow_basis=True,
    )
)
_check("fair.local_procurement")(
    _sentence_rule(
        re.compile(
            rf"{_LOCAL}[^。；，]{{0,8}}?(?:企业|产品|商品|供应商|经营者|品牌)[^。；，]{{0,6}}?优先|"
            rf"优先(?:采购|选用|使用|购买|选择)[^。；，]{{0,10}}?{_LOCAL}|"
            r"(?:排斥|限制|拒绝)(?:外地|非本地|外省|外市)"
        ),
        "“{match}”：在采购、招标或商品流动中给予本地经营者优先或排斥外地经营者。",
        keywords=("优先", "排斥", "限制", "拒绝"),
        allow_basis=True,
    )
)
_check("fair.selective_subsidy")(
    _sentence_rule(
        re.compile(
            r"税收返还|财政返还|先征后返|(?:按|按照|根据|以)[^。；]{0,10}?(?:纳税额|税收贡献|地方财政贡献|"
            r"地方留成|实缴税款|缴纳的税款)[^。；]{0,20}?(?:奖励|补助|补贴|返还|扶持)"
        ),
        "“{match}”：按纳税额或财政贡献给予特定经营者奖励、补贴或税收返还。",
        keywords=(
            "返还",
            "先征后返",
            "纳税额",
            "税收贡献",
            "财政贡献",
            "地方留成",
            "实缴税款",
            "缴纳的税款",
        ),
        allow_basis=True,
    )
)
_check("fair.price_setting")(
    _sentence_rule(
        re.compile(
            r"(?:统一|最低|最高)(?:收费|价格|定价|售价|零售价)(?:标准)?[^。；]{0,10}?(?:为|不得低于|不得高于)?[^。；]{0,8}?\d+(?:\.\d+)?元|"
            r"(?:收费|价格|售价)标准(?:统一)?为[^。；]{0,8}?\d+(?:\.\d+)?元"
        ),
        "“{match}”：直接规定了价格或收费标准，需核对定价权限。",
        keywords=("元",),
    )
)


# --  entry point


def run_rules(
    text: str,
    structure: Structure,
    as_of: date,
    config: RuleConfig | None = None,
    table: LawTable | None = None,
) -> list[Finding]:
    """Run every per-text rule on an already parsed document."""
    doc = _Doc(text, structure, as_of, config or RuleConfig(), table or default_table())
    findings = []
    for rule_id, check in _CHECKERS.items():
        for n, (span, detail) in enumerate(check(doc)):
            if n >= doc.config.max_findings_per_rule:
                break
            findings.append(Finding(rule_id, span, _excerpt(text, span), detail))
    return findings


def analyze(
    text: str | Document,
    as_of: date | None = None,
    config: RuleConfig | None = None,
    hints: Any = None,
    table: LawTable | None = None,
) -> Analysis:
    """Structure and findings of one document at ``as_of`` (default: today).

    Parameters
    ----------
    text:
        The extracted text (finding spans are offsets into it), or the :class:`Document`
        already read from it (not read again).
    as_of:
        The screening date: validity and law status are judged on this day.
    config:
        Rule settings (default validity periods per issuer level …).
    hints:
        :class:`screening.law.metadata.Metadata` known from elsewhere, passed to
        :func:`screening.law.structure.parse_structure`.
    table:
        The superior-law status table (default: the shipped one).
    """
    as_of = as_of or date.today()
    document = text if isinstance(text, Document) else read_document(text, hints)
    return Analysis(
        document.structure,
        run_rules(document.text, document.structure, as_of, config, table),
        as_of,
        document.facts,
        document,
    )


def make_finding(
    rule_id: str, span: Span | None, excerpt: str, detail: str, source: str | None = None
) -> Finding:
    """A finding for ``rule_id`` built outside this module (batch rules)."""
    if rule_id not in RULES:
        raise KeyError(rule_id)
    return Finding(rule_id, span, _excerpt(excerpt, (0, len(excerpt))), detail, source)


assert set(_CHECKERS) == {r.id for r in _RULE_LIST if not r.batch}, "every rule needs a checker"
