"""Ledger database commands: db status, db grants."""

from __future__ import annotations

import json

import click

from ..errors import ScreeningError
from . import cli, fail, open_store


@cli.group("db")
def db_group() -> None:
    """审查台账数据库：查看所在位置与结构版本，为共用台账的审查人账户授权。

    \b
    示例：
      screening db status
      screening --db postgresql://owner@ledger.local/screening db grants reviewers --apply
    """


@db_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def db_status(as_json: bool) -> None:
    """显示台账在哪个数据库、已执行的结构迁移和各表行数。

    打开台账时会先执行尚未执行的结构迁移：共用台账升级后，由数据库管理员用表的所有者账户
    运行一次本命令即可完成升级。

    \b
    示例：
      screening db status
      screening --db postgresql://owner@ledger.local/screening db status --json
    """
    try:
        with open_store() as store:
            status = store.status()
    except ScreeningError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=2))
        return
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[status["engine"]]
    counts = status["counts"]
    click.echo(f"台账：{engine} {status['location']}")
    click.echo(
        f"结构：已执行 {len(status['migrations'])} 个迁移（最新 {status['migrations'][-1]['name']}），"
        f"待执行 {len(status['pending'])} 个"
    )
    click.echo(
        f"文件 {counts['documents']} 份，批次 {counts['batches']} 个，模型结论 {counts['predictions']} 条，"
        f"审查决定 {counts['decisions']} 条"
    )


@db_group.command("grants")
@click.argument("role")
@click.option(
    "--apply", is_flag=True, help="直接在 --db 指定的 PostgreSQL 台账上执行（须用表的所有者账户）。"
)
def db_grants(role: str, apply: bool) -> None:
    """列出（或执行）让数据库账户 ROLE 审查文件、记录决定所需的授权语句。

    该账户对决定表只有查询与追加权限，没有修改（UPDATE）、删除（DELETE）和清空（TRUNCATE）
    权限，也不能修改表结构；数据库触发器另外拒绝对决定的任何修改。

    \b
    示例：
      screening db grants reviewers | psql -d screening
      screening --db postgresql://owner@ledger.local/screening db grants reviewers --apply
    """
    from ..ledger.migrations import reviewer_grants

    if not apply:
        for statement in reviewer_grants(role):
            click.echo(statement + ";")
        return
    try:
        with open_store() as store:
            statements = store.grant_reviewer(role)
    except ScreeningError as exc:
        fail(exc)
    click.echo(f"已为数据库账户 {role} 执行 {len(statements)} 条授权语句。")
