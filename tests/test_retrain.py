"""Retraining on decisions, and a registry that only promotes a model that is not worse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening import ledger
from screening.cli import cli
from screening.corpus import load_corpus
from screening.labels import LABELS
from screening.model import ScreeningModel
from screening.registry import load_model, resolve_model_path
from screening.screen import screen_paths
from screening.store import Store

REPO = Path(__file__).resolve().parents[1]


def small_corpus(dest: Path, per_label: int, offset: int = 0) -> Path:
    """A corpus folder with ``per_label`` documents of each label, taken from ours."""
    docs = load_corpus(REPO / "corpus")
    (dest / "docs").mkdir(parents=True)
    shutil.copytree(REPO / "corpus" / "dict", dest / "dict")
    for lab in LABELS:
        for doc in [d for d in docs if d.label == lab][offset : offset + per_label]:
            shutil.copy(doc.path, dest / "docs" / doc.path.name)  # type: ignore[arg-type]
    return dest


def heldout_jsonl(path: Path, per_label: int) -> Path:
    """Documents not in any small corpus above (taken from the end of each label's list)."""
    docs = load_corpus(REPO / "corpus")
    rows = [d for lab in LABELS for d in [d for d in docs if d.label == lab][-per_label:]]
    path.write_text(
        "".join(
            json.dumps({"id": d.id, "text": d.text, "label": d.label}, ensure_ascii=False) + "\n"
            for d in rows
        ),
        encoding="utf-8",
    )
    return path


def train(corpus: Path, *extra: str) -> str:
    result = CliRunner().invoke(cli, ["train", "--corpus", str(corpus), *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.split()[1]  # "模型 <version> 已写入 …"


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("corpora")
    return {
        "tiny": small_corpus(base / "tiny", 4),
        "bigger": small_corpus(base / "bigger", 60, offset=4),
        "eval": heldout_jsonl(base / "eval.jsonl", 25),
    }


def test_promotion_refuses_worse_and_accepts_better(corpora: dict[str, Path]) -> None:
    shipped = load_model().version
    tiny = train(corpora["tiny"])
    bigger = train(corpora["bigger"])
    runner = CliRunner()
    refused = runner.invoke(cli, ["models", "promote", tiny, "--eval", str(corpora["eval"])])
    assert refused.exit_code == 1
    assert refused.stdout.startswith(f"评估文件 75 份：候选模型 {tiny} macro-F1 ")
    assert f"当前模型 {shipped} macro-F1 " in refused.stdout
    assert refused.stderr == "错误：候选模型比当前模型差，未启用。确需启用请加 --force。\n"
    assert load_model().version == shipped

    forced = runner.invoke(
        cli, ["models", "promote", tiny, "--eval", str(corpora["eval"]), "--force"]
    )
    assert forced.exit_code == 0 and load_model().version == tiny
    better = runner.invoke(cli, ["models", "promote", bigger, "--eval", str(corpora["eval"])])
    assert better.exit_code == 0, better.output
    assert better.stdout.endswith(f"已启用模型 {bigger}；可用 screening models rollback 回滚。\n")
    assert load_model().version == bigger

    back = runner.invoke(cli, ["models", "rollback"])
    assert back.stdout == f"已回滚：停用 {bigger}，恢复使用 {tiny}。\n"
    back = runner.invoke(cli, ["models", "rollback"])
    assert back.stdout == f"已回滚：停用 {tiny}，恢复使用 {shipped}。\n"
    assert (
        runner.invoke(cli, ["models", "rollback"]).stderr
        == "错误：没有可回滚的启用记录：当前使用的是最初的模型。\n"
    )


def test_promotion_without_evaluation_data_is_refused(corpora: dict[str, Path]) -> None:
    tiny = train(corpora["tiny"])
    result = CliRunner().invoke(cli, ["models", "promote", tiny])
    assert result.exit_code == 1
    assert "没有可用于比较的评估数据" in result.stderr


def test_retraining_with_decisions_changes_predictions(
    corpora: dict[str, Path], tmp_path: Path
) -> None:
    base = load_corpus(REPO / "corpus")
    batch = tmp_path / "batch"
    batch.mkdir()
    chosen = [d for d in base if d.label == "normative"][-3:]
    for doc in chosen:
        (batch / f"{doc.id}.txt").write_text(doc.text, encoding="utf-8")
    first = train(corpora["tiny"], "--out", str(tmp_path / "m1"), "--set-current")
    model1 = ScreeningModel.load(tmp_path / "m1" / f"screening-{first}.npz")
    with Store.open() as store:
        result = screen_paths([batch], store, model1, "2026-11-27")
        for row in result.rows:
            ledger.record(store, row.sha256, "repeal", "审查人")  # type: ignore[arg-type]
    before = {r.sha256: r.probabilities["repeal"] for r in result.rows}
    second = train(corpora["tiny"], "--with-decisions", "--out", str(tmp_path / "m2"))
    model2 = ScreeningModel.load(tmp_path / "m2" / f"screening-{second}.npz")
    assert model2.card["training_data"]["decisions"] == 3
    assert model2.card["parent_version"] == load_model().version
    with Store.open() as store:
        after = screen_paths([batch], store, model2, "2026-11-27")
    for row in after.rows:
        assert row.probabilities["repeal"] > before[row.sha256] + 0.05


def test_models_list_marks_the_current_model() -> None:
    result = CliRunner().invoke(cli, ["models", "list"])
    current = [line for line in result.stdout.splitlines() if line.startswith("* ")]
    assert len(current) == 1 and current[0].startswith(f"* {load_model().version}  内置")
    assert resolve_model_path().is_file()


def test_corpus_too_small_for_cross_validation_is_a_clean_error(tmp_path: Path) -> None:
    """Regression: a corpus with one document of a label crashed with sklearn's ValueError."""
    corpus = small_corpus(tmp_path / "c", 1)
    result = CliRunner().invoke(cli, ["train", "--corpus", str(corpus)])
    assert result.exit_code == 1
    assert (
        result.stderr
        == "错误：每个标签至少需要 2 份训练文件，normative、non_normative、repeal 不足。请补充语料后重试。\n"
    )


def test_installed_models_folder_is_found_as_a_namespace_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: after `pip install .` the shipped models folder (no __init__.py) was looked up
    with importlib.resources, whose MultiplexedPath does not turn into a path: no model found."""
    import sys

    from screening.registry import package_dir

    (tmp_path / "nsmodels_probe").mkdir()
    (tmp_path / "nsmodels_probe" / "current.json").write_text("{}", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert package_dir("nsmodels_probe") == tmp_path / "nsmodels_probe"
    assert package_dir("no_such_package_here") is None
    sys.modules.pop("nsmodels_probe", None)
