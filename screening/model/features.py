"""What the classifier sees of a document: words, word pairs and a few structural markers.

Pure functions, no I/O. The same :func:`document_features` runs at training and at prediction
time, so a model can never see features built differently from the ones it learned.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence

from ..law import DOC_NUMBER, MASKED_DOC_NUMBER, Metadata, issuer_level, split_issuers

_DIGITS = re.compile(r"\d+")
_PUNCT = re.compile(r"^[\W_]+$")
_ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇0-9]{1,5}条")
_CHAPTER = re.compile(r"第[一二三四五六七八九十]{1,3}章")
_EFFECTIVE = re.compile(r"自[^。\n]{0,30}?(?:起|之日)[^。\n]{0,6}?(?:施行|执行|实施|生效)")
_VALIDITY = re.compile(r"有效期")
_INTERPRET = re.compile(r"由[^。\n]{1,40}?负责解释")
#: A 文号 in brackets after a title, and any noise after it: （银发〔2018〕180号）急件
_TRAILING_NUMBER = re.compile(r"[（(][^（）()]*号\s*[）)][^（）()]{0,6}$")
_TRAILING_BRACKET = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")
_TRAILING_BARE_NUMBER = re.compile(r"[〔\[［(（]\d{4}[〕\]］)）]\s*第?\s*\d+\s*号$")
_WRAPPED = re.compile(r"(?:印发|发布|修订|转发)[^《]{0,6}《([^》]{2,80})》")

#: Lines of page furniture, not content (GB/T 9704's 版头 and 版记): the masthead (某某局文件),
#: urgency and signer lines, the printing line (…2017年3月1日印发), 抄送, contact lines and page
#: markers (— 3 —). Real files carry them whatever their genre; in a written corpus they follow
#: the writer's habits, so the words read no further than the content.
#: Each form, and whether it is long: the masthead (…文件) and the printing line (…印发) try up
#: to 40 characters of every line, and can match only where a line ends in 件 or 印发.
_FURNITURE_FORMS = (
    (r"抄送[:：].*", False),
    (r"(?:联系人|联系电话|电话|传真|邮箱|电子邮箱)[:：].*", False),
    (r"(?:签发人|份号|密级|紧急程度)[:：].*", False),
    (r"(?:特\s*急|加\s*急|急\s*件|特\s*提)", False),
    (r"(?:(?!关于)[^\n。，：；]){2,40}文\s*件", True),
    (r"[—\-－]+\s*\d+\s*[—\-－]+", False),
    (r".{0,40}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印发", True),
)
_LONG_FORMS_END = re.compile(r"(?:件|印发)[ \t\u3000]*$", re.M)


def _furniture(forms: list[str]) -> re.Pattern[str]:
    return re.compile(rf"^[ \t\u3000]*(?:{'|'.join(forms)})[ \t\u3000]*$", re.M)


_FURNITURE = _furniture([form for form, _ in _FURNITURE_FORMS])
#: The same without the long forms, for a text where they cannot match (the same matches, as a
#: form that never matches never wins): 78% of the dev-set and corpus texts.
_FURNITURE_SHORT = _furniture([form for form, long in _FURNITURE_FORMS if not long])


def content(text: str) -> str:
    """``text`` without lines of page furniture: what the words of the model are read from."""
    pattern = _FURNITURE if _LONG_FORMS_END.search(text) else _FURNITURE_SHORT
    return pattern.sub("", text)


#: Title endings, longest first, mapped to a document-type marker.
DOC_TYPE_ENDINGS: tuple[str, ...] = (
    "实施细则",
    "实施办法",
    "实施意见",
    "指导意见",
    "管理办法",
    "暂行办法",
    "暂行规定",
    "若干规定",
    "若干措施",
    "工作方案",
    "实施方案",
    "行动方案",
    "工作要点",
    "工作计划",
    "工作总结",
    "工作报告",
    "会议纪要",
    "应急预案",
    "年度报告",
    "复函",
    "批复",
    "办法",
    "规定",
    "细则",
    "意见",
    "决定",
    "通知",
    "通告",
    "公告",
    "函",
    "报告",
    "请示",
    "纪要",
    "方案",
    "计划",
    "要点",
    "总结",
    "通报",
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
    "决议",
)

#: Words read per document when a model does not say (its ``max_tokens``): bounds time on huge files.
MAX_TOKENS = 6000


def normalize_token(token: str) -> str:
    """Digits become ``0`` so that years and amounts do not become vocabulary."""
    return _DIGITS.sub("0", token)


@functools.lru_cache(maxsize=1 << 18)
def _word(token: str) -> tuple[str, bool]:
    """A token normalised, and whether it is punctuation only (cached: words repeat)."""
    word = normalize_token(token)
    return word, _PUNCT.match(word) is not None


def word_features(tokens: Sequence[str], max_tokens: int = MAX_TOKENS) -> list[str]:
    """The words and adjacent word pairs of :func:`document_features`, in the same order, without
    the structure markers and the issuer-level copies (a model looks those up itself)."""
    normalised = [_word(t) for t in tokens[:max_tokens]]
    words = [w for w, _ in normalised]
    features = [w for w, punct in normalised if not punct]
    features.extend(f"{a} {b}" for a, b in itertools.pairwise(words))
    return features


def doc_type(title: str | None) -> str:
    """The document type read from the end of a title, ``"?"`` when unknown."""
    if not title:
        return "?"
    title = _TRAILING_NUMBER.sub("", title.strip())
    while True:
        for ending in DOC_TYPE_ENDINGS:
            if title.endswith(ending):
                return ending
        # -- 管理办法（试行）, 目录（2021年版）: the type stands before a trailing bracket
        stripped = _TRAILING_BARE_NUMBER.sub("", _TRAILING_BRACKET.sub("", title))
        if stripped == title:
            return "?"
        title = stripped


def structure_markers(text: str, meta: Metadata) -> list[str]:
    """Pseudo-words (prefixed ``@``) for structure the words alone do not show."""
    markers = [f"@文种:{doc_type(meta.title)}"]
    if meta.title:
        wrapped = _WRAPPED.search(meta.title)
        if wrapped:
            markers.append(f"@印发:{doc_type(wrapped.group(1))}")
        if "暂行" in meta.title or "试行" in meta.title:
            markers.append("@暂行试行")
    articles = len(_ARTICLE.findall(text))
    markers.append("@条款多" if articles >= 5 else "@条款少" if articles else "@无条款")
    if _CHAPTER.search(text):
        markers.append("@分章")
    if _EFFECTIVE.search(text):
        markers.append("@施行条款")
    if _VALIDITY.search(text):
        markers.append("@有效期条款")
    if _INTERPRET.search(text):
        markers.append("@解释条款")
    if meta.doc_number == MASKED_DOC_NUMBER:
        pass
    elif meta.doc_number is None:
        markers.append("@无文号")
    elif "规" in (DOC_NUMBER.match(meta.doc_number) or {"code": ""})["code"]:  # type: ignore[index]
        markers.append("@规字号")  # -- as format-2 models were trained, not is_normative_series
    return markers


def issuer_level_of(meta: Metadata) -> str:
    """``central``, ``local`` or ``unknown``: the level of the issuing organ."""
    return issuer_level(split_issuers(meta.issuer), meta.doc_number)


def document_features(
    tokens: Sequence[str],
    text: str,
    meta: Metadata,
    max_tokens: int = MAX_TOKENS,
    markers: bool = True,
) -> list[str]:
    """Features of one document: normalised words (the first ``max_tokens``), adjacent word
    pairs, structure markers, and a copy of each prefixed with the issuer's level.

    A model reads at most as many words as 95% of its training documents have (``max_tokens``,
    set in training): the genre is set by the title, addressees, purpose clause and first
    provisions, and words beyond what the model saw in nearly every training document are
    topical detail that would drown them (real files run several times longer than most corpus
    documents; a few long ones should not decide the reading length). The structure markers
    still read the whole text.

    The copies let the classifier learn how the same words read differently in a ministry's or
    the central bank's documents than in a county's ("frustratingly easy" domain adaptation,
    Daumé 2007): central departments write standing rules for regulated institutions in the
    vocabulary of work notices (做好…工作, 要…), which local governments use for work plans.
    """
    features = word_features(tokens, max_tokens)
    if markers:  # -- format-2 models; later models leave structure to screening.law.evidence
        features.extend(structure_markers(text, meta))
    level = issuer_level_of(meta)
    features.extend([f"{level}|{f}" for f in features])
    return features
