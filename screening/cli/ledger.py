"""Reviewer commands: review, decide, audit, decisions, agreement."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import ScreeningError
from . import (
    CliError,
    cli,
    fail,
    open_store,
    pad,
)

LABEL_CHOICE = click.Choice(["normative", "non_normative", "repeal"])


def read_key(interactive: bool) -> tuple[str, str | None]:
    """One key press (terminal) or one line (piped input): ``(key, rest_of_line)``."""
    if interactive:
        return click.getchar(), None
    line = sys.stdin.readline()
    if line == "":
        return "q", None  # end of input
    line = line.rstrip("\r\n")
    key, _, rest = line.partition(" ")
    return key, rest or None


@cli.command()
@click.option("--reviewer", required=True, help="审查人姓名（记入台账）。")
@click.option("--batch", "batch_id", help="要审查的批次编号（默认最近一批）。")
@click.option(
    "--order",
    type=click.Choice(["priority", "uncertainty", "flags", "file"]),
    default="priority",
    show_default=True,
    help="排队方式：priority 先看法律依据与模型结论不一致的（如规字号文件被判为不属于规范性文件、"
    "已超过默认有效期限的文件被判为现行有效的规范性文件），"
    "再按模型把握从低到高；uncertainty 只按模型把握（前两个结论概率之差最小的先看）；"
    "flags 先看风险提示多的；file 按文件顺序。",
)
@click.option(
    "--independent",
    is_flag=True,
    help="独立复核：其他审查人已决定的文件仍列入本人的队列（用于比较审查人之间的一致性）。"
    "默认每份文件只需一人决定，他人已决定的文件不再出现。",
)
def review(reviewer: str, batch_id: str | None, order: str, independent: bool) -> None:
    """逐份审查一个批次：一个按键记录一个决定，立即写入台账。

    按键：1 规范性文件，2 不属于规范性文件，3 建议废止，回车 接受模型结论，
    r 填写理由（法律依据），s 跳过（移到队尾），u 撤销上一个决定（追加更正记录，不删除），
    j/k 或 ↑/↓ 滚动正文，q 退出。退出后再次运行会从上次停下的地方继续。

    多位审查人可同时审查同一批次（共用台账，见 --db）：正在某人界面上的文件不会同时
    分给别人；任何人已决定的文件从所有人的队列中移除。

    没有终端时（输入来自管道或文件），每行读一个按键；“r 理由文字”在同一行给出理由；
    空行等于回车。

    \b
    示例：
      screening review --reviewer 张律师
      screening review --reviewer 张律师 --batch 20261127-093000-ab12 --order file
      printf '1\nr 依据《行政许可法》第十七条\n2\nq\n' | screening review --reviewer 张律师
    """
    from ..review.queue import LeaseKeeper, open_session
    from ..review.view import make_console, show

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not interactive:
        click.echo(
            "未检测到终端：从标准输入逐行读取按键（1/2/3/空行/r 理由/s/u/j/k/q）。", err=True
        )
    try:
        with open_store() as store:
            session = open_session(store, reviewer, batch_id, order, independent)
            console = make_console(interactive)
            try:
                with LeaseKeeper(session):
                    while True:
                        show(console, session, clear=interactive)
                        if session.current is None:
                            break
                        key, rest = read_key(interactive)
                        if key == "r":
                            reason = (
                                rest
                                if rest is not None
                                else click.prompt(
                                    "理由（法律依据）", default="", show_default=False
                                )
                            )
                            session.set_reason(reason)
                            continue
                        if not session.handle(key):
                            break
            finally:
                session.close()
    except ScreeningError as exc:
        fail(exc)
    click.echo(
        f"本次记录 {session.decided_now} 条决定；剩余 {session.remaining} 份待审查。", err=True
    )


@cli.command()
@click.argument("file_or_sha")
@click.option(
    "--label", required=True, type=LABEL_CHOICE, help="结论：normative / non_normative / repeal。"
)
@click.option("--reason", default="", help="理由（法律依据）。")
@click.option("--reviewer", required=True, help="审查人姓名。")
@click.option("--batch", "batch_id", help="所属批次编号（可选）。")
@click.option(
    "--if-undecided",
    is_flag=True,
    help="仅当该文件还没有任何审查人的决定时记录（多人分工时避免重复决定）；已有决定则报错退出（退出码 1）。",
)
def decide(
    file_or_sha: str,
    label: str,
    reason: str,
    reviewer: str,
    batch_id: str | None,
    if_undecided: bool,
) -> None:
    """不经交互界面记录一个审查决定。

    FILE_OR_SHA 为文件路径，或台账中文件的 SHA-256（至少前 8 位）。
    决定附带当时模型对该文件的结论与概率。该文件正在其他审查人的审查界面上打开时
    不记录（退出码 1），请稍后再试。

    \b
    示例：
      screening decide 通知.pdf --label repeal --reason 有效期已届满 --reviewer 张律师
      screening decide 3f2a9c1b --label normative --reviewer 张律师
    """
    from ..labels import LABEL_NAMES
    from ..ledger import decisions as ledger

    try:
        with open_store() as store:
            sha = ledger.resolve_document(store, file_or_sha)
            prediction = store.latest_prediction_any(sha)
            shown = (
                ledger.Shown(prediction.model_version, prediction.label, prediction.probabilities)
                if prediction
                else None
            )
            row = ledger.record_leased(
                store, sha, label, reviewer, reason or None, batch_id, shown, if_undecided
            )
    except ScreeningError as exc:
        fail(exc)
    click.echo(
        f"已记录第 {row['id']} 条决定：{sha[:12]} → {LABEL_NAMES[label]}（审查人 {row['reviewer']}）"
    )


@cli.group()
def audit() -> None:
    """核验台账：哈希链校验与单个文件的决定历史。

    \b
    示例：
      screening audit verify
      screening audit history 通知.pdf
    """


@audit.command("verify")
def audit_verify() -> None:
    """重新计算决定记录的哈希链，指出第一条不符的记录。

    退出码：0 完整；1 发现被修改、删除或调换顺序的记录。

    \b
    示例：
      screening audit verify
    """
    from ..ledger import decisions as ledger

    try:
        with open_store() as store:
            result = ledger.verify(store)
    except ScreeningError as exc:
        fail(exc)
    if result.ok:
        click.echo(f"哈希链完整：共 {result.rows} 条决定记录，均未被修改。")
        return
    raise CliError(f"哈希链校验失败（共 {result.rows} 条记录）：{result.problem}")


@audit.command("history")
@click.argument("file_or_sha")
def audit_history(file_or_sha: str) -> None:
    """列出一份文件的全部决定记录：谁、何时、什么结论、当时模型怎么说。

    \b
    示例：
      screening audit history 通知.pdf
      screening audit history 3f2a9c1b
    """
    from ..labels import LABEL_NAMES
    from ..ledger import decisions as ledger

    try:
        with open_store() as store:
            sha = ledger.resolve_document(store, file_or_sha)
            rows = store.decision_rows(sha)
            paths = store.document_paths(sha)
    except ScreeningError as exc:
        fail(exc)
    click.echo(f"文件 {sha}（{'、'.join(paths) or '未审查过'}）")
    if not rows:
        click.echo("尚无任何决定记录。")
        return
    by_uid = {r["uid"]: r for r in rows}
    for row in rows:
        if row["kind"] == "undo":
            target = by_uid.get(row["corrects_uid"])
            what = f"撤销第 {target['id']} 条决定" if target else "撤销一条决定"
            click.echo(f"#{row['id']} {row['decided_at']} {row['reviewer']}：{what}")
            continue
        model = f"{LABEL_NAMES.get(row['model_label'] or '', '—')}" if row["model_label"] else "—"
        probs = json.loads(row["model_probabilities"]) if row["model_probabilities"] else {}
        shown = (
            f"{model}（{probs.get(row['model_label'], 0):.2f}，模型 {row['model_version']}）"
            if probs
            else model
        )
        reason = f"；理由：{row['reason']}" if row["reason"] else ""
        click.echo(
            f"#{row['id']} {row['decided_at']} {row['reviewer']}：{LABEL_NAMES[row['label']]}；模型当时的结论：{shown}{reason}"
        )


@cli.group()
def decisions() -> None:
    """导出或导入审查决定（全部记录，不只是最新的）。

    \b
    示例：
      screening decisions export --format csv > 决定.csv
      screening decisions import 决定.jsonl
    """


@decisions.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="导出格式。",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="写入文件（默认输出到屏幕）。",
)
def decisions_export(fmt: str, out_file: Path | None) -> None:
    """导出每一条决定记录（含撤销记录），附文件 SHA-256 与路径。

    \b
    示例：
      screening decisions export --format jsonl --out 决定.jsonl
      screening decisions export --format csv > 决定.csv
    """
    from ..ledger import decisions as ledger

    try:
        with open_store() as store:
            text = ledger.export_text(store, fmt)
    except ScreeningError as exc:
        fail(exc)
    if out_file is None:
        click.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        click.echo(f"已导出到 {out_file}", err=True)


@decisions.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def decisions_import(file: Path) -> None:
    """导入 screening decisions export 导出的决定（JSONL 或 CSV）。

    按记录编号（uid）去重：同一文件导入两次不会重复添加；编号相同而内容不同的记录
    视为冲突，列出且不导入。

    \b
    示例：
      screening decisions import 决定.jsonl
    """
    from ..ledger import decisions as ledger

    try:
        with open_store() as store:
            result = ledger.import_file(store, file)
    except ScreeningError as exc:
        fail(exc)
    click.echo(
        f"新增 {result.added} 条，已存在 {result.already_present} 条，冲突 {len(result.conflicts)} 条。"
    )
    for line in result.conflicts:
        click.echo(f"冲突：{line}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def agreement(as_json: bool) -> None:
    """模型与法律顾问的一致程度（按结论），以及两位审查人之间的 Cohen's kappa 与分歧清单。

    \b
    示例：
      screening agreement
      screening agreement --json
    """
    from ..labels import LABEL_NAMES, LABELS
    from ..ledger import decisions as ledger

    try:
        with open_store() as store:
            result = ledger.agreement(store)
    except ScreeningError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if not result["documents"]:
        click.echo("还没有可比较的审查决定。")
        return
    click.echo(f"已决定的文件 {result['documents']} 份，模型与顾问一致 {result['agreement']:.1%}。")
    for lab in LABELS:
        v = result["per_label"][lab]
        recall = "—" if v["recall"] is None else f"{v['recall']:.1%}"
        precision = "—" if v["precision"] is None else f"{v['precision']:.1%}"
        click.echo(
            f"  {pad(LABEL_NAMES[lab], 18)}顾问 {v['advisor']} 份，模型 {v['model']} 份，一致 {v['both']} 份（召回 {recall}，精确 {precision}）"
        )
    for pair in result["reviewer_pairs"]:
        a, b = pair["reviewers"]
        kappa = "无法计算" if pair["kappa"] is None else f"{pair['kappa']:.3f}"
        click.echo(
            f"审查人 {a} 与 {b}：共同审查 {pair['documents']} 份，Cohen's kappa {kappa}，分歧 {len(pair['disagreements'])} 份"
        )
        for d in pair["disagreements"]:
            click.echo(f"  {d['sha256'][:12]}：{a} {LABEL_NAMES[d[a]]}，{b} {LABEL_NAMES[d[b]]}")
