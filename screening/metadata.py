"""Basic metadata read from a document's text: title, document number (文号), issuer, date."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

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
    r"公司|协会|领导小组|指挥部|工作专班|小组|所|站|队|会|处|科|股)$"
)
_HEADER_NOISE = re.compile(
    r"^(签发人|份号|密级|紧急程度|特急|加急|急件|机密|秘密|绝密|发布时间|来源|索引号)"
)
_SALUTATION = re.compile(r"[：:]$")
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


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def find_doc_number(text: str) -> str | None:
    """The document's own 文号: the first one near the top that is not a citation."""
    head = _lines(text)[:25]
    for line in head:
        for match in DOC_NUMBER.finditer(line):
            before = line[: match.start()]
            if (
                before.endswith(("》（", "》(", "《"))
                or "》" in line[match.end() : match.end() + 2]
            ):
                continue  # a citation of another document
            return re.sub(r"\s+", "", match.group(0))
        match_y = DOC_NUMBER_YEAR.search(line)
        if match_y and len(line) <= 30:
            return re.sub(r"\s+", "", line[max(0, match_y.start() - 20) : match_y.end()]).strip()
    return None


def _is_title_like(line: str) -> bool:
    return bool(line) and len(line) <= 80 and not line.endswith(("。", "；", "，", "：", ":"))


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


def find_date(text: str) -> str | None:
    """The issue date: the last date in the closing lines, else the first date near the top."""
    lines = _lines(text)
    tail = "\n".join(lines[-8:])
    dates = find_dates(tail)
    if dates:
        return dates[-1][0].isoformat()
    head = find_dates("\n".join(lines[:10]))
    return head[0][0].isoformat() if head else None


def find_issuer(text: str, title: str | None) -> str | None:
    """The issuing organ: from the signature block, else the title's prefix, else the header."""
    lines = _lines(text)
    tail = lines[-8:]
    for i in range(len(tail) - 1, -1, -1):
        if find_dates(tail[i]) and i > 0:
            for cand in reversed(tail[max(0, i - 3) : i]):
                # Joint issuers sign side by side: "甲局　　乙局" → "甲局、乙局".
                parts = cand.split()
                if all(len(p) <= 40 and _ORGAN_END.search(p) for p in parts):
                    return "、".join(parts)
    if title and "关于" in title:
        prefix = title.split("关于", 1)[0].strip()
        if 2 <= len(prefix) <= 40:
            return prefix
    for line in lines[:3]:
        if _GAZETTE_HEADER.search(line) and len(line) <= 30:
            return line[:-2] if line.endswith("文件") else None
    return None


def parse_metadata(text: str) -> Metadata:
    """Read title, 文号, issuer and issue date from ``text``."""
    title = find_title(text)
    return Metadata(
        title=title,
        doc_number=find_doc_number(text),
        issuer=find_issuer(text, title),
        date=find_date(text),
    )
