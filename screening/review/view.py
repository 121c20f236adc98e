"""Draw the review screen with rich. The only module that imports rich."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..labels import LABEL_NAMES, LABELS
from .queue import ReviewSession, file_name

KEYS_HELP = "[1] 规范性文件  [2] 不属于规范性文件  [3] 建议废止  [回车] 接受模型结论  [r] 理由  [s] 跳过  [u] 撤销  [j/k ↑/↓] 滚动  [q] 退出"
EXCERPT_LINES = 14


def _excerpt(session: ReviewSession) -> Text:
    item = session.current
    assert item is not None
    lines = item.text.splitlines()
    start = min(session.scroll, max(0, len(lines) - EXCERPT_LINES))
    session.scroll = start
    shown = "\n".join(lines[start : start + EXCERPT_LINES])
    text = Text(shown)
    for word in item.evidence:
        if not word.startswith("@"):
            text.highlight_words([word.replace(" ", "")], style="bold yellow")
    for flag in [*item.flags, *item.reasons]:
        excerpt = flag.get("excerpt")
        if excerpt and flag.get("source") is None:  # a batch finding's span is in another file
            text.highlight_words([excerpt], style="bold red")
    more = f"第 {start + 1}–{min(start + EXCERPT_LINES, len(lines))} 行 / 共 {len(lines)} 行"
    return Text.assemble(text, "\n", (more, "dim"))


def bullets(heading: Text, lines: list[str]) -> Group:
    """A heading and its items, each wrapped under its own start (a hanging indent): Chinese has
    no spaces to wrap at, so a bullet followed by a long item was left alone on its line."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(overflow="fold")
    for line in lines:
        grid.add_row("·", line)
    return Group(heading, grid)


def render(session: ReviewSession) -> Group | Text:
    """The screen for the current document (or the end-of-queue message)."""
    item = session.current
    if item is None and session.remaining:
        return Text(
            f"剩余 {session.remaining} 份文件正由其他审查人打开。请稍后再运行 screening review 继续"
            f"（本次记录 {session.decided_now} 条决定）。",
            style="bold yellow",
        )
    if item is None:
        return Text(
            f"本批次已全部审查完毕（本次记录 {session.decided_now} 条决定）。", style="bold green"
        )
    meta = item.metadata
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("文件", file_name(item.path))
    head.add_row("标题", meta.get("title") or "—")
    head.add_row("文号", meta.get("doc_number") or "—")
    head.add_row("发文机关", meta.get("issuer") or "—")
    head.add_row("成文日期", meta.get("date") or "—")
    probs = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    probs.add_column("结论")
    probs.add_column("概率", justify="right")
    for lab in LABELS:
        style = "bold cyan" if lab == item.label else ""
        probs.add_row(
            Text(f"{LABEL_NAMES[lab]}{' ← 模型' if lab == item.label else ''}", style=style),
            f"{item.probabilities.get(lab, 0):.2f}",
        )
    parts: list[object] = [head, probs]
    if item.conflict:
        parts.append(Text(f"请特别注意：{item.conflict}", style="bold red"))
    if item.facts:
        parts.append(
            Text(
                "法律依据："
                + "、".join(
                    f"{f['title']}（{'+' if f.get('weight', 0) > 0 else ''}{f.get('weight', 0):g}）"
                    for f in item.facts
                )
            )
        )
    parts.append(Text("用词依据：" + ("、".join(item.evidence[:6]) or "—")))
    if item.reasons:
        parts.append(
            bullets(
                Text("废止理由：", style="bold magenta"),
                [
                    f"{f.get('title')}：{f.get('detail') or f.get('excerpt', '')}"
                    for f in item.reasons
                ],
            )
        )
    if item.flags:
        parts.append(
            bullets(
                Text("风险提示：", style="bold red"),
                [f"{f.get('title')}：{f.get('excerpt', '')}" for f in item.flags],
            )
        )
    parts.append(Panel(_excerpt(session), title="正文", border_style="dim"))
    if session.pending_reason:
        parts.append(Text(f"理由：{session.pending_reason}", style="green"))
    if session.message:
        parts.append(Text(session.message, style="magenta"))
    done = session.total - session.remaining
    parts.append(
        Text(
            f"进度：{done}/{session.total}（剩余 {session.remaining}）  审查人：{session.reviewer}",
            style="dim",
        )
    )
    parts.append(Text(KEYS_HELP, style="dim"))
    return Group(*parts)  # type: ignore[arg-type]


def make_console(interactive: bool) -> Console:
    return Console(force_terminal=interactive, highlight=False, soft_wrap=False)


def show(console: Console, session: ReviewSession, clear: bool) -> None:
    if clear:
        console.clear()
    console.print(render(session))


def render_to_text(session: ReviewSession, width: int = 100) -> str:
    """The screen as plain text (benchmarks and tests)."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False, color_system=None).print(
        render(session)
    )
    return buffer.getvalue()
