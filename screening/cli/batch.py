"""Batch commands: screen, report, extract, evaluate, explain, rules, train."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import ScreeningError
from . import (
    EXIT_INTERRUPTED,
    EXIT_SOME_FAILED,
    Progress,
    as_of_option,
    batch_as_of_option,
    cli,
    fail,
    limits_options,
    make_limits,
    model_option,
    one_interrupt,
    open_store,
    pad,
)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="报告输出目录（写入 report.json、report.csv、report.md）。",
)
@as_of_option
@model_option
@limits_options
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="在本机用 N 个工作进程并行读取与分析文件（默认：本机可用的处理器核数）；"
    "1 表示在本进程中逐份处理。",
)
@click.option(
    "--scheduler",
    metavar="tcp://主机:端口",
    help="把读取与分析交给已有的 Dask 集群（需 pip install 'screening[dask]'）；"
    "连接不上时报错退出，不会改在本机运行。结果仍由本机按文件顺序写入台账。",
)
@click.option(
    "--send-files",
    is_flag=True,
    help="与 --scheduler 一起使用：把文件内容发给工作节点（工作节点无法按同一路径读取文件时）。",
)
def screen(
    paths: tuple[Path, ...],
    out_dir: Path,
    as_of: str,
    model_path: Path | None,
    time_limit: float,
    max_size: int,
    ocr: str,
    pdf_reader: str,
    workers: int | None,
    scheduler: str | None,
    send_files: bool,
) -> None:
    """审查一批文件并生成报告。

    PATHS 可以是文件或文件夹（递归读取）。文件格式按内容识别，与扩展名无关。
    每份文件的结果立即写入审查台账（数据目录下的 screening.db，或 --db 指定的共用台账）；
    中断后重新运行同一命令，已审查的文件不会重复处理。

    大批量文件可用 --workers 在本机多进程处理，或用 --scheduler 交给 Dask 集群；
    结论与逐份处理完全相同。

    退出码：0 全部完成；3 已完成但有文件读取失败；1 出错；2 用法错误。

    \b
    示例：
      screening screen corpus/examples --out report/
      screening screen 收文/2024 收文/2025/通知.pdf --out 报告/ --as-of 2026-11-27
      screening screen /共享/全面清理 --out 报告/ --scheduler tcp://10.0.0.5:8786
    """
    from ..model import load_model
    from ..pipeline.parallel import make_executor
    from ..report.build import screen_and_report

    if scheduler and workers is not None:
        raise click.UsageError(
            "--workers 与 --scheduler 不能同时使用：集群的工作进程数由集群决定。"
        )
    progress = Progress("审查进度")
    # -- a second Ctrl-C while the batch stops (a few seconds at most) must not break off the
    # stopping halfway
    with one_interrupt():
        try:
            model = load_model(model_path)
            executor = make_executor(workers, scheduler, send_files)
            with open_store() as store:
                limits = make_limits(time_limit, max_size, ocr, pdf_reader)
                report, written = screen_and_report(
                    store,
                    paths,
                    model,
                    as_of,
                    out_dir,
                    progress=progress,
                    limits=limits,
                    executor=executor,
                )
        except ScreeningError as exc:
            fail(exc)
        except KeyboardInterrupt:
            click.echo("\n已中断：已完成的文件均已保存，重新运行同一命令将跳过它们。", err=True)
            sys.exit(EXIT_INTERRUPTED)
        finally:
            progress.close()
    click.echo(report["summary"])
    click.echo(f"批次 {report['batch']['id']}，报告已写入：" + "、".join(str(p) for p in written))
    if report["counts"]["failed"] + report["counts"]["needs_ocr"]:
        sys.exit(EXIT_SOME_FAILED)


@cli.command()
@click.option("--batch", "batch_id", help="批次编号（默认最近一批）。")
@click.option(
    "--format",
    "formats",
    default="html,xlsx,csv,json,md,docx",
    show_default=True,
    help="报告格式，逗号分隔：html、xlsx、csv、json、md、docx（docx 为可直接附在公告后的两份目录）。",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="报告输出目录。",
)
@batch_as_of_option
def report(batch_id: str | None, formats: str, out_dir: Path, as_of: str | None) -> None:
    """为审计人员生成批次报告：摘要、逐件结果、顾问决定、一致性、清理目录。

    最终结论以法律顾问的当前决定为准；尚未审核的文件采用模型结论，标为“模型初判（待审核）”，并在摘要和目录中说明。

    \b
    示例：
      screening report --out 报告/
      screening report --batch 20261127-093000-ab12 --format html,xlsx --out 报告/ --as-of 2026-12-31
    """
    from ..model import load_model
    from ..report import build_report, write_reports

    try:
        with open_store() as store:
            data = build_report(store, batch_id, as_of, load_model())
        written = write_reports(data, out_dir, [f.strip() for f in formats.split(",") if f.strip()])
    except ScreeningError as exc:
        fail(exc)
    click.echo(data["summary"])
    click.echo("报告已写入：" + "、".join(str(p) for p in written))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（便于程序处理）。")
@limits_options
def extract(
    file: Path, as_json: bool, time_limit: float, max_size: int, ocr: str, pdf_reader: str
) -> None:
    """读取一份文件，显示格式、读取方式、页数、提示、元数据和正文。

    \b
    示例：
      screening extract 通知.pdf
      screening extract 通知.docx --json
    """
    from ..pipeline.screen import extract_file

    try:
        sha256, ex = extract_file(file, make_limits(time_limit, max_size, ocr, pdf_reader))
    except ScreeningError as exc:
        fail(exc)
    if as_json:
        payload = {
            "path": str(file),
            "sha256": sha256,
            "format": ex.format,
            "method": ex.method,
            "pages": ex.pages,
            "warnings": ex.warnings,
            "metadata": ex.metadata,
            "text": ex.text,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    meta = ex.metadata
    lines = [
        f"文件：{file}",
        f"SHA-256：{sha256}",
        f"格式：{ex.format}（读取方式：{ex.method}）",
        f"页数：{ex.pages if ex.pages is not None else '—'}",
        f"标题：{meta.get('title') or '—'}",
        f"文号：{meta.get('doc_number') or '—'}",
        f"发文机关：{meta.get('issuer') or '—'}",
        f"成文日期：{meta.get('date') or '—'}",
    ]
    lines += [f"提示：{w}" for w in ex.warnings]
    click.echo("\n".join(lines))
    click.echo("—" * 20)
    click.echo(ex.text, nl=False)


@cli.command()
@click.argument("dataset", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--mask-doc-numbers", is_flag=True, help="遮蔽文号（正文与元数据中），检验模型是否依赖文号。"
)
@as_of_option
@model_option
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出全部指标。")
def evaluate(
    dataset: Path, mask_doc_numbers: bool, as_of: str, model_path: Path | None, as_json: bool
) -> None:
    """在带标签的 JSONL 数据集上评估模型。

    数据集每行一个 JSON 对象，至少含 id（批次内唯一）、text、label（normative / non_normative /
    repeal，也可写作 规范性文件 / 不属于规范性文件 / 建议废止），可选 title、doc_number、issuer、
    date、source。整个数据集作为一个批次评估：较新的文件可按文号或标题废止较旧的文件。

    先按来源（source 字段）分别给出 macro-F1、准确率、校准误差、建议废止召回率和高置信错判数，
    以及各来源 macro-F1 的平均（只计 10 份以上的来源，一个大来源掩盖不了小来源的失败）；再给出
    全体的 macro-F1、各标签精确率/召回率/F1、混淆矩阵、“规范性文件 vs 其他”的准确率、期望校准
    误差（ECE）、按审查队列顺序找到 95% 错判需阅读的比例，以及判错的文件及其主要依据。

    \b
    示例：
      screening evaluate dev.jsonl --as-of 2026-11-27
      screening evaluate dev.jsonl --mask-doc-numbers --json > 评估.json
    """
    from ..model import load_model
    from ..model.evaluate import evaluate as run_evaluation
    from ..model.evaluate import load_dataset

    progress = Progress("评估")
    try:
        model = load_model(model_path)
        records = load_dataset(dataset)
        result = run_evaluation(model, records, as_of, mask_doc_numbers, progress=progress)
    except ScreeningError as exc:
        fail(exc)
    finally:
        progress.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(format_evaluation(result))


def format_evaluation(result: dict[str, Any]) -> str:
    from ..labels import LABEL_NAMES, LABELS

    lines = [
        f"模型 {result['model_version']}，评估基准日 {result['as_of']}"
        + ("，已遮蔽文号" if result["mask_doc_numbers"] else ""),
        "",
        "按来源：",
    ]
    for source, stats in result["per_source"].items():
        recall = stats.get("repeal_recall")
        lines.append(
            f"  {source}：{stats['n']} 份，macro-F1 {stats['macro_f1']:.3f}，准确率 {stats['accuracy']:.3f}，"
            f"ECE {stats['ece']:.3f}，建议废止召回率 "
            + (f"{recall:.3f}" if recall is not None else "—")
            + f"，高置信（≥0.9）错判 {stats['confident_errors']} 份"
        )
    over = result["macro_over_sources"]
    lines.append(
        "  各来源 macro-F1 平均（10 份以上的来源）："
        + (f"{over:.3f}" if over is not None else "—（没有 10 份以上的来源）")
    )
    effort = result["review_effort_95"]
    lines += [
        "",
        f"全体：文件数 {result['n']}；macro-F1 {result['macro_f1']:.3f}；准确率 {result['accuracy']:.3f}；"
        f"规范性文件与其他的区分准确率 {result['normative_vs_rest_accuracy']:.3f}；"
        f"期望校准误差（ECE）{result['ece']:.3f}；高置信（≥0.9）错判 {result['confident_errors']} 份；"
        "按审查队列顺序找到 95% 错判需阅读 "
        + (f"{effort:.0%}" if effort is not None else "—（无错判）"),
        "",
        pad("标签", 18) + "  精确率  召回率      F1  文件数",
    ]
    absent = []
    for i, lab in enumerate(LABELS):
        stats = result["per_label"][lab]
        predicted = sum(row[i] for row in result["confusion"])
        if not stats["support"] and not predicted:
            absent.append(LABEL_NAMES[lab])
            lines.append(pad(LABEL_NAMES[lab], 18) + f"{'—':>8}{'—':>8}{'—':>8}{0:>8d}")
            continue
        lines.append(
            pad(LABEL_NAMES[lab], 18)
            + f"{stats['precision']:>8.3f}{stats['recall']:>8.3f}{stats['f1']:>8.3f}{stats['support']:>8d}"
        )
    if absent:
        lines.append(f"（{'、'.join(absent)}：数据集中没有、也未预测，不计入 macro-F1）")
    lines += ["", "混淆矩阵（行：实际；列：预测，顺序同上）"]
    lines += ["  " + " ".join(f"{n:>5d}" for n in row) for row in result["confusion"]]
    if result["misclassified"]:
        lines += ["", f"判错的文件（{len(result['misclassified'])} 份）："]
        for miss in result["misclassified"]:
            facts = miss["legal_facts"]
            lines.append(
                f"  {miss['id']}：实际 {LABEL_NAMES[miss['label']]}，预测 {LABEL_NAMES[miss['predicted']]}"
                f"（{miss['probability']:.2f}）；依据：{'、'.join(miss['evidence'][:3])}"
                + (f"；法律依据：{'、'.join(facts[:3])}" if facts else "")
            )
    return "\n".join(lines)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@as_of_option
@model_option
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出全部分析结果（含正文）。")
def explain(file: Path, as_of: str, model_path: Path | None, as_json: bool) -> None:
    """显示一份文件的完整分析：元数据、结构、模型依据、每条规则发现及其原文位置、结论。

    单独分析一份文件时不适用批次规则（被本批次较新文件废止）。

    \b
    示例：
      screening explain 通知.pdf
      screening explain 通知.pdf --as-of 2026-11-27 --json
    """
    from ..model import load_model
    from ..pipeline.screen import explain_path

    try:
        result = explain_path(file, load_model(model_path), as_of)
    except ScreeningError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(format_explanation(result))


def format_explanation(result: dict[str, Any]) -> str:
    from ..labels import LABEL_NAMES, LABELS

    s = result["structure"]
    number = s.get("doc_number") or {}
    defects = "、".join(number.get("defects") or []) if number else ""
    lines = [
        f"文件：{result['path']}（{result['format']}，{result['method']}）",
        f"标题：{s.get('title') or '—'}",
        f"文号：{number.get('raw') or '—'}"
        + (f"（格式问题：{defects}）" if defects else "")
        + ("（规范性文件编号）" if number.get("normative_series") else ""),
        f"发文机关：{'、'.join(s.get('issuers') or []) or '—'}（层级：{ {'central': '中央', 'local': '地方'}.get(s.get('issuer_level'), '未知') }）",
        f"主送机关：{'、'.join(s.get('addressees') or []) or '—'}"
        + ("（特定对象）" if s.get("specific_addressee") else ""),
        f"成文日期：{s.get('issue_date') or '—'}；施行日期：{s.get('effective_date') or '—'}；"
        f"有效期至：{s.get('valid_until') or s.get('expiry') or '—'}"
        + (
            f"（有效期 {s['validity_years']:g} 年，自施行日推算）"
            if s.get("validity_years")
            else ""
        ),
        f"暂行/试行：{'是' if s.get('provisional') else '否'}；章 {s.get('chapters', 0)}，条 {s.get('articles', 0)}；"
        f"解释机关：{s.get('interpreter') or '—'}",
        "",
        f"结论（评估基准日 {result['as_of']}，模型 {result['model_version']}）：{result['label_name']}",
        "概率："
        + "，".join(f"{LABEL_NAMES[lab]} {result['probabilities'][lab]:.2f}" for lab in LABELS),
        "用词依据：" + ("、".join(e["phrase"] for e in result["evidence"]) or "—"),
    ]
    facts = result.get("legal_facts") or []
    lines += ["", "法律依据（对“属于规范性文件”的权重）：" + ("" if facts else "无")]
    for f in facts:
        span = f"第 {f['span'][0]}–{f['span'][1]} 字" if f.get("span") else "—"
        lines.append(f"  {f['title']}（{f['weight']:+g}，{span}）：{f['detail']}")
    if result["findings"]:
        lines.append("")
        lines.append("规则发现：")
        for f in result["findings"]:
            span = f"第 {f['span'][0]}–{f['span'][1]} 字" if f.get("span") else "—"
            lines.append(f"  [{f['rule_id']}] {f['title']}（{span}）：{f['detail']}")
            if f.get("excerpt"):
                lines.append(f"      原文：{f['excerpt']}")
            lines.append(f"      依据：{f['basis']}")
    else:
        lines += ["", "规则发现：无"]
    return "\n".join(lines)


@cli.command("rules")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def rules_command(as_json: bool) -> None:
    """列出全部审查规则：编号、名称、类别、严重程度与法律依据。

    \b
    示例：
      screening rules
      screening rules --json
    """
    from ..law import GROUP_NAMES, RULES, SEVERITY_NAMES

    if as_json:
        click.echo(json.dumps([r.to_dict() for r in RULES.values()], ensure_ascii=False, indent=2))
        return
    for rule in RULES.values():
        batch = "（批次规则）" if rule.batch else ""
        click.echo(
            f"{rule.id}  {rule.title}{batch}  [{GROUP_NAMES[rule.group]}·{SEVERITY_NAMES[rule.severity]}]"
        )
        click.echo(f"    依据：{rule.basis}")


@cli.command()
@click.option(
    "--corpus",
    "corpus_dir",
    default="corpus",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="语料目录（含 docs/ 与 dict/）。",
)
@click.option(
    "--with-decisions",
    is_flag=True,
    help="同时用台账中每份文件的当前审查决定训练（决定优先于语料中同一文件的标签）："
    "已决定的文件成为相似文件的先例；学习词语和校准概率时，每条决定都按三份语料文件计。",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="模型输出目录（默认：数据目录下的模型库，作为候选模型）。",
)
@click.option(
    "--set-current",
    is_flag=True,
    help="把新模型设为输出目录中的当前模型（用于重建随软件发布的默认模型）。",
)
@click.option(
    "--seed", default=0, show_default=True, help="随机种子（相同语料与种子得到相同模型）。"
)
def train(
    corpus_dir: Path, with_decisions: bool, out_dir: Path | None, set_current: bool, seed: int
) -> None:
    """用语料（可加上审查决定）训练模型，写入模型文件和模型卡。

    新模型默认作为候选模型存入模型库，不会自动启用：用 screening models promote
    比较后启用。重建随软件发布的默认模型：screening train --out models --set-current。

    \b
    示例：
      screening train --with-decisions
      screening train --corpus corpus --out models --set-current
    """
    from ..model.registry import set_current as point_to
    from ..model.retrain import train_candidate

    progress = Progress("训练")
    try:
        if with_decisions:
            with open_store() as store:
                model, path = train_candidate(corpus_dir, store, out_dir, seed, progress.stage)
        else:
            model, path = train_candidate(corpus_dir, None, out_dir, seed, progress.stage)
        if set_current:
            point_to(path.parent, path)
    except ScreeningError as exc:
        fail(exc)
    finally:
        progress.close()
    cv = model.card["cross_validation"]
    data = model.card["training_data"]
    click.echo(
        f"模型 {model.version} 已写入 {path}"
        + ("（已设为当前模型）" if set_current else "（候选模型）")
    )
    click.echo(
        f"训练文件 {data['documents']} 份（其中审查决定 {data.get('decisions', 0)} 份）；"
        f"{model.card['params']['folds']} 折交叉验证 macro-F1 {cv['macro_f1']:.3f}，"
        f"准确率 {cv['accuracy']:.3f}，校准误差（ECE）{cv['ece']:.3f}"
    )
    if not set_current:
        click.echo(f"启用前请比较：screening models promote {model.version}")
