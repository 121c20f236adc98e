"""Legal evidence on the genre: the facts the law uses to tell a 规范性文件 from other files.

国办发〔2018〕37号 defines an administrative normative document by what it is — issued and
published by an organ within its authority, binding on an open class of outside parties, and
repeatedly applicable — and requires every one to be registered, numbered and issued in one
uniform way (统一登记、统一编号、统一印发). A text-level tool can read a handful of these facts:
the issuer's registration number, a validity and a 施行 clause, article form, whom the duties bind,
and the genres the local rules list as not normative (minutes, plans, reports, standards,
forwarding, a reply to one party …). Each :class:`Fact` found carries the span that shows it and
a weight: its log-odds for "normative in kind". The model adds the weights of the facts found to
its (bounded) text score, so that the legal facts decide what they can and the words decide only
what they leave open (docs/decision-policy.md). Pure functions over a parsed
:class:`~screening.law.structure.Structure` and its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .metadata import same_organ
from .prefilter import Prefiltered
from .structure import Span, Structure, series_prefix

_37 = "国办发〔2018〕37号"


@dataclass(frozen=True)
class FactKind:
    """A kind of legal fact: what it is called, what it rests on, its default weight, and the
    group of facts it shares one weight with (the largest in the group counts)."""

    key: str
    title: str
    basis: str
    weight: float
    group: str | None = None


_KINDS = [
    FactKind(
        "registered",
        "规范性文件统一编号（规字号或登记号）",
        f"{_37}：规范性文件统一登记、统一编号、统一印发；编号是制定机关自己认定其为规范性文件",
        3.5,
    ),
    FactKind(
        "continues_rule",
        "延长、修改或废止规范性文件的通知",
        f"{_37}：规范性文件的延长有效期、修改和废止，由制定机关按规范性文件程序作出并公布",
        3.0,
    ),
    FactKind(
        "validity_clause",
        "载明本文件有效期",
        "地方行政规范性文件管理规定：规范性文件应当载明有效期",
        1.0,
    ),
    # -- the form of a rule: one piece of evidence however many of its marks a file shows (an
    # internal management rule has articles, a 施行 clause and a scope clause too)
    FactKind("effect_clause", "载明施行日期", f"{_37}：规范性文件应当载明施行日期", 0.25, "form"),
    FactKind(
        "article_form",
        "条款式规则（分条或分章）",
        "规范性文件多以条款设定普遍适用的规则",
        0.5,
        "form",
    ),
    FactKind(
        "rule_genre",
        "文种为办法、规定、细则等规则性文种",
        "规则性文种（办法、规定、细则）",
        0.5,
        "form",
    ),
    FactKind("scope_clause", "载明适用范围或解释机关", "适用范围条款、解释权条款", 0.5, "form"),
    FactKind(
        "binds_public",
        "对不特定的公民、法人或其他组织设定权利义务",
        f"{_37}：涉及公民、法人和其他组织权利义务，具有普遍约束力",
        0.75,
    ),
    FactKind(
        "unregistered",
        "同一机关另有规范性文件编号序列，本文件未编入",
        f"{_37}：规范性文件统一编号；制定机关以普通文号印发，表明其未作为规范性文件登记",
        -1.5,
    ),
    FactKind(
        "one_party",
        "针对特定对象（批复、复函或特定单位）",
        "针对特定对象作出的批复、函件等不属于规范性文件",
        -3.5,
    ),
    FactKind(
        "non_normative_genre",
        "文种属于不作为规范性文件管理的类别",
        "会议纪要、工作方案、计划、要点、总结、请示、报告、通报、名单、表彰、任免、应急预案、规划等不属于规范性文件",
        -3.0,
    ),
    FactKind(
        "technical",
        "技术标准、规程或导则",
        "技术标准、技术规范和导则不属于行政规范性文件",
        -3.5,
    ),
    FactKind(
        "forwarding",
        "转发或批转其他机关的文件",
        "照抄照转上级或其他机关文件、未作新规定的，不属于规范性文件",
        -1.0,
    ),
    FactKind(
        "implementing",
        "贯彻落实上级文件的工作部署",
        "部署贯彻落实上级文件的工作性通知不属于规范性文件",
        -1.0,
    ),
    FactKind(
        "internal",
        "只对本机关、下级机关或所属单位作出工作安排",
        "内部管理制度、对下级机关的工作安排不具有外部效力",
        -1.0,
    ),
    FactKind(
        "own_affairs",
        "规范本机关自身的投资项目、资金、资产或所属企业",
        "规范政府自身投资项目、财政资金内部管理、所属企业或机关事务的制度属于内部管理制度",
        -1.5,
    ),
    FactKind(
        "coordination_body",
        "议事协调机构或临时机构发文",
        f"{_37}：议事协调机构、临时机构等不得制发规范性文件",
        -1.5,
    ),
    FactKind(
        "one_off",
        "一次性工作安排（开展、启用、下放、公布名单等）",
        "一次性、阶段性事项的安排不具有反复适用性",
        -1.5,
    ),
]
#: Every kind of fact by key, in the order they are shown.
KINDS: dict[str, FactKind] = {kind.key: kind for kind in _KINDS}
#: The weights a model uses unless its file says otherwise.
DEFAULT_WEIGHTS: dict[str, float] = {kind.key: kind.weight for kind in _KINDS}


@dataclass(frozen=True)
class Fact:
    """One legal fact found in a document: its kind, the span that shows it, what was seen."""

    key: str
    span: Span | None
    detail: str

    @property
    def kind(self) -> FactKind:
        return KINDS[self.key]

    def to_dict(self, weights: dict[str, float] | None = None) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.kind.title,
            "basis": self.kind.basis,
            "weight": (weights or DEFAULT_WEIGHTS).get(self.key, 0.0),
            "span": list(self.span) if self.span else None,
            "detail": self.detail,
        }


# -- patterns

#: A registration code: the issuer's letters (ZJSP01, HNPR, SDPR, CYQ-GF), the year, a serial.
_CODE = (
    r"[A-Z]{2,8}\d{0,4}(?:[-－—–][A-Z]{1,6}\d{0,4})?[ \t]*[-－—–]{1,2}[ \t]*(?:19|20)\d{2}"
    r"[ \t]*[-－—–]{1,2}[ \t]*\d{2,7}"
)
_REGISTRATION = Prefiltered(
    r"(?:登记号|登记编号|备案号|统一编号|规范性文件编号|文件登记号)\s*[:：]\s*"
    rf"(?P<code>{_CODE})",
    ("登记号", "登记编号", "备案号", "统一编号", "文件编号"),
)
#: The same code printed without a label on a line of its own at the head of the file, as
#: provinces print their unified number (ZJSP01-2023-0002 above the masthead, HNPR—2021—01001
#: under the 文号). Within the first characters only: a code deeper in is a cited one.
_REGISTRATION_LINE = re.compile(rf"(?m)^[ \t　]*[（(]?(?P<code>{_CODE})[）)]?[ \t　]*$")
_HEAD = 400
_CONTINUES = Prefiltered(
    r"关于(?:延长|延续|继续施行|继续执行)[^。]{0,80}?有效期|有效期延长至|继续有效期至", ("有效期",)
)
_AMENDS = re.compile(r"^[^《]{0,40}关于(?:修改|废止|宣布失效|停止执行)[^《]{0,12}《")
_OWN_AFFAIRS = re.compile(
    r"政府(?:性)?投资项目|财政投资项目|政府投资|区管企业|区属企业|市属企业|镇属企业|所属企业|国有企业|"
    r"科研项目管理|财政专项|专项项目编码|机关[^《》]{0,8}(?:管理|制度)|内部[^《》]{0,8}(?:管理|控制|审计|制度)"
)
_NON_NORMATIVE_GENRE = re.compile(
    r"(?:会议纪要|纪要|工作方案|实施方案|行动方案|活动方案|推进方案|工作计划|行动计划|工作要点|工作总结|总结|"
    r"请示|工作报告|报告|通报|名单|名录|任免|表彰|表扬|应急预案|预案|规划|讲话|工作安排|工作任务|任务分工|"
    r"责任分工|(?:办事|办理|服务|操作|申报|申请|工作)指南|操作手册|操作规程)"
    r"(?:（[^（）]{0,12}）)?$"
)
_RULE_GENRE = re.compile(
    r"(?:办法|规定|细则|规则|实施意见|若干措施|若干意见|管理制度|标准化管理规定)(?:（[^（）]{0,12}）)?$"
)
_TECHNICAL_TITLE = re.compile(
    r"(?:技术标准|技术规程|技术规范|技术规定|技术导则|技术指南|设计标准|设计规范|验收标准|施工规范|导则|"
    r"编制规定|计价规则|定额|评价标准|工法)(?:（[^（）]{0,12}）)?$"
)
_TECHNICAL_TEXT = Prefiltered(
    r"批准(?:《[^《》]{1,60}》)?(?:为|作为)[^。，；]{0,20}?(?:工程建设规范|地方标准|工程建设标准|标准化指导性技术文件)"
    r"|统一编号为\s*(?:DG|DB|DGJ|DBJ)",
    ("批准", "统一编号为"),
)
_FORWARDING = re.compile(r"(?:转发|批转)")
_IMPLEMENTING = re.compile(r"关于(?:贯彻落实|贯彻执行|贯彻实施|认真贯彻)")
_ONE_OFF = re.compile(
    r"关于(?:召开|举办|启用|上线|升级|公布[^。]{0,30}?名单|印发[^《]{0,4}《[^》]*名单|下放|授权|"
    r"开展[^。]{0,30}?(?:专项|检查|评选|认定|申报|调查|普查|排查|整治|活动|试点|培训|竞赛))"
    r"|(?:下放|授权)[^。]{0,20}?(?:审批|许可)?(?:权限|事项)"
)
_COORDINATION = re.compile(
    r"(?:领导小组|指挥部|工作专班|联席会议|协调小组|工作小组|安全生产委员会|安委会|议事协调|"
    r"爱国卫生运动委员会|绿化委员会|防汛防旱指挥部)(?:办公室)?$"
)
_ONE_PARTY = Prefiltered(
    r"你(?:单位|公司|局|委|办|院|校|厅|行|处|们单位|县|区|镇|街道)|特此批复|此复",
    ("你", "此复", "特此批复"),
)
_REPLY_TITLE = re.compile(r"(?:批复|复函|答复|的函)$")
_PUBLIC_SUBJECT = re.compile(
    r"(?:单位和个人|任何单位|任何个人|公民|法人|其他组织|企业|经营者|经营单位|业主|居民|市民|村民|申请人|"
    r"当事人|申请对象|个人|商户|从业人员|用人单位|建设单位|施工单位|监理单位|设计单位|勘察单位|开发企业|"
    r"物业服务企业|房屋(?:所有|使用)权?人|承租人|出租人|车主|驾驶人|投标人|供应商|生产经营单位|"
    r"举报人|报考人员|持证人|权利人|受让人|使用权人|运营单位|产权人|"
    # -- (?:申请|…)?家庭 spelled out: every branch starting with a character lets the regex
    # engine skip to the positions where one can start (3 times faster on real texts)
    r"申请家庭|困难家庭|居民家庭|城镇家庭|农村家庭|家庭|"
    r"住户|农户|村民|群众|老年人|残疾人|学生|患者|游客|驾驶员|车辆所有人)"
)
#: A public subject opens a duty sentence within this many characters, and is at most this long.
_SUBJECT_REACH, _LONGEST_SUBJECT = 40, 8
_CLAUSE = re.compile(r"[^。；;\n]{4,200}")
_DUTY_OR_RIGHT = re.compile(r"应当|应|须|必须|不得|禁止|可以|可|享受|给予|予以|申请|按照|符合")
_AGENCY_SUBJECT = re.compile(
    r"^[^，,。]{0,16}?(?:部门|机关|政府|办事处|工作人员|局|委|办|中心|各区|各镇|各街道|各单位|财政)"
    r"[^，,]{0,4}?(?:要|应当|应|须|必须|负责)"
)
_INTERNAL_ADDRESSEE = re.compile(
    r"机关|局属|委属|直属|下属|所属|科室|处室|内设|各部门|各单位|各委|办|局$|委$|区政府|镇政府|人民政府|"
    r"街道办事处|管委会|派出机构|执法(?:总队|大队|支队)|中心$|企业$|集团$|公司$|各镇|各街道|各区|各县|各乡|"
    r"各村|居委|村（居）|事业单位"
)
_OPEN_ADDRESSEE = re.compile(
    r"各有关单位|有关单位|相关单位|各相关单位|社会各界|各(?:类)?企业|各.{0,8}(?:企业|机构|协会|学校|医院)"
)
_SCOPE = Prefiltered(
    r"本(?:办法|规定|细则|规则|实施办法|实施细则)(?:适用于|所称)|适用本(?:办法|规定|细则|规则)",
    ("适用", "所称"),
)


def _title_core(title: str) -> str:
    """The title without a trailing 文号 or bracket, the name a 关于印发《…》的通知 wraps
    standing in for the wrapper."""
    title = re.sub(r"\s+", "", title)
    title = re.sub(r"[（(][^（）()]*号[）)]$", "", title)
    wrapped = re.search(r"(?:印发|发布|公布|颁发|修订印发|转发|批转)[^《]{0,8}《([^》]+)》", title)
    if wrapped:
        return wrapped.group(1)
    title = re.sub(r"的(?:通知|决定|公告|通告)$", "", title)
    return title


def _span_of(text: str, needle: str | None) -> Span | None:
    if not needle:
        return None
    pos = text.find(needle)
    return (pos, pos + len(needle)) if pos >= 0 else None


def _public_duty_sentences(text: str) -> list[Span]:
    """Sentences that give an outside party a duty or a right (企业应当…, 申请人可以…)."""
    found = []
    for match in _CLAUSE.finditer(text):
        sentence = match.group(0)
        # -- a subject counts only near the start: none is looked for further in
        subject = _PUBLIC_SUBJECT.search(sentence, 0, _SUBJECT_REACH + _LONGEST_SUBJECT)
        if subject is None or subject.start() > _SUBJECT_REACH:
            continue
        if not _DUTY_OR_RIGHT.search(sentence, subject.end()):
            continue
        if _AGENCY_SUBJECT.search(sentence[: subject.start() + 1]):
            continue
        found.append((match.start(), match.end()))
    return found


def legal_facts(structure: Structure, text: str) -> list[Fact]:
    """The facts of :data:`KINDS` found in one document, each with its span."""
    s = structure
    facts: list[Fact] = []
    title = s.title or ""
    core = _title_core(title)

    # -- registration: the issuer's own statement that this is a normative document
    if s.doc_number is not None and s.doc_number.normative_series:
        facts.append(
            Fact("registered", s.doc_number.span, f"文号“{s.doc_number.raw}”属规范性文件编号序列")
        )
    else:
        reg = _REGISTRATION.search(text[:3000]) or _REGISTRATION_LINE.search(text[:_HEAD])
        if reg:
            facts.append(
                Fact(
                    "registered", (reg.start(), reg.end()), f"载明规范性文件登记编号“{reg['code']}”"
                )
            )

    continues = _CONTINUES.search(title) or _CONTINUES.search(text[:1500])
    if continues:
        span = s.title_span if _CONTINUES.search(title) else (continues.start(), continues.end())
        facts.append(Fact("continues_rule", span, "文件延长另一规范性文件的有效期"))
    elif _AMENDS.search(title):
        facts.append(Fact("continues_rule", s.title_span, "文件修改或废止另一规范性文件"))

    if s.valid_until is not None or s.validity_years is not None:
        facts.append(Fact("validity_clause", s.validity_span, "载明本文件的有效期"))
    if s.effective_span is not None:
        facts.append(Fact("effect_clause", s.effective_span, "载明本文件的施行日期"))
    if s.articles >= 5 or s.chapters >= 2:
        facts.append(
            Fact(
                "article_form",
                None,
                f"分{s.articles}条" + (f"、{s.chapters}章" if s.chapters else ""),
            )
        )
    genre = _RULE_GENRE.search(core)
    if genre:
        facts.append(Fact("rule_genre", s.title_span, f"文种：{genre.group(0)}"))
    scope = _SCOPE.search(text)
    if scope or s.interpretation_span is not None:
        span = (scope.start(), scope.end()) if scope else s.interpretation_span
        facts.append(Fact("scope_clause", span, "载明适用范围或解释机关"))

    own = _OWN_AFFAIRS.search(core)
    duties = _public_duty_sentences(text)
    # -- in rules for the government's own projects, the outside parties bound are its
    # contractors (代建、监理、施工单位), bound by contract: no duty on the public
    binds_public = len(duties) >= 3 and own is None
    if binds_public:
        facts.append(
            Fact("binds_public", duties[0], f"{len(duties)}处对外部对象设定权利义务的表述")
        )

    # -- against
    hit = _ONE_PARTY.search(text)
    if hit or _REPLY_TITLE.search(re.sub(r"[（(][^（）()]*[）)]$", "", title)):
        span = (hit.start(), hit.end()) if hit else s.title_span
        facts.append(Fact("one_party", span, "针对特定对象作出（批复、复函或“你单位”）"))
    if _NON_NORMATIVE_GENRE.search(core):
        facts.append(
            Fact(
                "non_normative_genre",
                s.title_span,
                f"文种：{_NON_NORMATIVE_GENRE.search(core).group(0)}",
            )
        )  # type: ignore[union-attr]
    technical = _TECHNICAL_TEXT.search(text[:3000])
    if _TECHNICAL_TITLE.search(core) or technical:
        span = (technical.start(), technical.end()) if technical else s.title_span
        facts.append(Fact("technical", span, "技术标准、规程或导则"))
    if _FORWARDING.search(title) and not s.promulgates:
        facts.append(Fact("forwarding", s.title_span, "转发或批转其他机关的文件"))
    if _IMPLEMENTING.search(title):
        facts.append(Fact("implementing", s.title_span, "部署贯彻落实上级文件"))
    one_off = _ONE_OFF.search(title)
    if one_off:
        facts.append(Fact("one_off", s.title_span, f"一次性工作安排：{one_off.group(0)}"))
    if (
        s.addressees
        and not binds_public
        and all(_INTERNAL_ADDRESSEE.search(a) for a in s.addressees)
        and not any(_OPEN_ADDRESSEE.search(a) for a in s.addressees)
    ):
        facts.append(Fact("internal", s.addressee_span, "主送对象均为本机关、下级机关或所属单位"))
    if own:
        facts.append(Fact("own_affairs", s.title_span, f"规范的事项：{own.group(0)}"))
    for issuer in s.issuers:
        if _COORDINATION.search(issuer):
            facts.append(Fact("coordination_body", _span_of(text, issuer), f"发文机关：{issuer}"))
            break
    return facts


def facts_logit(facts: list[Fact], weights: dict[str, float]) -> float:
    """The summed weights of ``facts``: each kind counted once, and of the kinds that share a
    group only the one with the largest weight."""
    total = 0.0
    groups: dict[str, float] = {}
    for key in {f.key for f in facts}:
        weight = weights.get(key, 0.0)
        group = KINDS[key].group if key in KINDS else None
        if group is None:
            total += weight
        else:
            groups[group] = max(groups.get(group, weight), weight)
    return total + sum(groups.values())


def registration_practice(batch: list[tuple[str, Structure]]) -> dict[str, list[Fact]]:
    """``unregistered`` facts, by document key: where the batch shows an issuer numbering its
    normative documents in a 规 series (its own files' numbers or the numbers they cite), an
    ordinary 文号 of the same issuer code from that year on says the issuer did not register the
    file as normative. An issuer whose series the batch does not show gets no such fact.

    A code is an abbreviation, and two organs may share one, so the code alone is not taken as
    the issuer where the batch says otherwise:
    - an office (府办, 政办: the code's rest after the series' issuer part starts with 办) is an
      organ of its own that numbers its own series (沪府办规 beside 沪府规);
    - where both files name their issuer and no name matches, they are two organs that share an
      abbreviation (周政 for two towns), and the one's series says nothing about the other.
    """
    first_year: dict[str, int] = {}
    organs: dict[str, list[str]] = {}  # -- the issuers that number their own files in the series
    for _, s in batch:
        numbers = ([s.doc_number] if s.doc_number else []) + list(s.cited_doc_numbers)
        for n in numbers:
            if n.normative_series:
                prefix = series_prefix(n.code)
                if len(prefix) >= 2:
                    first_year[prefix] = min(first_year.get(prefix, n.year), n.year)
        if s.doc_number is not None and s.doc_number.normative_series and s.issuers:
            organs.setdefault(series_prefix(s.doc_number.code), []).extend(s.issuers)
    facts: dict[str, list[Fact]] = {}
    for key, s in batch:
        number = s.doc_number
        if number is None or number.normative_series:
            continue
        for prefix, year in sorted(first_year.items(), key=lambda kv: -len(kv[0])):
            if not number.code.startswith(prefix) or number.year < year:
                continue
            if number.code[len(prefix) :].startswith("办"):
                continue
            known = organs.get(prefix)
            if known and s.issuers and not any(same_organ(a, b) for a in s.issuers for b in known):
                continue
            facts[key] = [
                Fact(
                    "unregistered",
                    number.span,
                    f"本批次显示“{prefix}”自{year}年起以“{prefix}规”类序列编号规范性文件，"
                    f"本文件使用普通文号“{number.raw}”",
                )
            ]
            break
    return facts
