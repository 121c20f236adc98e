"""A document's own identity read from the layout of its text: title, 文号, issuers, issue date.

Real files put each of these in a known place (GB/T 9704-2012): the masthead (某某局文件) and the
文号 line above the title, the addressee line below it, and after the body the signature block —
the issuing organs on a line of their own, then the 成文日期 on a line of its own. Attached rules
follow the signature with dates of their own (施行, 有效期至 …), so the issue date is read from
the first signature block, never from the last date of the file. This module is the one set of
patterns for these fields; :mod:`screening.law.structure` builds the legal reading on top of it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from .cnum import find_dates

#: 文号: issuer code + year in brackets + number + 号. Brackets other than 〔〕 are accepted here
#: (format defects are the legal-analysis layer's business); so are 第 and leading zeros.
DOC_NUMBER = re.compile(
    r"(?P<code>[\u4e00-\u9fffA-Za-z]{1,16}?)\s*[〔\[［(（【]\s*(?P<year>(?:19|20|１９|２０)\d{2})\s*"
    r"[〕\]］)）】]\s*第?\s*(?P<num>\d{1,5})\s*号"
)
#: What a masked 文号 becomes in text and metadata (``screening evaluate --mask-doc-numbers``):
#: the features then show neither the number nor its absence.
MASKED_DOC_NUMBER = "〔文号已遮蔽〕"
#: Announcement style: 2021年第5号 (公告).
DOC_NUMBER_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*第\s*(?P<num>\d{1,4})\s*号")

_DOC_TYPES = (
    "通知",
    "办法",
    "规定",
    "细则",
    "意见",
    "决定",
    "批复",
    "复函",
    "函",
    "报告",
    "请示",
    "纪要",
    "方案",
    "计划",
    "要点",
    "总结",
    "通报",
    "公告",
    "通告",
    "规划",
    "预案",
    "规则",
    "制度",
    "条例",
    "标准",
    "目录",
    "清单",
    "指引",
    "指南",
    "措施",
    "实施意见",
    "决议",
    "命令",
    "令",
    "议案",
)
_ORGAN_END = re.compile(
    r"(人民政府|办公厅|办公室|委员会|街道办事处|办事处|管理局|局|厅|部|署|委|院|中心|银行|分行|支行|"
    r"公司|协会|领导小组|指挥部|工作专班|小组|所|站|队|会|处|科|股|办)$"
)
_HEADER_NOISE = re.compile(
    r"^(签发人|份号|密级|紧急程度|特急|加急|急件|机密|秘密|绝密|发布时间|来源|索引号)"
)
_SALUTATION = re.compile(r"[：:]$")
#: ``附件``, ``附件1``, ``附件 2：`` heading a copy that is the attachment itself: a label, not the
#: title (``附件：某某管理办法`` is titled 某某管理办法).
_ATTACHMENT_LABEL = re.compile(r"^附\s*件\s*[0-9一二三四五六七八九十]*\s*[:：]?\s*")
#: Where a title ends when a web page or PDF ran it into the addressee line that follows.
_TITLE_END = re.compile(r"的(?:通知|意见|决定|批复|复函|函|通报|报告|请示|公告|通告)")
_GAZETTE_HEADER = re.compile(r"(文件|公报|简报)$")


@dataclass
class Metadata:
    """What the text says about itself. Fields are ``None`` when not found."""

    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    date: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @property
    def issuers(self) -> list[str]:
        """The issuing organs, joint issuers separately."""
        return split_issuers(self.issuer)


@functools.lru_cache(maxsize=8)
def _read_lines(text: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """The non-empty lines of ``text``, stripped, without a web portal's field block, and the
    block's fields (kept for the last few texts: title, 文号, date and issuer each read them;
    callers must not change the fields)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    fields, used = _portal_fields(lines)
    if used:
        return tuple(line for i, line in enumerate(lines) if i not in used), fields
    return tuple(lines), fields


def _lines(text: str) -> tuple[str, ...]:
    """The non-empty lines of ``text``, stripped, without a web portal's field block."""
    return _read_lines(text)[0]


#: Field labels of the disclosure block government web portals print above a document
#: (索引号 / 发布机构 / 成文日期 / 文号 …), each followed by its value on the same or the next line.
_PORTAL_LABELS = [
    "索取号",
    "索引号",
    "载体类型",
    "发布机构",
    "发文机关",
    "发文单位",
    "公开主体",
    "生成日期",
    "成文日期",
    "发布日期",
    "发文日期",
    "文号",
    "发文字号",
    "文件编号",
    "主题分类",
    "体裁分类",
    "组配分类",
    "服务对象分类",
    "信息名称",
    "标题",
    "名称",
    "内容描述",
    "内容概述",
    "关键词",
    "主题词",
    "有效性",
    "时效性",
    "公开方式",
    "公开范围",
    "公开时限",
    "公开类别",
    "公开属性",
    "信息来源",
    "记录形式",
    "信息类别",
    "发布时间",
]
#: A label may be spread out to the width of the longest (gov.cn prints 索  引  号：, 标    题：).
_PORTAL_LABEL = re.compile(
    r"^(?P<label>"
    + "|".join(r"[ \t　]*".join(label) for label in _PORTAL_LABELS)
    + r")\s*[:：]?\s*(?P<value>.*)$"
)
PORTAL_ISSUER, PORTAL_DATE, PORTAL_NUMBER = (
    ("发布机构", "发文机关", "发文单位", "公开主体"),
    (
        "成文日期",
        "发文日期",
        "生成日期",
        "发布日期",
    ),
    ("文号", "发文字号", "文件编号"),
)


def _is_value_of(label: str, line: str) -> bool:
    """Whether ``line`` is the value of a label printed alone on the line above it: an organ
    under 发布机构, a date under 成文日期, a 文号 under 文号, a short word under the others —
    never the document's title or 文号 under an empty label."""
    if _PORTAL_LABEL.match(line):
        return False
    if label in PORTAL_ISSUER:
        return bool(_organs_of_line(line))
    if label in PORTAL_DATE:
        return bool(find_dates(line)) and len(line) <= 24
    if label in PORTAL_NUMBER:
        return bool(DOC_NUMBER.search(line)) and len(line) <= 30
    return len(line) <= 30 and not re.search(r"关于|通知|《|》|[〔\[［(（]\d{4}", line)


def _portal_fields(lines: list[str]) -> tuple[dict[str, str], set[int]]:
    """The portal block's fields and the indices of the lines they take (a block needs at least
    two labels among the first 30 lines; ``索取号 3589…`` alone is not a block)."""
    fields: dict[str, str] = {}
    used: set[int] = set()
    i = 0
    while i < min(len(lines), 30):
        match = _PORTAL_LABEL.match(lines[i])
        if match is None:
            i += 1
            continue
        value = match["value"].strip()
        label = re.sub(r"[ \t　]", "", match["label"])
        used.add(i)
        if not value and i + 1 < len(lines) and _is_value_of(label, lines[i + 1]):
            value = lines[i + 1]
            used.add(i + 1)
            i += 1
        fields.setdefault(label, value)
        i += 1
    if len(fields) < 2:
        return {}, set()
    return fields, used


def portal_field(text: str, labels: tuple[str, ...]) -> str | None:
    """The value of the first of ``labels`` in the portal block of ``text``, if it has one."""
    fields = _read_lines(text)[1]
    for label in labels:
        if fields.get(label):
            return fields[label]
    return None


#: The brackets that open a 文号's year: every DOC_NUMBER match holds one.
_YEAR_OPENERS = ("〔", "[", "［", "(", "（", "【")
#: A line that states a 文号 holds little else: the number, a 签发人 field, a few spaces.
_MAX_NUMBER_LINE = 80


def _own_number_in(line: str) -> str | None:
    """The 文号 a line of its own states (``舟普政发〔2019〕26号``, ``签发人：… 文号``, ``文号：…``).

    The code must start the line, or follow a space or a field label: a 文号 inside a sentence is a
    citation, and a code glued to the words before it (``…日起施行规〔2024〕2号``) is not a code.
    """
    line = _FIELD_LABEL.sub("", line.strip())
    if len(line) > _MAX_NUMBER_LINE:
        return None  # -- a paragraph, not a number line (and a huge one makes the scan slow)
    # -- DOC_NUMBER tries up to 16 characters of code at every character: a line without its
    # year bracket (most lines) is not scanned
    numbers = DOC_NUMBER.finditer(line) if any(b in line for b in _YEAR_OPENERS) else ()
    for match in numbers:
        before = line[: match.start()]
        if before and not before[-1].isspace() and not before.endswith(("：", ":")):
            continue
        rest = (before + line[match.end() :]).strip()
        if len(rest) > 24 or re.search(r"[《》。，；]", rest):
            continue  # a sentence or a citation, not the document's own number line
        return re.sub(r"\s+", "", match.group(0))
    match_y = DOC_NUMBER_YEAR.search(line)
    if match_y and len(line) <= 30 and not re.search(r"[《》。，；]", line):
        return re.sub(r"\s+", "", line[max(0, match_y.start() - 20) : match_y.end()]).strip()
    return None


#: A 文号 in brackets ending a title line (…的通知（银发〔2021〕20号）).
_TITLE_NUMBER = re.compile(r"[（(]\s*(?P<number>[^（）()]{2,30}?号)\s*[）)]\s*$")


def find_doc_number(text: str) -> str | None:
    """The document's own 文号: a line of its own near the top (masthead block) or, in web and
    gazette copies that print it after the signature, a line of its own there."""
    lines = _lines(text)
    for line in lines[:25]:
        if _SALUTATION.search(line) and len(line) > 12:
            break  # the addressee line ends the head block
        number = _own_number_in(line)
        if number:
            return number
    signature = _signature(lines)
    if signature is not None:
        for line in lines[signature.date_line + 1 : signature.date_line + 4]:
            number = _own_number_in(line)
            if number:
                return number
    field = portal_field(text, PORTAL_NUMBER)
    number = _own_number_in(field) if field else None
    if number:
        return number
    # -- a catalogue's or web copy's title carries the number in brackets at its end:
    # 某某关于印发《…》的通知（银发〔2021〕20号）
    for line in lines[:3]:
        tail = _TITLE_NUMBER.search(line)
        if tail and ("关于" in line or "《" in line or line[: tail.start()].endswith(_DOC_TYPES)):
            number = _own_number_in(tail["number"])
            if number:
                return number
    return None


#: A title longer than a heading usually is: joint issuers, two rules issued at once, its 文号.
_LONG_TITLE = re.compile(r"关于.*(?:通知|意见|决定|公告|通告|批复|复函|函)$")


def _is_title_like(line: str) -> bool:
    if not line or line.endswith(("。", "；", "，", "：", ":")):
        return False
    return len(line) <= 80 or (
        len(line) <= 160 and bool(_LONG_TITLE.search(_TITLE_NUMBER.sub("", line)))
    )


def _split_run_on(line: str) -> list[str]:
    """``关于…的通知各分行、…：`` as two lines, title and addressees; other lines unchanged.

    Text copied from web pages often loses the line break between the title and the addressee
    line. The title ends at the first 的通知/的意见/… after 关于 outside 《》 brackets.
    """
    start = line.find("关于")
    if start < 0 or not _SALUTATION.search(line):
        return [line]
    for match in _TITLE_END.finditer(line, start):
        head = line[: match.end()]
        rest = line[match.end() :].lstrip("（(")
        if head.count("《") == head.count("》") and len(rest) >= 2 and not rest.startswith("》"):
            return [head, line[match.end() :]]
    return [line]


def find_title(text: str) -> str | None:
    """The title: heading-like lines above the addressee line, joined when split over two lines.

    When nothing above the addressees looks like a title (a cover letter with no heading), the
    first heading-like line below that ends in a document type (…工作方案) is taken instead.
    """
    lines = [part for line in _lines(text)[:15] for part in _split_run_on(line)]
    candidates = []
    salutation_at = len(lines)
    for i, line in enumerate(lines):
        line = _ATTACHMENT_LABEL.sub("", line)
        if not line:
            continue
        if _SALUTATION.search(line) and len(line) <= 60:
            salutation_at = min(salutation_at, i)
            continue
        if (
            _HEADER_NOISE.match(line)
            or DOC_NUMBER.fullmatch(line)
            or (_GAZETTE_HEADER.search(line) and len(line) <= 30 and "关于" not in line)
            or (find_dates(line) and len(line) <= 20)
        ):
            continue
        candidates.append((i, line))
    above = [(i, line) for i, line in candidates if i < salutation_at]
    for pos, (i, line) in enumerate(above):
        if not _is_title_like(line):
            continue
        title = line
        if not title.endswith(_DOC_TYPES) and pos + 1 < len(above):
            j, nxt = above[pos + 1]
            if j == i + 1 and _is_title_like(nxt) and (nxt.endswith(_DOC_TYPES) or "关于" in title):
                title += nxt
        if "关于" in title or title.endswith(_DOC_TYPES) or "》" in title:
            return title
    for _, line in candidates:
        if _is_title_like(line) and line.endswith(_DOC_TYPES) and not line.startswith("《"):
            return line
    for _, line in above:
        if _is_title_like(line):
            return line
    return None


@dataclass(frozen=True)
class _Signature:
    """The signature block: the organs above the 成文日期 line, and where that line is."""

    issuers: list[str]
    date: date
    date_line: int


_DATE_ONLY = re.compile(
    r"^[（(]?\s*(?:(?:成文|发布|印发|签发|发文)日期\s*[:：]\s*)?(?P<date>.{8,24}?日)\s*"
    r"(?:印发|发布|公布|签发)?\s*[）)]?$"
)
_DATE_FIELD = re.compile(
    r"(?:成文|发布|印发|签发|发文)(?:日期|时间)\s*[:：]\s*(?P<date>.{8,24}?日)"
)
_PRINTED = re.compile(r"(?P<date>(?:\S\s?){8,24}?日)\s*印\s*发\s*$")
#: A date in a clause that is not the issue date: 施行, validity, deadlines, meetings.
_NOT_ISSUE = re.compile(
    r"(?:自|至|起|止|截至|有效期|施行|实施|执行|生效|前|以前|之前|以后|会议|审议|通过)"
)
_SEAL = re.compile(r"[（(](?:盖章|印章|章)[）)]$")
_FIELD_LABEL = re.compile(
    r"^(?:签发人\s*[:：]\s*\S{2,4}\s*|文\s*号\s*[:：]\s*|发文字号\s*[:：]\s*)"
)


def _date_of_line(line: str) -> date | None:
    """The date a line consists of (``2024年5月10日``, ``（二〇二四年五月十日）``, ``成文日期：…``)."""
    match = _DATE_ONLY.match(line.replace(" ", "").replace("\u3000", ""))
    if match is None:
        return None
    found = find_dates(match.group("date"))
    return found[0][0] if len(found) == 1 else None


def _organs_of_line(line: str) -> list[str]:
    """The organs a signature line names (joint issuers sign side by side), or ``[]``."""
    line = _SEAL.sub("", line.strip())
    parts = line.split()
    if not parts or len(line) > 90 or re.search(r"[。，；：:《》、]", line):
        return []
    if all(
        2 <= len(p) <= 40 and _ORGAN_END.search(p) and not p.startswith(("关于", "根据"))
        for p in parts
    ):
        return parts
    return []


@functools.lru_cache(maxsize=8)
def _signature(lines: tuple[str, ...]) -> _Signature | None:
    """The first signature block: a date line with organ lines right above it (kept for the
    last few texts, as :func:`_lines`)."""
    for i, line in enumerate(lines):
        if i == 0:
            continue
        when = _date_of_line(line)
        if when is None:
            continue
        rows: list[list[str]] = []
        j = i - 1
        while j >= 0 and i - j <= 6:
            found = _organs_of_line(lines[j])
            if not found:
                break
            rows.insert(0, found)
            j -= 1
        organs = [organ for row in _join_dispatched(rows) for organ in row]
        if organs:
            return _Signature(organs, when, i)
    return None


def _join_dispatched(rows: list[list[str]]) -> list[list[str]]:
    """Signature rows with a 街道办事处 rejoined to the government it belongs to.

    A 街道办事处 is the 派出机关 of a district government and signs with its full name,
    often broken over two lines (虹口区人民政府 / 四川北路街道办事处), side by side when two
    offices sign together: one organ per column, not a government and an office issuing jointly.
    """
    joined: list[list[str]] = []
    for row in rows:
        above = joined[-1] if joined else None
        if (
            above is not None
            and len(above) == len(row)
            and all(a.endswith("人民政府") for a in above)
            and all(b.endswith("街道办事处") and "人民政府" not in b for b in row)
        ):
            joined[-1] = [a + b for a, b in zip(above, row, strict=True)]
        else:
            joined.append(row)
    return joined


def _glued_signature_date(lines: Sequence[str]) -> date | None:
    """The date that ends one of the last ``lines`` right after an organ's name, in a web copy
    that ran the signature into the line before (``…附件：…权重中国人民银行办公厅2014年12月17日``):
    the signature block, its line breaks lost."""
    for line in reversed(lines):
        found = find_dates(line)
        if not found:
            continue
        when, start, end = found[-1]
        if line[end:].strip(" \t　。") or start < 2:
            continue
        before = line[:start].rstrip(" \t　")
        if _ORGAN_END.search(before) and not _NOT_ISSUE.search(before[-8:]):
            return when
    return None


def find_date(text: str) -> str | None:
    """The issue date (成文日期).

    In order: the date of the first signature block; a labelled field (成文日期：…); the first
    line that is only a date; the printing line (…2024年5月12日印发); a date near the top outside
    a clause about effect, validity or deadlines. Never the date of a 施行 or validity clause.
    """
    lines = _lines(text)
    signature = _signature(lines)
    if signature is not None:
        return signature.date.isoformat()
    for line in lines:
        field_match = _DATE_FIELD.search(line)
        if field_match:
            found = find_dates(field_match.group("date"))
            if found:
                return found[0][0].isoformat()
    for line in lines:
        when = _date_of_line(line)
        if when is not None:
            return when.isoformat()
    for line in reversed(lines[-12:]):
        printed = _PRINTED.search(line)
        if printed:
            found = find_dates(printed.group("date"))
            if found:
                return found[0][0].isoformat()
    glued = _glued_signature_date(lines[-6:])
    if glued is not None:
        return glued.isoformat()
    field = portal_field(text, PORTAL_DATE)
    if field and find_dates(field):
        return find_dates(field)[0][0].isoformat()
    for line in lines[:6]:
        for when, start, _ in find_dates(line):
            if not _NOT_ISSUE.search(line[max(0, start - 8) : start]) and not _NOT_ISSUE.search(
                line[start : start + 16]
            ):
                return when.isoformat()
    return None


_TITLE_ISSUER = re.compile(
    r"^(?P<who>.{2,80}?)(?:关于|印发|转发|批转|发布|公告\s*[〔\[［(（]|公告$)"
)
_MASTHEAD = re.compile(r"^(?P<who>.{2,80}?)\s*文\s*件$")


_PARTY_ORGAN = re.compile(r"^(?:中共|中国共产党)|党委|党组|党工委|纪委|纪律检查委员会")


def administrative_first(organs: list[str]) -> list[str]:
    """Joint party and government issuers with the administrative organs first.

    A joint 党政 file (中共某镇委员会 with 某镇人民政府, common in townships) signs party first; as
    an administrative normative document it is the government organ's, which registers it and
    which a catalogue lists.
    """
    party = [o for o in organs if _PARTY_ORGAN.search(o)]
    if not party or len(party) == len(organs):
        return organs
    return [o for o in organs if o not in party] + party


def find_issuer(text: str, title: str | None) -> str | None:
    """The issuing organs, joint issuers joined with 、 (administrative organs before party
    organs): from the first signature block, else the masthead (某某局文件), else the title's
    prefix (某某局关于…), else organ lines at the end."""
    lines = _lines(text)
    signature = _signature(lines)
    if signature is not None:
        return "、".join(administrative_first(signature.issuers))
    for line in lines[:3]:
        masthead = _MASTHEAD.match(line)
        if masthead and len(line) <= 60:
            organs = _organs_of_line(masthead.group("who"))
            if organs:
                return "、".join(administrative_first(organs))
    if title:
        prefix = _TITLE_ISSUER.match(title)
        if prefix:
            organs = _organs_of_line(prefix.group("who"))
            if organs:
                return "、".join(organs)
    for line in reversed(lines[-8:]):
        organs = _organs_of_line(line)
        if organs:
            return "、".join(organs)
    field = portal_field(text, PORTAL_ISSUER)
    if field and _organs_of_line(field):
        return "、".join(_organs_of_line(field))
    # -- last resort: the organ a rule names as its interpreter is, as a rule, its issuer
    interpreter = _INTERPRETER.search(text)
    if interpreter and _organs_of_line(interpreter.group(1)):
        return interpreter.group(1)
    return None


_INTERPRETER = re.compile(r"由\s*([^。；，、\s]{3,30}?)\s*负责(?:具体)?解释")


def split_issuers(issuer: str | None) -> list[str]:
    """Joint issuers as a list: split at 、，or spaces, but not inside （…）, which names the
    other titles of one organ (某委员会（某办公室、某局）)."""
    if not issuer:
        return []
    parts, depth, current = [], 0, ""
    for ch in issuer:
        if ch in "（(":
            depth += 1
        elif ch in "）)" and depth > 0:
            depth -= 1
        if depth == 0 and (ch in "、，," or ch.isspace()):
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip("《》〈〉") for p in parts if p.strip("《》〈〉")]


#: Short names organs sign with, and the full words they stand for (发展改革委 → 发展和改革委员会).
SHORT_ORGAN_NAMES: tuple[tuple[str, str], ...] = (
    ("发展改革委", "发展和改革委员会"),
    ("发改委", "发展和改革委员会"),
    ("经济信息化委", "经济和信息化委员会"),
    ("经信委", "经济和信息化委员会"),
    ("住房城乡建设管理委", "住房和城乡建设管理委员会"),
    ("住房城乡建设委", "住房和城乡建设委员会"),
    ("住建委", "住房和城乡建设委员会"),
    ("住房城乡建设局", "住房和城乡建设局"),
    ("住建局", "住房和城乡建设局"),
    ("规划资源局", "规划和自然资源局"),
    ("建管委", "建设和管理委员会"),
    ("建设管理委", "建设和管理委员会"),
    ("建交委", "建设和交通委员会"),
    ("绿化市容局", "绿化和市容管理局"),
    ("人力资源社会保障局", "人力资源和社会保障局"),
    ("人社局", "人力资源和社会保障局"),
    ("卫生健康委", "卫生健康委员会"),
    ("卫健委", "卫生健康委员会"),
    ("市场监管局", "市场监督管理局"),
    ("交通委", "交通委员会"),
    ("商务委", "商务委员会"),
    ("农业农村委", "农业农村委员会"),
    ("国资委", "国有资产监督管理委员会"),
    ("教委", "教育委员会"),
    ("科委", "科学技术委员会"),
    ("应急局", "应急管理局"),
    ("城管执法局", "城市管理行政执法局"),
    ("文化旅游局", "文化和旅游局"),
    ("文旅局", "文化和旅游局"),
    ("管委会", "管理委员会"),
    ("政府办公室", "人民政府办公室"),
    ("政府办", "人民政府办公室"),
    ("政府", "人民政府"),
)
_PLACE_PREFIX = re.compile(r"^[^和与及、]{2,12}?(?:省|自治区|市|自治州|州|盟|地区|县|区|旗)$")


def _expand(name: str) -> str:
    name = re.sub(r"\s+", "", name)
    # -- 某委员会（某局、某办公室）: the bracket lists other names of the same organ
    name = re.sub(r"[（(][^（）()]*[）)]$", "", name)
    # -- 某区人民政府某某街道办事处 = 某区某某街道办事处 = 某某街道
    name = re.sub(r"(区|县|市)人民政府(.{2,8}?(?:街道|镇|乡))", r"\1\2", name)
    if name.endswith("街道"):
        name += "办事处"
    for short, full in SHORT_ORGAN_NAMES:
        if name.endswith(short) and not name.endswith(full):
            return name[: -len(short)] + full
    return name


def same_organ(a: str, b: str) -> bool:
    """Whether two names denote the same organ: equal, or equal once short forms are expanded
    and the longer one's province/city prefix is dropped (上海市长宁区绿化和市容管理局 =
    长宁区绿化和市容管理局; 上海市发展和改革委员会 = 市发展改革委)."""
    a, b = _expand(a), _expand(b)
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if short[:1] in ("省", "市", "区", "县") and long_.endswith(short[1:]):
        prefix = long_[: -len(short) + 1]
        return bool(_PLACE_PREFIX.match(prefix)) and prefix.endswith(short[0])
    return long_.endswith(short) and bool(_PLACE_PREFIX.match(long_[: -len(short)]))


def parse_metadata(text: str) -> Metadata:
    """Read title, 文号, issuer and issue date from ``text``."""
    title = find_title(text)
    return Metadata(
        title=title,
        doc_number=find_doc_number(text),
        issuer=find_issuer(text, title),
        date=find_date(text),
    )
