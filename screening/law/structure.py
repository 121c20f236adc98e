"""The structure of a government document read from its text: the parts a legal advisor looks at.

Title, 文号 (with its GB/T 9704-2012 format defects), issuers, addressees, issue / effective /
validity dates, chapters and articles, the interpretation clause, attachments, cited laws and
documents, and supersession clauses ("《…》（文号）同时废止"). Every part found carries its span:
``(start, end)`` character offsets into the text it was read from, so that a finding built on it
can show the exact clause.

Pure functions over text; :func:`parse_structure` is the entry point.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, timedelta
from typing import Any

from .cnum import CN_NUMBER, to_int
from .metadata import (
    DOC_NUMBER,
    MASKED_DOC_NUMBER,
    Metadata,
    find_date,
    find_doc_number,
    find_issuer,
    find_title,
    split_issuers,
)
from .prefilter import Prefiltered

Span = tuple[int, int]

_NUM = rf"[0-9０-９{CN_NUMBER}]"
#: 文号 brackets GB/T 9704-2012 §7.2.4 allows: the hexagonal 〔〕 only.
_GOOD_OPEN, _GOOD_CLOSE = "〔", "〕"
_BRACKETS = str.maketrans("[［(（【]］)）】", "〔〔〔〔〔〕〕〕〕〕")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_DOC_NUMBER_PARTS = re.compile(
    r"^(?P<code>.*?)\s*(?P<open>[〔\[［(（【])\s*(?P<year>\d{4})\s*(?P<close>[〕\]］)）】])"
    r"\s*(?P<di>第?)\s*(?P<num>\d+)\s*号$"
)

#: Issuers that are central organs: their documents get no default validity period.
_CENTRAL_PREFIX = re.compile(
    r"^(国务院|中共中央|全国人民代表大会|最高人民(法院|检察院)|中华人民共和国|国家(?!.*[省市县]级)|"
    r"中国人民银行(?!.*(分行|支行|营业管理部|上海总部))|中国(银行业|证券|银行保险)监督管理委员会|"
    r"(外交|国防|教育|科学技术|工业和信息化|公安|民政|司法|财政|人力资源和社会保障|自然资源|"
    r"生态环境|住房和城乡建设|交通运输|水利|农业农村|商务|文化和旅游|应急管理|退役军人事务)部)"
)
_LOCAL_MARK = re.compile(
    r"(省|自治区|市(?!场)|自治州|地区|盟|县|(?<!地)区(?!域)|旗|镇|(?<!城)乡(?!村)|街道|分行|支行)"
)
_CENTRAL_SUFFIX = re.compile(r"(部|总局|总署|署|国务院|办公厅)$")
#: Short names central organs sign joint documents with (发展改革委 for 国家发展和改革委员会).
_CENTRAL_SHORT = re.compile(
    r"^(?:中央|国家|国务院)?(?:发展改革委|证监会|银监会|保监会|银保监会|金融监管总局|外汇局|工商总局|"
    r"税务总局|法制办|网信办|国资委|卫生健康委|卫健委|市场监管总局|知识产权局|能源局|林草局|药监局|"
    r"统计局|医保局|人民银行|中国人民武装警察部队)(?:办公厅|办公室)?$"
)

# A date as DATE_PATTERN, but a PDF line break may fall inside a number (2024年12月3\n1日).
_WRAPPED_DATE = re.compile(
    rf"({_NUM}(?:\n?{_NUM}){{3}})\s*年\s*({_NUM}(?:\n?{_NUM}){{0,2}})\s*月\s*"
    rf"({_NUM}(?:\n?{_NUM}){{0,2}})\s*日"
)


def _wrapped_date(text: str) -> date | None:
    """The first date in ``text``, read through line breaks inside its numbers."""
    match = _WRAPPED_DATE.search(text)
    if match is None:
        return None
    parts = [to_int(g.replace("\n", "")) for g in match.groups()]
    if None in parts:
        return None
    try:
        return date(*parts)  # type: ignore[arg-type]
    except ValueError:
        return None


_EFFECTIVE = re.compile(
    rf"自\s*(?:(?P<date>{_WRAPPED_DATE.pattern})|(?P<rel>印发|发布|公布|发文|签发|颁布)之?日)\s*"
    rf"(?:起\s*(?P<after>{_NUM}{{1,3}})\s*日后|起|之日起|后)?\s*(?:施行|执行|实施|生效|试行)"
)
_VALID_UNTIL = Prefiltered(
    rf"(?:有效期|执行期|实施期|试行期)(?:限)?[^。；\n]{{0,30}}?(?:至|到|截至|止于)\s*"
    rf"(?P<date>{_WRAPPED_DATE.pattern})",
    ("有效期", "执行期", "实施期", "试行期"),
)
_VALID_FOR = re.compile(
    rf"(?:有效期|试行期|试行|执行期|实施期)(?:限)?\s*(?:为|是|暂定为?|：|:)?\s*"
    rf"(?:(?P<n>{_NUM}{{1,3}})\s*(?P<unit>年|个月)(?P<half>半)?|(?P<half_year>半年))"
)
_PROVISIONAL = re.compile(r"暂行|试行")
_ARTICLE = re.compile(rf"(?m)^[ \t\u3000]*第\s*({_NUM}{{1,5}})\s*条")
_CHAPTER = Prefiltered(rf"(?m)^[ \t\u3000]*第\s*({_NUM}{{1,3}})\s*章", ("章",))
_INTERPRET = Prefiltered(r"由\s*([^。；，\n]{2,40}?)\s*负责(?:具体)?解释", ("解释",))
_ATTACHMENT = Prefiltered(
    r"(?m)^[ \t\u3000]*附件\s*[0-9０-９一二三四五六七八九十]*\s*[:：]?\s*(.*)$", ("附件",)
)
_BOOK = re.compile(r"《([^《》\n]{2,80})》")
_ARTICLE_REF = re.compile(
    rf"(?:\s*(?:第\s*{_NUM}{{1,5}}\s*[条款项])+(?:\s*[、和及至]\s*(?:第\s*{_NUM}{{1,5}}\s*[条款项])+)*)"
)
_ARTICLE_NUM = re.compile(rf"第\s*({_NUM}{{1,5}})\s*条")
#: (?:同时|予以|即行|一并)?(?:废止|…) spelled out, in the same order: every branch starts with a
#: character, so the regex engine skips to where one can start.
_SUPERSEDE_VERB = re.compile(
    "(?P<verb>"
    + "|".join(
        prefix + verb
        for prefix in ("同时", "予以", "即行", "一并", "")
        for verb in ("废止", "失效", "停止执行", "不再执行")
    )
    + ")"
)
_SENTENCE_END = re.compile(r"[。；;！？\n]")
_ADDRESSEE_LINE = re.compile(r"^([^：:\n]{2,120})[：:]\s*$", re.M)
_SPECIFIC_ADDRESSEE = re.compile(r"你(?:单位|公司|局|委|办|院|校|厅|行|处|们单位)|特此批复|此复")


@dataclass
class DocNumber:
    """A 文号 as written, with its parts and the format defects it shows."""

    raw: str
    code: str
    year: int
    number: int
    span: Span | None = None
    defects: list[str] = field(default_factory=list)

    @property
    def normative_series(self) -> bool:
        """Whether the code is the issuer's normative series (浙政办规〔2021〕3号, 沪住建规范〔2020〕8号,
        杨应急行规〔2026〕1号): see :func:`is_normative_series`."""
        return is_normative_series(self.code)

    @property
    def key(self) -> str:
        """Canonical form used to match citations: 〔〕 brackets, no 第, no leading zeros."""
        return f"{self.code}〔{self.year}〕{self.number}号"


@dataclass
class Citation:
    """A 《…》 name in the text with the article numbers cited right after it."""

    name: str
    span: Span
    articles: list[int] = field(default_factory=list)


@dataclass
class Supersession:
    """A clause that repeals or stops other documents: what it names and where."""

    span: Span
    verb: str
    clause: str
    titles: list[str] = field(default_factory=list)
    doc_numbers: list[DocNumber] = field(default_factory=list)


@dataclass
class Extension:
    """A clause that extends the validity of other documents (《…》（文号）有效期延长至…)."""

    span: Span
    until: date
    clause: str
    titles: list[str] = field(default_factory=list)
    doc_numbers: list[DocNumber] = field(default_factory=list)


@dataclass
class Structure:
    """What a legal reading of the text finds. Dates are ``None`` when the text does not say."""

    title: str | None = None
    title_span: Span | None = None
    doc_number: DocNumber | None = None
    issuers: list[str] = field(default_factory=list)
    issuer_level: str = "unknown"  # "central" | "local" | "unknown"
    addressees: list[str] = field(default_factory=list)
    addressee_span: Span | None = None
    specific_addressee: bool = False
    issue_date: date | None = None
    effective_date: date | None = None
    effective_span: Span | None = None
    valid_until: date | None = None
    validity_years: float | None = None
    validity_span: Span | None = None
    provisional: bool = False
    chapters: int = 0
    articles: int = 0
    interpreter: str | None = None
    interpretation_span: Span | None = None
    attachments: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    cited_doc_numbers: list[DocNumber] = field(default_factory=list)
    supersessions: list[Supersession] = field(default_factory=list)
    #: Clauses extending other documents' validity (an extension notice's operative part).
    extensions: list[Extension] = field(default_factory=list)
    #: Names of the instruments the document itself issues (现将《…办法》印发给你们, 制定了《…》，现予公布).
    promulgates: list[str] = field(default_factory=list)

    @property
    def joint(self) -> bool:
        return len(self.issuers) > 1

    @property
    def start_date(self) -> date | None:
        """When the document took effect: its effective date, else its issue date."""
        return self.effective_date or self.issue_date

    def expiry(self) -> date | None:
        """The last day of the stated validity, from 有效期至… or 有效期X年 (``None`` if unstated)."""
        if self.valid_until is not None:
            return self.valid_until
        if self.validity_years is not None and self.start_date is not None:
            return add_months(self.start_date, round(self.validity_years * 12)) - timedelta(days=1)
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO text, spans as ``[start, end]`` lists."""
        data: dict[str, Any] = _plain(self)
        data["joint"] = self.joint
        data["expiry"] = _plain(self.expiry())
        if self.doc_number is not None:
            data["doc_number"]["normative_series"] = self.doc_number.normative_series
            data["doc_number"]["key"] = self.doc_number.key
        return data


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass ``cls`` (``None`` for any other type)."""
    return tuple(f.name for f in fields(cls)) if is_dataclass(cls) else None


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses as dicts of their fields (what
    :func:`dataclasses.asdict` gives, without its deep copies), dates as ISO text, tuples as lists.

    The exact types a structure holds (text, numbers, spans, lists, its dataclasses) are told
    apart by one lookup each; anything else goes through the isinstance tests."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple or kind is list:
        return [v if type(v) in _SCALARS else _plain(v) for v in value]
    names = _field_names(kind)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def add_months(start: date, months: int) -> date:
    """``start`` moved by ``months`` calendar months (day clamped to the month's length)."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


#: The series mark: 规 (or 规范, 规字, 规发) ending the code, a 联 for joint documents after it.
_SERIES_MARK = re.compile(r"(?<![法综])规(?:范)?(?:字|发)?(?:联)?$")


def is_normative_series(code: str) -> bool:
    """Whether a 文号 code ends in the normative-series mark (国办发〔2018〕37号's 统一编号).

    Read carefully (DOMAIN.md §2): 规 inside an organ's name is not the mark — 沪规划资源乡 is a
    planning bureau's ordinary code — and 法规 or 综规 end office codes (a policy-and-regulations
    or planning division: 沪建法规, 沪建综规), not the series.
    """
    return bool(_SERIES_MARK.search(code))


def series_prefix(code: str) -> str:
    """The issuer part of a normative-series code (沪住建规范 → 沪住建, 浦府管规 → 浦府管,
    闵府规发 → 闵府)."""
    return _SERIES_MARK.sub("", code)


def parse_doc_number(raw: str, span: Span | None = None) -> DocNumber | None:
    """Split a 文号 into code, year and number and list its GB/T 9704-2012 format defects."""
    compact = re.sub(r"\s+", "", raw).translate(_FULLWIDTH_DIGITS)
    match = _DOC_NUMBER_PARTS.match(compact)
    if match is None:
        return None
    defects = []
    if match["open"] != _GOOD_OPEN or match["close"] != _GOOD_CLOSE:
        defects.append(f"年份应使用六角括号〔〕，原文为{match['open']}{match['close']}")
    if match["di"]:
        defects.append("发文顺序号前不应加“第”字")
    if len(match["num"]) > 1 and match["num"].startswith("0"):
        defects.append("发文顺序号不应编虚位（如1不编为01）")
    return DocNumber(
        raw=raw,
        code=match["code"],
        year=int(match["year"]),
        number=int(match["num"]),
        span=span,
        defects=defects,
    )


def normalize_doc_number(raw: str) -> str:
    """Canonical 文号 text: 〔〕 brackets, no spaces, no 第, no leading zeros."""
    parsed = parse_doc_number(raw)
    if parsed is None:
        return re.sub(r"\s+", "", raw).translate(_BRACKETS)
    return parsed.key


@functools.lru_cache(maxsize=4096)
def normalize_title(title: str, unwrap: bool = True) -> str:
    """A title reduced for matching: brackets, quotes and spaces gone, a trailing （文号） dropped
    and, with ``unwrap``, 关于印发《…》的通知 reduced to the name it wraps."""
    title = re.sub(r"\s+", "", title)
    wrapped = (
        re.search(r"(?:印发|发布|转发|修订|公布)[^《]{0,6}《(.+)》(?:的通知|的决定)?", title)
        if unwrap
        else None
    )
    if wrapped:
        title = wrapped.group(1)
    title = re.sub(r"[（(][^（）()]*[〔\[［(（【]?\d{4}[^（）()]*号[^（）()]*[）)]$", "", title)
    title = re.sub(
        r"[（(][^（）()]*" + re.escape(MASKED_DOC_NUMBER) + r"[^（）()]*[）)]$", "", title
    )
    title = re.sub(r"[《》〈〉“”\"'‘’]", "", title)
    return title.translate(_BRACKETS).replace("〔", "（").replace("〕", "）")


#: A 文号 whose code opens with a province-level region's abbreviation (沪建建管联, 浙政办发,
#: 粤府) is a local organ's; 新出 is the central press administration's.
_LOCAL_CODE = re.compile(
    r"^(?!新出)[京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川蜀贵黔云滇藏陕秦甘陇青宁新]"
)


def issuer_level(issuers: list[str], doc_number: str | None = None) -> str:
    """``"central"`` for ministries, the central bank and other central organs, ``"local"`` for
    provinces and below, ``"unknown"`` when no issuer is known. Joint issuers: local wins when
    any issuer is local, central when one is and the others are not recognised. With no issuer
    known, a ``doc_number`` whose code opens with a province's abbreviation says ``"local"`` (a
    file that names its issuer only in its number)."""
    if not issuers:
        return "local" if doc_number and _LOCAL_CODE.match(doc_number) else "unknown"
    levels = set()
    for name in issuers:
        if _LOCAL_MARK.search(_CENTRAL_PREFIX.sub("", name)):
            levels.add("local")
        elif (
            _CENTRAL_PREFIX.match(name)
            or _CENTRAL_SUFFIX.search(name)
            or _CENTRAL_SHORT.match(name)
        ):
            levels.add("central")
        else:
            levels.add("unknown")
    if "local" in levels:
        return "local"
    # -- a central organ among names not recognised (a short name, two run together): central
    return "central" if "central" in levels else "unknown"


def _find_span(text: str, needle: str | None) -> Span | None:
    if not needle:
        return None
    pos = text.find(needle)
    if pos < 0:
        return None
    return (pos, pos + len(needle))


def _own_doc_number(text: str, raw: str | None) -> DocNumber | None:
    if not raw:
        return None
    span = _find_span(text, raw)
    if span is None:  # the text may space it differently: find the same canonical form
        key = normalize_doc_number(raw)
        for match in _iter_doc_numbers(text[:3000]):
            if normalize_doc_number(match.group(0)).endswith(key):
                span = (match.end() - len(match.group(0)), match.end())
                break
    return parse_doc_number(raw, span)


_YEAR_BRACKET = re.compile(r"[〔\[［(（【]\s*(?:19|20|１９|２０)\d{2}\s*[〕\]］)）】]")


def _iter_doc_numbers(text: str) -> Iterator[re.Match[str]]:
    """``DOC_NUMBER`` matches in ``text``. The bracketed year is found first: running the
    lazy DOC_NUMBER pattern from every position of a long text is slow."""
    last_end = 0
    for hit in _YEAR_BRACKET.finditer(text):
        start = max(last_end, hit.start() - 24)
        match = DOC_NUMBER.search(text, start, min(len(text), hit.end() + 12))
        if match is not None and match.start() >= last_end:
            last_end = match.end()
            yield match


def _doc_number_at(match: re.Match[str]) -> DocNumber | None:
    # The DOC_NUMBER code group is lazy but starts at the leftmost position, so in running text
    # it swallows the words before the code (根据银发…). Keep only a plausible code tail.
    raw = match.group(0)
    parsed = parse_doc_number(raw, (match.start(), match.end()))
    if parsed is None:
        return None
    code = re.sub(r"^.*(根据|依据|按照|依照|关于|印发|转发|原|和|及|与|或|见)", "", parsed.code)
    parsed.code = code or parsed.code
    return parsed


def _citations(text: str) -> list[Citation]:
    found = []
    for match in _BOOK.finditer(text):
        tail = _ARTICLE_REF.match(text, match.end())
        articles: list[int] = []
        end = match.end()
        if tail:
            end = tail.end()
            articles = [n for n in (to_int(g) for g in _ARTICLE_NUM.findall(tail.group(0))) if n]
        found.append(Citation(match.group(1).strip(), (match.start(), end), articles))
    return found


def _sentence_bounds(text: str, pos: int) -> Span:
    start = pos
    while start > 0 and not _SENTENCE_END.match(text[start - 1]):
        start -= 1
    match = _SENTENCE_END.search(text, pos)
    return (start, match.start() if match else len(text))


_PARTIAL = re.compile(
    rf"第[N{CN_NUMBER}0-9０-９、，,和及至]{{1,24}}[条款项]|(?:相关|有关)(?:规定|条款|内容|要求)"
)


def _partial_references(clause: str) -> set[str]:
    """Titles and canonical 文号 in ``clause`` of which only some articles are ended
    (《…》（文号）第三十七条同时废止, …第六条…相关规定不再执行)."""
    partial: set[str] = set()
    # 第三、四、十七条 is one reference to articles, not a list of documents.
    clause = re.sub(rf"第[{CN_NUMBER}0-9０-９、，,和及至]+?[条款项]", "第N条", clause)
    depth, start = 0, 0
    groups = []
    for i, ch in enumerate(clause):  # split at top-level 、，, keeping （…） together
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif ch in "、，," and depth == 0:
            groups.append(clause[start:i])
            start = i + 1
    groups.append(clause[start:])
    for group in groups:
        last_ref = max(
            [m.end() for m in _BOOK.finditer(group)]
            + [m.end() for m in DOC_NUMBER.finditer(group)],
            default=-1,
        )
        tail = group[last_ref:] if last_ref >= 0 else ""
        tail = (
            re.sub(r"^[^（(]*?[）)]", "", tail) if tail.lstrip().startswith(("）", ")")) else tail
        )
        tail = re.sub(r"^\s*[（(][^）)]*[）)]", "", tail)
        if last_ref >= 0 and _PARTIAL.search(tail):
            partial.update(m.group(1).strip() for m in _BOOK.finditer(group))
            partial.update(normalize_doc_number(m.group(0)) for m in DOC_NUMBER.finditer(group))
    return partial


_PROMULGATE = re.compile(
    r"(?:(?:制定|修订|印发|发布|公布)了?《(?P<a>[^《》]{4,80})》)"
    r"|(?:《(?P<b>[^《》]{4,80})》(?:[（(][^）)]{0,40}[）)])?(?:已经[^，。]{0,40})?[，,]?\s*"
    r"(?:现|特)(?:予|将|以)?其?(?:以)?(?:印发|公布|发布))"
)
#: Promulgation clauses are read this far into the text (after the title): the issuing sentence.
_PROMULGATE_WINDOW = 800


def _promulgated(text: str, start: int) -> list[str]:
    names: list[str] = []
    for m in _PROMULGATE.finditer(text, start, start + _PROMULGATE_WINDOW):
        name = (m.group("a") or m.group("b")).strip()
        if name not in names:
            names.append(name)
    return names


def _supersessions(text: str) -> list[Supersession]:
    found: list[Supersession] = []
    for match in _SUPERSEDE_VERB.finditer(text):
        before = text[max(0, match.start() - 2) : match.start()]
        if before.endswith(("不", "不得", "未", "是否", "已经")) or before.endswith("暂"):
            continue  # 复议期间不停止执行, 是否废止: not a supersession
        start, _ = _sentence_bounds(text, match.start())
        clause = text[start : match.start()]
        # The clause must name what it ends: a 《title》 or a 文号, and not be about this
        # document's own lapse (本办法…失效).
        titles = [m.group(1).strip() for m in _BOOK.finditer(clause)]
        numbers = [
            n for n in (_doc_number_at(m) for m in DOC_NUMBER.finditer(clause)) if n is not None
        ]
        for n in numbers:
            n.span = (start + n.span[0], start + n.span[1]) if n.span else None
        if not titles and not numbers:
            continue
        if re.search(
            r"本(办法|规定|细则|通知|意见|决定|规则)(自动|即|同时|一并)?$", clause.strip()
        ):
            continue  # 上位法废止的，本办法同时失效: this document's own lapse
        partial = _partial_references(clause)
        titles = [t for t in titles if t not in partial]
        numbers = [n for n in numbers if normalize_doc_number(n.raw) not in partial]
        if not titles and not numbers:
            continue
        found.append(
            Supersession(
                (start, match.end()),
                match.group("verb"),
                text[start : match.end()].strip(),
                titles,
                numbers,
            )
        )
    return found


_RUN_ON_ADDRESSEE = re.compile(r"[ \t\u3000]*([^：:\n]{2,120})[：:][ \t\u3000]*$", re.M)


def _addressees(text: str, title_end: int) -> tuple[list[str], Span | None]:
    head_end = min(len(text), title_end + 400)
    # -- the addressees may follow the title on its own line (a web copy lost the break)
    run_on = _RUN_ON_ADDRESSEE.match(text, title_end) if title_end else None
    matches = [run_on] if run_on else []
    for match in itertools.chain(matches, _ADDRESSEE_LINE.finditer(text, title_end, head_end)):
        line = match.group(1).strip()
        if re.search(r"(签发人|附件|索引号|联系人|电话|发布日期|主题词|抄送)", line):
            continue
        if "。" in line or line.startswith("第") or len(line) > 100:
            continue
        parts = [p for p in re.split(r"[，、,；;\s\u3000]+", line) if p]
        return parts, (match.start(1), match.end(1))
    return [], None


def _is_specific(addressees: list[str], text: str) -> bool:
    if _SPECIFIC_ADDRESSEE.search(text):
        return True
    if len(addressees) != 1:
        return False
    only = addressees[0]
    return not re.match(r"^(各|全|所有|有关|相关|本)", only) and "各" not in only


def _effective(text: str, issue: date | None) -> tuple[date | None, Span | None]:
    for match in _EFFECTIVE.finditer(text):
        if match["date"]:
            parsed = _wrapped_date(match.group("date"))
            if parsed:
                return parsed, (match.start(), match.end())
        elif issue is not None:
            days = to_int(match["after"]) if match["after"] else 0
            return issue + timedelta(days=days or 0), (match.start(), match.end())
        else:
            return None, (match.start(), match.end())
    return None, None


_ABOUT_SELF = re.compile(
    r"本(?:办法|规定|细则|通知|意见|决定|规则|方案|文件|公告|通告|制度|标准|措施|实施意见|批复|复函|函|"
    r"目录|清单|指引|规范|政策|计划)|施行|实施|执行|印发|发布"
)


def _about_self(text: str, start: int) -> bool:
    """Whether the validity phrase at ``start`` is about the document itself (本办法…有效期,
    …起施行，有效期…, or a line of its own), not about a certificate or a letter of credit."""
    s_start, s_end = _sentence_bounds(text, start)
    sentence = text[s_start:s_end]
    lead = sentence[: start - s_start].strip()
    lead = re.sub(
        r"^(第\s*[0-9０-９一二三四五六七八九十百零〇]{1,5}\s*条|[一二三四五六七八九十]+、)\s*",
        "",
        lead,
    )
    return not lead or bool(_ABOUT_SELF.search(sentence))


_EXTENDED = re.compile(
    rf"(?:有效期|执行期|实施期)(?:限)?(?:再|继续)?(?:延长|延续|顺延)(?:至|到)\s*(?P<date>{_WRAPPED_DATE.pattern})"
)
_EXTENSION_TITLE = re.compile(r"关于(?:延长|延续|继续施行|继续执行)")


def _extensions(text: str, title: str | None) -> list[Extension]:
    """Clauses that extend named documents to a new end date. A clause that names no document
    takes the document its title names (关于延长《…》有效期的通知: 有效期延长至…)."""
    title_names = [m.group(1).strip() for m in _BOOK.finditer(title or "")]
    found = []
    for match in _EXTENDED.finditer(text):
        until = _wrapped_date(match.group("date"))
        if until is None:
            continue
        start, _ = _sentence_bounds(text, match.start())
        clause = text[start : match.start()]
        # -- the clause names the documents it extends; a sentence of its own (经评估，需继续实施，
        # 有效期延长至…) extends what the title names
        start = (
            max(0, start - 160)
            if not (_BOOK.search(clause) or DOC_NUMBER.search(clause))
            else start
        )
        clause = text[start : match.start()]
        titles = [m.group(1).strip() for m in _BOOK.finditer(clause)] or title_names
        numbers = [n for n in (_doc_number_at(m) for m in DOC_NUMBER.finditer(clause)) if n]
        if titles or numbers:
            found.append(
                Extension(
                    (start, match.end()), until, text[start : match.end()].strip(), titles, numbers
                )
            )
    return found


def _validity(text: str) -> tuple[date | None, float | None, Span | None]:
    for match in _VALID_UNTIL.finditer(text):
        if not _about_self(text, match.start()):
            continue
        parsed = _wrapped_date(match.group("date"))
        if parsed:
            return parsed, None, (match.start(), match.end())
    for match_for in _VALID_FOR.finditer(text):
        if not _about_self(text, match_for.start()):
            continue
        if match_for["half_year"]:  # -- 有效期半年
            return None, 0.5, (match_for.start(), match_for.end())
        n = to_int(match_for["n"])
        if n:
            years = n if match_for["unit"] == "年" else n / 12
            if match_for["half"]:  # -- 有效期两年半, 试行一年半
                years += 0.5 if match_for["unit"] == "年" else 0.5 / 12
            return None, float(years), (match_for.start(), match_for.end())
    return None, None, None


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:  # a catalogue may give only a year
        return None


def parse_structure(text: str, hints: Metadata | None = None, complete: bool = False) -> Structure:
    """Read the structure of one document.

    Parameters
    ----------
    text:
        The extracted text.
    hints:
        Metadata already known (e.g. from the file's catalogue entry); a field that is not
        ``None`` wins over what :func:`screening.law.metadata.parse_metadata` reads from the text.
    complete:
        ``hints`` is what :func:`~screening.law.metadata.parse_metadata` read from this very
        text: a field it lacks, the text lacks, and is not looked for again (the pipeline's
        metadata, read with the extraction: reading it twice cost a fifth of a millisecond
        per file).

    Returns
    -------
    Structure
        With spans as character offsets into ``text``.
    """
    if hints is not None and complete:
        # -- what parse_metadata read from this very text: reading again would find the same
        meta = Metadata(hints.title, hints.doc_number, hints.issuer, hints.date)
    else:
        meta = Metadata()
        if hints is not None:
            for key in ("title", "doc_number", "issuer", "date"):
                if getattr(hints, key) and (key != "date" or _iso_date(hints.date)):
                    setattr(meta, key, getattr(hints, key))
        # Read from the text only what the hints lack.
        if meta.title is None:
            meta.title = find_title(text)
        if meta.doc_number is None:
            meta.doc_number = find_doc_number(text)
        if meta.issuer is None:
            meta.issuer = find_issuer(text, meta.title)
        if meta.date is None:
            meta.date = find_date(text)
    s = Structure(title=meta.title, title_span=_find_span(text, meta.title))
    s.doc_number = _own_doc_number(text, meta.doc_number)
    s.issuers = split_issuers(meta.issuer)
    s.issuer_level = issuer_level(s.issuers, meta.doc_number)
    s.issue_date = _iso_date(meta.date) or (_iso_date(hints.date) if hints else None)
    s.provisional = bool(meta.title and _PROVISIONAL.search(meta.title))
    title_end = s.title_span[1] if s.title_span else 0
    s.addressees, s.addressee_span = _addressees(text, title_end)
    s.specific_addressee = _is_specific(s.addressees, text)
    s.effective_date, s.effective_span = _effective(text, s.issue_date)
    s.valid_until, s.validity_years, s.validity_span = _validity(text)
    s.chapters = len({m.group(1) for m in _CHAPTER.finditer(text)})
    s.articles = len(_ARTICLE.findall(text))
    interp = _INTERPRET.search(text)
    if interp:
        s.interpreter = interp.group(1).strip()
        s.interpretation_span = (interp.start(), interp.end())
    s.attachments = [m.group(1).strip() for m in _ATTACHMENT.finditer(text) if m.group(1).strip()]
    s.citations = _citations(text)
    own_key = s.doc_number.key if s.doc_number else None
    s.cited_doc_numbers = [
        n
        for n in (_doc_number_at(m) for m in _iter_doc_numbers(text))
        if n is not None
        and n.key != own_key
        and not (own_key and own_key.endswith(n.key))
        and not (s.doc_number and s.doc_number.span == n.span)
    ]
    s.supersessions = _supersessions(text)
    s.extensions = _extensions(text, s.title)
    if s.extensions and s.title and _EXTENSION_TITLE.search(s.title):
        # -- an extension notice stands as long as what it extends: its own validity is the new
        # end date it sets
        last = max(s.extensions, key=lambda e: e.until)
        s.valid_until, s.validity_years, s.validity_span = last.until, None, last.span
    s.promulgates = _promulgated(text, title_end)
    return s


__all__ = [
    "Citation",
    "DocNumber",
    "Extension",
    "Span",
    "Structure",
    "Supersession",
    "add_months",
    "issuer_level",
    "normalize_doc_number",
    "normalize_title",
    "parse_doc_number",
    "parse_structure",
    "series_prefix",
]
