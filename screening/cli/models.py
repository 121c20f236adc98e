"""Model registry commands: models list, show, promote, rollback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import ScreeningError
from . import (
    CliError,
    Progress,
    as_of_option,
    cli,
    fail,
    open_store,
)


@cli.group()
def models() -> None:
    """模型库：查看、启用（只在不变差时）与回滚模型。

    \b
    示例：
      screening models list
      screening models promote 3f2a9c1b --eval dev.jsonl
      screening models rollback
    """


@models.command("list")
def models_list() -> None:
    """列出模型库与内置的模型，标出当前使用的模型（*）。

    \b
    示例：
      screening models list
    """
    from ..model.registry import list_models

    try:
        entries = list_models()
    except ScreeningError as exc:
        fail(exc)
    for e in entries:
        cv = e.card.get("cross_validation", {}).get("macro_f1")
        score = f"{cv:.3f}" if isinstance(cv, float) else "—"
        mark = "* " if e.current else "  "
        docs = e.card.get("training_data", {}).get("documents", "—")
        click.echo(
            f"{mark}{e.version}  {e.where}  {e.card.get('created_at', '—')}  训练文件 {docs} 份  "
            f"交叉验证 macro-F1 {score}  上一版 {e.card.get('parent_version') or '—'}"
        )


@models.command("show")
@click.argument("version")
def models_show(version: str) -> None:
    """显示一个模型的模型卡（JSON）。

    \b
    示例：
      screening models show 3f2a9c1b
    """
    from ..model.registry import find_model

    try:
        entry = find_model(version)
    except ScreeningError as exc:
        fail(exc)
    click.echo(f"文件：{entry.path}")
    click.echo(json.dumps(entry.card, ensure_ascii=False, indent=2))


@models.command("promote")
@click.argument("version")
@click.option(
    "--eval",
    "eval_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="另加一个带标签的 JSONL 数据集参与比较。",
)
@click.option("--force", is_flag=True, help="即使候选模型得分更低也启用。")
@as_of_option
def models_promote(version: str, eval_path: Path | None, force: bool, as_of: str) -> None:
    """比较候选模型与当前模型，不变差才启用。

    两个模型在同一评估集上比较：台账中候选模型未训练过的审查决定，加上 --eval 指定的数据集。
    候选模型用到了台账中全部审查决定时（用全部决定重新训练后），改用交叉验证比较：把决定分成
    5 份，候选模型每次去掉其中 1 份重新拟合、在这 1 份上评分，当前模型在同样的文件上评分
    （至少需要 6 条决定，并需要训练时的语料目录）。候选模型 macro-F1 更低时拒绝启用（退出码 1），
    除非加 --force。

    \b
    示例：
      screening models promote 3f2a9c1b
      screening models promote 3f2a9c1b --eval dev.jsonl --as-of 2026-11-27
    """
    from ..model.retrain import promote

    progress = Progress("比较模型")
    try:
        with open_store() as store:
            result = promote(store, version, as_of, eval_path, force, progress.stage)
    except ScreeningError as exc:
        fail(exc)
    finally:
        progress.close()

    def score(s: dict[str, Any]) -> str:
        return "—" if s.get("macro_f1") is None else f"{s['macro_f1']:.3f}"

    how = "（按审查决定交叉验证）" if result.method == "cross_validation" else ""
    click.echo(
        f"评估文件 {result.eval_documents} 份{how}：候选模型 {result.candidate} macro-F1 {score(result.candidate_score)}；"
        f"当前模型 {result.current} macro-F1 {score(result.current_score)}"
    )
    if not result.promoted:
        raise CliError("候选模型比当前模型差，未启用。确需启用请加 --force。")
    click.echo(
        f"已启用模型 {result.candidate}"
        + ("（强制）" if result.forced else "")
        + "；可用 screening models rollback 回滚。"
    )


@models.command("rollback")
def models_rollback() -> None:
    """回滚到上一次启用之前使用的模型。

    \b
    示例：
      screening models rollback
    """
    from ..model.registry import rollback

    try:
        old, new = rollback()
    except ScreeningError as exc:
        fail(exc)
    click.echo(f"已回滚：停用 {old}，恢复使用 {new}。")
