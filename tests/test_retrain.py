"""Retraining on decisions, and a registry that only promotes a model that is not worse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from screening.cli import cli
from screening.labels import LABELS
from screening.law.metadata import parse_metadata
from screening.ledger import decisions as ledger
from screening.ledger.store import Store
from screening.model.classifier import ScreeningModel
from screening.model.corpus import CorpusDoc, load_corpus
from screening.model.registry import load_model, resolve_model_path
from screening.pipeline.screen import screen_paths

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


def corpus_batch(folder: Path, docs: list[CorpusDoc]) -> Path:
    """A folder of text files, one per corpus document, named by id."""
    folder.mkdir()
    for doc in docs:
        (folder / f"{doc.id}.txt").write_text(doc.text, encoding="utf-8")
    return folder


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
    chosen = [d for d in base if d.label == "normative"][-3:]
    batch = corpus_batch(tmp_path / "batch", chosen)
    first = train(corpora["tiny"], "--out", str(tmp_path / "m1"), "--set-current")
    model1 = ScreeningModel.load(tmp_path / "m1" / f"screening-{first}.npz")
    with Store.open() as store:
        result = screen_paths([batch], store, model1, "2026-11-27")
        for row in result.rows:
            ledger.record(store, row.sha256, "non_normative", "审查人")  # type: ignore[arg-type]
    before = {r.sha256: r.probabilities["non_normative"] for r in result.rows}
    second = train(corpora["tiny"], "--with-decisions", "--out", str(tmp_path / "m2"))
    model2 = ScreeningModel.load(tmp_path / "m2" / f"screening-{second}.npz")
    assert model2.card["training_data"]["decisions"] == 3
    assert model2.card["parent_version"] == load_model().version
    assert model2.precedents is not None and len(model2.precedents) == 3
    with Store.open() as store:
        after = screen_paths([batch], store, model2, "2026-11-27")
    for row in after.rows:
        assert row.probabilities["non_normative"] > before[row.sha256] + 0.05


TEMPLATE = """关于印发《{place}区级政府投资项目财务监理管理办法》的通知
{code}〔2025〕{n}号
各委、办、局，各街道办事处：
现将《{place}区级政府投资项目财务监理管理办法》印发给你们，请认真执行。
{place}区财政局
2025年3月{day}日
{place}区级政府投资项目财务监理管理办法
第一条 为加强本区政府投资项目资金管理，规范财务监理工作，制定本办法。
第二条 本办法适用于本区使用财政资金的政府投资项目。
第三条 财务监理单位应当按照合同约定审核项目资金支付，按月报送监理报告。
第四条 项目单位应当配合财务监理工作，如实提供合同、发票和工程量资料。
第五条 本办法自2025年4月1日起施行，有效期至2030年3月31日。
"""


def test_a_sixth_file_of_a_decided_template_follows_the_decisions(
    corpora: dict[str, Path], tmp_path: Path
) -> None:
    """An advisor who decides five files of one bureau's template sees the sixth follow: the
    decided files are the retrained model's precedents."""
    places = ["东湖", "西岭", "南塘", "北川", "中山", "云溪"]
    batch = tmp_path / "batch"
    batch.mkdir()
    for i, place in enumerate(places):
        text = TEMPLATE.format(place=place, code=place[:1] + "财", n=i + 3, day=i + 2)
        (batch / f"{i}.txt").write_text(text, encoding="utf-8")
    sixth = batch / "5.txt"
    model1 = ScreeningModel.load(
        tmp_path / "m1" / f"screening-{train(corpora['tiny'], '--out', str(tmp_path / 'm1'))}.npz"
    )
    with Store.open() as store:
        first = screen_paths([batch], store, model1, "2026-11-27")
        for row in first.rows:
            if row.path != str(sixth):
                ledger.record(store, row.sha256, "normative", "审查人")  # type: ignore[arg-type]
    before = next(r for r in first.rows if r.path == str(sixth))
    assert before.label == "non_normative"  # -- rules for the government's own projects
    second = train(corpora["tiny"], "--with-decisions", "--out", str(tmp_path / "m2"))
    model2 = ScreeningModel.load(tmp_path / "m2" / f"screening-{second}.npz")
    with Store.open() as store:
        after = screen_paths([sixth], store, model2, "2026-11-27").rows[0]
    assert after.label == "normative"
    kind = model2.kind(
        sixth.read_text(encoding="utf-8"), parse_metadata(sixth.read_text(encoding="utf-8"))
    )
    assert len(kind.precedents) == 5 and kind.precedent_share == 1.0
    assert min(similarity for _, similarity, _ in kind.precedents) > 0.8


def test_promotion_by_cross_validation_when_the_candidate_trained_on_every_decision(
    corpora: dict[str, Path], tmp_path: Path
) -> None:
    """Regression (issue 11): an advisor who retrained on all their decisions could promote only
    with --force ("no decisions the candidate did not train on")."""
    base = load_corpus(REPO / "corpus")
    picked = [d for lab in LABELS for d in [d for d in base if d.label == lab][-3:]]
    batch = corpus_batch(tmp_path / "batch", picked)
    with Store.open() as store:
        rows = screen_paths([batch], store, load_model(), "2026-11-27").rows
        truth = {f"{d.id}.txt": d.label for d in picked}
        for row in rows:
            ledger.record(store, row.sha256, truth[Path(row.path).name], "审查人")  # type: ignore[arg-type]
    candidate = train(corpora["bigger"], "--with-decisions")
    result = CliRunner().invoke(cli, ["models", "promote", candidate, "--as-of", "2026-11-27"])
    assert result.stdout.startswith("评估文件 9 份（按审查决定交叉验证）：候选模型 ")
    assert result.exit_code in (0, 1)  # -- promoted or refused on the score, never for lack of data
    assert "没有可用于比较的评估数据" not in result.stderr


def test_cross_validation_needs_enough_decisions(corpora: dict[str, Path], tmp_path: Path) -> None:
    candidate = train(corpora["tiny"], "--with-decisions")
    result = CliRunner().invoke(cli, ["models", "promote", candidate])
    assert result.exit_code == 1
    assert result.stderr == (
        "错误：没有可用于比较的评估数据：候选模型训练用到的审查决定只有 0 条，至少需要 6 条才能做交叉验证。"
        "请用 --eval 指定带标签的数据集；确需直接启用请加 --force。\n"
    )


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

    from screening.model.registry import package_dir

    (tmp_path / "nsmodels_probe").mkdir()
    (tmp_path / "nsmodels_probe" / "current.json").write_text("{}", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert package_dir("nsmodels_probe") == tmp_path / "nsmodels_probe"
    assert package_dir("no_such_package_here") is None
    sys.modules.pop("nsmodels_probe", None)


def test_decisions_weigh_in_the_calibration_as_in_the_words() -> None:
    """A decision counts as decision_weight corpus documents in the calibration too: weighting
    the files a team decided moves the fitted bias towards them, by their weight."""
    from screening.model.train import fit_legal_combination, fit_temperature

    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 2.0, 400)
    y = (rng.random(400) < 1 / (1 + np.exp(-logits))).astype(float)
    # -- 40 "decided" files the words call normative that were decided not normative
    logits = np.concatenate([logits, np.full(40, 1.5)])
    y = np.concatenate([y, np.zeros(40)])
    facts: list[list] = [[] for _ in logits]
    once = np.ones(len(y))
    thrice = np.concatenate([np.ones(400), np.full(40, 3.0)])
    assert fit_temperature(logits, y, once) == fit_temperature(logits, y)
    plain = fit_legal_combination(logits, facts, y)
    assert fit_legal_combination(logits, facts, y, sample_weight=once).bias == plain.bias
    weighted = fit_legal_combination(logits, facts, y, sample_weight=thrice)
    assert weighted.bias + 1.5 * weighted.scale < plain.bias + 1.5 * plain.scale


def test_cross_validation_refits_the_calibration_without_the_fold(
    corpora: dict[str, Path], tmp_path: Path
) -> None:
    """Regression (issue 11): each fold's model reused the candidate's calibration, which had
    seen the fold's decisions. A candidate with an absurd calibration (every file non-normative)
    now says nothing about the folds: each is predicted by a model calibrated without it."""
    from dataclasses import replace

    from screening.model.retrain import CV_STAGE, cross_validated_records

    base = load_corpus(REPO / "corpus")
    batch = corpus_batch(tmp_path / "batch", [d for d in base if d.label == "normative"][-6:])
    with Store.open() as store:
        for row in screen_paths([batch], store, load_model(), "2026-11-27").rows:
            ledger.record(store, row.sha256, "normative", "审查人")  # type: ignore[arg-type]
        version = train(corpora["bigger"], "--with-decisions", "--out", str(tmp_path / "m"))
        candidate = ScreeningModel.load(tmp_path / "m" / f"screening-{version}.npz")
        assert candidate.legal is not None
        candidate.legal = replace(candidate.legal, bias=-50.0)  # -- calls every file non-normative
        seen: list[tuple[str, int, int]] = []
        _, labels, _ = cross_validated_records(
            store, candidate, "2026-11-27", lambda *step: seen.append(step)
        )
    assert len(labels) == 6
    assert labels.count("non_normative") < 6
    # -- one bar over every fold's training, moving as documents are read
    assert {stage for stage, _, _ in seen} == {CV_STAGE}
    done = [d for _, d, _ in seen]
    assert done == sorted(done) and done[-1] == seen[-1][2]
