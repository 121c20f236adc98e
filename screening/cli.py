"""The ``screening`` command line: thin click commands over the library.

Only this module imports click. Commands parse options, call one library function and format
its result; library errors (:class:`~screening.errors.ScreeningError`) become one clean line on
stderr. Heavy modules are imported inside commands so that ``screening --help`` starts fast.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .errors import ScreeningError

EXIT_SOME_FAILED = 3
EXIT_INTERRUPTED = 130


class CliError(click.ClickException):
    """A library error shown as ``错误：…`` on stderr, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


def fail(exc: ScreeningError) -> NoReturn:
    raise CliError(str(exc)) from exc


class Progress:
    """A progress bar on stderr, drawn only on a terminal and only once the total is known.

    Library functions report ``(done, total)``; piped or captured output stays clean.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int, *_: object) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label=self.label, file=sys.stderr, show_pos=True
            )
            self.bar.__enter__()
        self.bar.length = total
        self.bar.update(done - self.bar.pos)

    def stage(self, stage: str, done: int, total: int) -> None:
        """Progress of a multi-stage job: a new stage starts a new bar."""
        if self.bar is not None and stage != self.label:
            self.close()
        self.label = stage
        self(done, total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    if value is None:
        return date.today().isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(
            f"日期格式应为 YYYY-MM-DD，例如 2026-11-27，而不是 {value!r}。"
        ) from None


as_of_option = click.option(
    "--as-of",
    callback=_as_of,
    metavar="YYYY-MM-DD",
    help="评估基准日（默认今天）：有效期、废止等与日期有关的判断以此日为准。",
)
model_option = click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path, exists=True),
    help="使用指定的模型文件（.npz）或模型目录；默认使用已安装的默认模型。",
)


def limits_options(func: Any) -> Any:
    """--time-limit, --max-size, --ocr and --pdf-reader, turned into a ``limits`` argument."""
    options = [
        click.option(
            "--time-limit",
            type=click.FloatRange(min=0),
            default=60.0,
            show_default=True,
            help="每份文件的读取时限（秒），超时的文件记为失败、批次继续；0 表示不限时。OCR 每页另加 30 秒。",
        ),
        click.option(
            "--max-size",
            type=click.IntRange(min=1),
            default=200,
            show_default=True,
            help="单个文件大小上限（MB），超过的文件记为失败。",
        ),
        click.option(
            "--ocr",
            type=click.Choice(["auto", "rapidocr", "tesseract", "off"]),
            default="auto",
            show_default=True,
            help="扫描件的文字识别引擎：auto 自动选择已安装的引擎；off 不做识别（记为需要OCR）。",
        ),
        click.option(
            "--pdf-reader",
            type=click.Choice(["fast", "layout"]),
            default="fast",
            show_default=True,
            help="PDF 读取方式：fast 用 pypdfium2（快）；layout 用 pdfplumber（按版面读取，较慢）。",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def make_limits(time_limit: float, max_size: int, ocr: str, pdf_reader: str) -> Any:
    from .config import Limits

    return Limits(
        time_limit_s=time_limit,
        max_file_bytes=max_size * 1024 * 1024,
        ocr=ocr,
        pdf_reader=pdf_reader,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message="screening %(version)s")
def cli() -> None:
    """screening：行政规范性文件审查工具（离线）。

    读取一批政府文件（PDF、Word、网页、文本），判断每份文件属于规范性文件、
    不属于规范性文件还是建议废止，给出依据，并把结果记入审查台账。

    \b
    示例：
      screening screen 文件夹/ --out 报告/
      screening extract 通知.pdf
    """


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
def screen(
    paths: tuple[Path, ...],
    out_dir: Path,
    as_of: str,
    model_path: Path | None,
    time_limit: float,
    max_size: int,
    ocr: str,
    pdf_reader: str,
) -> None:
    """审查一批文件并生成报告。

    PATHS 可以是文件或文件夹（递归读取）。文件格式按内容识别，与扩展名无关。
    每份文件的结果立即写入审查台账（数据目录下的 screening.db，可用环境变量
    SCREENING_HOME 指定数据目录）；中断后重新运行同一命令，已审查的文件不会重复处理。

    退出码：0 全部完成；3 已完成但有文件读取失败；1 出错；2 用法错误。

    \b
    示例：
      screening screen corpus/examples --out report/
      screening screen 收文/2024 收文/2025/通知.pdf --out 报告/ --as-of 2026-11-27
    """
    from .registry import load_model
    from .report import screen_and_report
    from .store import Store

    progress = Progress("审查进度")
    try:
        model = load_model(model_path)
        with Store.open() as store:
            limits = make_limits(time_limit, max_size, ocr, pdf_reader)
            report, written = screen_and_report(
                store, paths, model, as_of, out_dir, progress=progress, limits=limits
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
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    callback=lambda c, p, v: None if v is None else _as_of(c, p, v),
    help="评估基准日（默认为该批次审查时的基准日）；与批次不同时按新日期重新判断有效期等。",
)
def report(batch_id: str | None, formats: str, out_dir: Path, as_of: str | None) -> None:
    """为审计人员生成批次报告：摘要、逐件结果、顾问决定、一致性、清理目录。

    最终结论以法律顾问的当前决定为准，尚未审核的文件采用模型结论，并在摘要中说明。

    \b
    示例：
      screening report --out 报告/
      screening report --batch 20261127-093000-ab12 --format html,xlsx --out 报告/ --as-of 2026-12-31
    """
    from .registry import load_model
    from .report import build_report, write_reports
    from .store import Store

    try:
        with Store.open() as store:
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
    from .screen import extract_file

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
    help="同时用台账中每份文件的当前审查决定训练（决定优先于语料中同一文件的标签）。",
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
    from .registry import set_current as point_to
    from .retrain import train_candidate
    from .store import Store

    progress = Progress("训练")
    try:
        if with_decisions:
            with Store.open() as store:
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
    from .registry import list_models

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
    from .registry import find_model

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
    候选模型 macro-F1 更低时拒绝启用（退出码 1），除非加 --force。

    \b
    示例：
      screening models promote 3f2a9c1b
      screening models promote 3f2a9c1b --eval dev.jsonl --as-of 2026-11-27
    """
    from .retrain import promote
    from .store import Store

    try:
        with Store.open() as store:
            result = promote(store, version, as_of, eval_path, force)
    except ScreeningError as exc:
        fail(exc)

    def score(s: dict[str, Any]) -> str:
        return "—" if s.get("macro_f1") is None else f"{s['macro_f1']:.3f}"

    click.echo(
        f"评估文件 {result.eval_documents} 份：候选模型 {result.candidate} macro-F1 {score(result.candidate_score)}；"
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
    from .registry import rollback

    try:
        old, new = rollback()
    except ScreeningError as exc:
        fail(exc)
    click.echo(f"已回滚：停用 {old}，恢复使用 {new}。")


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

    数据集每行一个 JSON 对象，至少含 id、text、label（normative / non_normative / repeal），
    可选 title、doc_number、issuer、date、source。输出 macro-F1、各标签精确率/召回率/F1、
    混淆矩阵、“规范性文件 vs 其他”的准确率、期望校准误差（ECE）、按来源的得分，
    以及判错的文件及其主要依据。

    \b
    示例：
      screening evaluate dev.jsonl --as-of 2026-11-27
      screening evaluate dev.jsonl --mask-doc-numbers --json > 评估.json
    """
    from .evaluate import evaluate as run_evaluation
    from .evaluate import load_dataset
    from .registry import load_model

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


@cli.command("rules")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def rules_command(as_json: bool) -> None:
    """列出全部审查规则：编号、名称、类别、严重程度与法律依据。

    \b
    示例：
      screening rules
      screening rules --json
    """
    from .rules import GROUP_NAMES, RULES, SEVERITY_NAMES

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
    from .registry import load_model
    from .screen import explain_path

    try:
        result = explain_path(file, load_model(model_path), as_of)
    except ScreeningError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(format_explanation(result))


def format_explanation(result: dict[str, Any]) -> str:
    from .labels import LABEL_NAMES, LABELS

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
        f"有效期至：{s.get('valid_until') or '—'}"
        + (f"；有效期 {s['validity_years']} 年" if s.get("validity_years") else ""),
        f"暂行/试行：{'是' if s.get('provisional') else '否'}；章 {s.get('chapters', 0)}，条 {s.get('articles', 0)}；"
        f"解释机关：{s.get('interpreter') or '—'}",
        "",
        f"结论（评估基准日 {result['as_of']}，模型 {result['model_version']}）：{result['label_name']}",
        "概率："
        + "，".join(f"{LABEL_NAMES[lab]} {result['probabilities'][lab]:.2f}" for lab in LABELS),
        "模型依据：" + ("、".join(e["phrase"] for e in result["evidence"]) or "—"),
    ]
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
    type=click.Choice(["uncertainty", "flags", "file"]),
    default="uncertainty",
    show_default=True,
    help="排队方式：uncertainty 先看模型最拿不准的（前两个结论概率之差最小）；flags 先看风险提示多的；file 按文件顺序。",
)
def review(reviewer: str, batch_id: str | None, order: str) -> None:
    """逐份审查一个批次：一个按键记录一个决定，立即写入台账。

    按键：1 规范性文件，2 不属于规范性文件，3 建议废止，回车 接受模型结论，
    r 填写理由（法律依据），s 跳过（移到队尾），u 撤销上一个决定（追加更正记录，不删除），
    j/k 或 ↑/↓ 滚动正文，q 退出。退出后再次运行会从上次停下的地方继续。

    没有终端时（输入来自管道或文件），每行读一个按键；“r 理由文字”在同一行给出理由；
    空行等于回车。

    \b
    示例：
      screening review --reviewer 张律师
      screening review --reviewer 张律师 --batch 20261127-093000-ab12 --order file
      printf '1\nr 依据《行政许可法》第十七条\n2\nq\n' | screening review --reviewer 张律师
    """
    from .review import open_session
    from .review_view import make_console, show
    from .store import Store

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not interactive:
        click.echo(
            "未检测到终端：从标准输入逐行读取按键（1/2/3/空行/r 理由/s/u/j/k/q）。", err=True
        )
    try:
        with Store.open() as store:
            session = open_session(store, reviewer, batch_id, order)
            console = make_console(interactive)
            while True:
                show(console, session, clear=interactive)
                if session.current is None:
                    break
                key, rest = read_key(interactive)
                if key == "r":
                    reason = (
                        rest
                        if rest is not None
                        else click.prompt("理由（法律依据）", default="", show_default=False)
                    )
                    session.set_reason(reason)
                    continue
                if not session.handle(key):
                    break
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
def decide(file_or_sha: str, label: str, reason: str, reviewer: str, batch_id: str | None) -> None:
    """不经交互界面记录一个审查决定。

    FILE_OR_SHA 为文件路径，或台账中文件的 SHA-256（至少前 8 位）。
    决定附带当时模型对该文件的结论与概率。

    \b
    示例：
      screening decide 通知.pdf --label repeal --reason 有效期已届满 --reviewer 张律师
      screening decide 3f2a9c1b --label normative --reviewer 张律师
    """
    from . import ledger
    from .labels import LABEL_NAMES
    from .store import Store

    try:
        with Store.open() as store:
            sha = ledger.resolve_document(store, file_or_sha)
            prediction = store.latest_prediction_any(sha)
            shown = (
                ledger.Shown(prediction.model_version, prediction.label, prediction.probabilities)
                if prediction
                else None
            )
            row = ledger.record(store, sha, label, reviewer, reason or None, batch_id, shown)
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
    from . import ledger
    from .store import Store

    try:
        with Store.open() as store:
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
    from . import ledger
    from .labels import LABEL_NAMES
    from .store import Store

    try:
        with Store.open() as store:
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
    from . import ledger
    from .store import Store

    try:
        with Store.open() as store:
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
    from . import ledger
    from .store import Store

    try:
        with Store.open() as store:
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
    from . import ledger
    from .labels import LABEL_NAMES, LABELS
    from .store import Store

    try:
        with Store.open() as store:
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


def pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (CJK characters take two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def format_evaluation(result: dict[str, Any]) -> str:
    from .labels import LABEL_NAMES, LABELS

    lines = [
        f"模型 {result['model_version']}，评估基准日 {result['as_of']}"
        + ("，已遮蔽文号" if result["mask_doc_numbers"] else ""),
        f"文件数 {result['n']}；macro-F1 {result['macro_f1']:.3f}；准确率 {result['accuracy']:.3f}；"
        f"规范性文件与其他的区分准确率 {result['normative_vs_rest_accuracy']:.3f}；"
        f"期望校准误差（ECE）{result['ece']:.3f}",
        "",
        pad("标签", 18) + "  精确率  召回率      F1  文件数",
    ]
    for lab in LABELS:
        stats = result["per_label"][lab]
        lines.append(
            pad(LABEL_NAMES[lab], 18)
            + f"{stats['precision']:>8.3f}{stats['recall']:>8.3f}{stats['f1']:>8.3f}{stats['support']:>8d}"
        )
    lines += ["", "混淆矩阵（行：实际；列：预测，顺序同上）"]
    lines += ["  " + " ".join(f"{n:>5d}" for n in row) for row in result["confusion"]]
    lines += ["", "按来源："]
    for source, stats in result["per_source"].items():
        lines.append(
            f"  {source}：{stats['n']} 份，准确率 {stats['accuracy']:.3f}，macro-F1 {stats['macro_f1']:.3f}"
        )
    if result["misclassified"]:
        lines += ["", f"判错的文件（{len(result['misclassified'])} 份）："]
        for miss in result["misclassified"]:
            lines.append(
                f"  {miss['id']}：实际 {LABEL_NAMES[miss['label']]}，预测 {LABEL_NAMES[miss['predicted']]}"
                f"（{miss['probability']:.2f}）；依据：{'、'.join(miss['evidence'][:3])}"
            )
    return "\n".join(lines)


def main() -> None:  # pragma: no cover - console entry for python -m screening
    cli()
