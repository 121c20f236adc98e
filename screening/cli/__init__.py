"""The ``screening`` command line: thin click commands over the library.

Only this package imports click; its modules hold one group of commands each (batch, ledger,
models) and register them on :data:`cli`. Commands parse options, call one library function and format
its result; library errors (:class:`~screening.errors.ScreeningError`) become one clean line on
stderr. Heavy modules are imported inside commands so that ``screening --help`` starts fast.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import __version__
from ..errors import ScreeningError

EXIT_SOME_FAILED = 3


EXIT_INTERRUPTED = 130


class CliError(click.ClickException):
    """A library error shown as ``错误：…`` on stderr, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


def fail(exc: ScreeningError) -> NoReturn:
    raise CliError(str(exc)) from exc


@contextmanager
def one_interrupt() -> Iterator[None]:
    """The first Ctrl-C interrupts; later ones, while the command stops (records what is done,
    stops its worker processes: seconds at most) and exits, are ignored, so that the stopping is
    not broken off halfway. Only in the main thread, where Python receives signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    interrupted = False

    def first(signum: int, frame: Any) -> None:
        nonlocal interrupted
        interrupted = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        if not interrupted:  # -- else Ctrl-C stays ignored until the command has exited
            signal.signal(signal.SIGINT, previous)


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


#: For commands that reread a stored batch (report, opinion): no date means the batch's own.
batch_as_of_option = click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    callback=lambda c, p, v: None if v is None else _as_of(c, p, v),
    help="评估基准日（默认为该批次审查时的基准日）；与批次不同时按新日期重新判断有效期等。",
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
    from ..config import Limits

    return Limits(
        time_limit_s=time_limit,
        max_file_bytes=max_size * 1024 * 1024,
        ocr=ocr,
        pdf_reader=pdf_reader,
    )


class GuardedGroup(click.Group):
    """The command group: an exception no command expected (a bug) is logged with its traceback
    in the data directory's error log and shown as one Chinese line, never as a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ScreeningError as exc:
            fail(exc)
        except Exception as exc:
            from ..errorlog import log_exception

            logged = log_exception("命令：screening " + " ".join(sys.argv[1:]), exc)
            where = f"详细信息已记入日志 {logged}" if logged else "详细信息未能写入日志"
            raise CliError(
                f"程序内部错误（{type(exc).__name__}），命令未能完成；已保存的审查结果不受影响。"
                f"{where}，请将该日志发给开发者。"
            ) from exc


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message="screening %(version)s")
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="审查台账所在的数据库：postgresql://用户@主机:端口/数据库（办公室共用的台账，需 "
    "pip install 'screening[postgres]'），或 SQLite 文件路径。优先于环境变量 SCREENING_DB；"
    "两者都未设置时使用数据目录下的 screening.db。",
)
def cli(db_url: str | None) -> None:
    """screening：行政规范性文件审查工具（离线）。

    读取一批政府文件（PDF、Word、网页、文本），判断每份文件属于规范性文件、
    不属于规范性文件还是建议废止，给出依据，并把结果记入审查台账。

    \b
    示例：
      screening screen 文件夹/ --out 报告/
      screening extract 通知.pdf
      screening --db postgresql://zhang@ledger.local/screening review --reviewer 张律师
    """


def open_store() -> Any:
    """Open the ledger named by the global ``--db`` option (else ``$SCREENING_DB``, else the
    SQLite file in the data directory)."""
    from ..ledger import Store

    return Store.open(click.get_current_context().find_root().params.get("db_url"))


def pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (CJK characters take two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def main() -> None:  # pragma: no cover - console entry for python -m screening
    cli()


# The commands live in one module per group; importing them registers them on ``cli``.
from . import batch, db, ledger, models, opinion  # noqa: E402, F401
