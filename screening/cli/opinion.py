"""The opinion command: draft legality-review opinions for the normative files of a batch."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ScreeningError
from . import batch_as_of_option, cli, fail, open_store


@cli.command()
@click.argument("targets", nargs=-1, metavar="[FILES_OR_SHA]...")
@click.option("--batch", "batch_id", help="批次编号（默认最近一批）。")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="意见书输出目录。",
)
@batch_as_of_option
@click.option(
    "--format",
    "formats",
    default="docx,md",
    show_default=True,
    help="输出格式，逗号分隔：docx、md。",
)
def opinion(
    targets: tuple[str, ...], batch_id: str | None, out_dir: Path, as_of: str | None, formats: str
) -> None:
    """为规范性文件起草合法性审查意见书（初稿）。

    FILES_OR_SHA 为批次中的文件路径或其 SHA-256（至少前 8 位）；不给出时为批次中的全部文件。

    模型或法律顾问认为属于规范性文件（或建议废止）的文件，写出意见书初稿（DOCX 与 Markdown）：制定主体、制定权限、制定程序、内容、公平竞争审查和审查结论，每个问题附原文、依据和修改建议。模型和法律顾问都认为不属于规范性文件的，只写一段说明。

    初稿只列出规则初步筛查发现的问题，须经审查人核实、修改并签署。

    \b
    示例：
      screening opinion --out 意见书/
      screening opinion 通知.pdf 3f2a9c1b --batch 20261127-093000-ab12 --out 意见书/ --format docx
    """
    from ..model import load_model
    from ..report.opinion_write import draft_opinions

    try:
        with open_store() as store:
            result, written = draft_opinions(
                store,
                targets,
                out_dir,
                batch_id,
                as_of,
                [f.strip() for f in formats.split(",")],
                load_model(),
            )
    except ScreeningError as exc:
        fail(exc)
    drafted = notes = 0
    for op in result.opinions:
        if op.kind == "opinion":
            drafted += 1
            assert op.conclusion is not None
            what = f"意见书初稿（初稿建议：{op.conclusion.proposed or '不适用'}）"
        else:
            notes += 1
            what = "不出具意见书，写了说明"
        click.echo(f"{op.seq}. {op.title}：{what}")
    click.echo(
        f"批次 {result.batch['id']}，评估基准日 {result.as_of}：意见书初稿 {drafted} 份，说明 {notes} 份，"
        f"共 {len(written)} 个文件已写入 {out_dir}。初稿须经审查人核实、修改并签署。"
    )
