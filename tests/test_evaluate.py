import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening.cli import cli
from screening.errors import UsageError
from screening.model.evaluate import MASK, Record, document_of, load_dataset

from .conftest import NON_NORMATIVE_TEXT, NORMATIVE_TEXT, REALDATA


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_dataset_errors_name_the_line(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [{"id": "a", "text": "x", "label": "normative"}, {"id": "b", "text": "x", "label": "bad"}],
    )
    with pytest.raises(UsageError, match="第 2 行的标签 'bad' 无效"):
        load_dataset(path)


def test_catalogue_record_gets_its_title_and_number_on_top() -> None:
    record = Record(
        id="r",
        text="各街道办事处：\n正文。\n",
        label="normative",
        title="关于印发某办法的通知",
        doc_number="某政规〔2024〕1号",
    )
    text, meta = document_of(record)
    assert text.startswith("关于印发某办法的通知\n某政规〔2024〕1号\n各街道办事处：")
    assert meta.doc_number == "某政规〔2024〕1号"


def test_masking_removes_every_doc_number() -> None:
    record = Record(
        id="r", text=NORMATIVE_TEXT, label="normative", doc_number="舟普政规〔2025〕3号"
    )
    text, meta = document_of(record, mask_doc_numbers=True)
    assert "〔2025〕3号" not in text and MASK in text
    assert meta.doc_number == MASK


def test_masking_also_removes_the_doc_number_from_the_title() -> None:
    record = Record(
        id="r",
        text="各分行：\n为加强管理，现将有关事项通知如下：\n一、要求。\n",
        label="normative",
        title="某某银行关于加强管理的通知（银发〔2016〕106号）",
        doc_number="银发〔2016〕106号",
    )
    text, meta = document_of(record, mask_doc_numbers=True)
    assert "106号" not in text and "106号" not in (meta.title or "")
    assert meta.title == f"某某银行关于加强管理的通知（{MASK}）"


def test_evaluate_cli_json(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [
            {"id": "n1", "text": NORMATIVE_TEXT, "label": "normative", "source": "ours:x"},
            {"id": "o1", "text": NON_NORMATIVE_TEXT, "label": "non_normative", "source": "ours:y"},
        ],
    )
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--as-of", "2026-11-27", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["n"] == 2
    assert payload["accuracy"] == 1.0
    ours = payload["per_source"]["ours"]
    assert set(ours) == {"n", "accuracy", "macro_f1", "ece", "repeal_recall", "confident_errors"}
    assert (ours["n"], ours["accuracy"], ours["macro_f1"]) == (2, 1.0, 1.0)
    assert ours["repeal_recall"] is None  # -- no repeal document in the source
    assert ours["confident_errors"] == 0
    assert payload["macro_over_sources"] is None  # -- no source of 10 documents or more
    assert payload["review_effort_95"] is None  # -- no mistakes to find
    assert payload["misclassified"] == []


def test_per_source_scores_and_the_macro_over_sources() -> None:
    from screening.model.evaluate import _source_scores

    y_true = ["normative"] * 5 + ["repeal"] * 5
    y_pred = ["normative"] * 5 + ["repeal", "repeal", "repeal", "normative", "normative"]
    conf = [0.95] * 8 + [0.97, 0.5]
    scores = _source_scores(y_true, y_pred, conf, list(range(10)))
    assert scores["repeal_recall"] == 0.6
    assert scores["confident_errors"] == 1  # -- one wrong at p ≥ 0.9, one at 0.5


def test_review_effort_counts_the_queue_read_until_95_percent_of_mistakes() -> None:
    """Mistakes the legal evidence contradicts come first in the review queue, whatever the
    model's confidence; the effort is the share of the batch read when 95% are met."""
    from screening.law.evidence import Fact
    from screening.model.evaluate import review_effort

    class Stub:
        def __init__(self, label: str, p: float, facts: list[Fact]) -> None:
            from screening.model.classifier import Prediction

            self.label = label
            self.flags: list[object] = []
            self.repeal_reasons: list[object] = []
            other = "normative" if label != "normative" else "non_normative"
            self.prediction = Prediction(
                label, {label: p, other: 1 - p, "repeal": 0.0}, facts=facts
            )

    registered = Fact("registered", None, "规字号")
    batch = [
        Stub("normative", 0.55, []),  # a close call, right
        Stub("non_normative", 0.6, []),  # a close call, wrong
        *[Stub("normative", 0.99, []) for _ in range(7)],  # sure and right
        Stub("non_normative", 0.98, [registered]),  # sure and wrong, but the law disagrees
    ]
    truth = ["normative", "normative", *["normative"] * 7, "normative"]
    weights = {"registered": 3.5}
    # -- priority order: the disagreement, then the closest calls: both mistakes in 3 of 10
    assert review_effort(batch, truth, weights) == 0.3  # type: ignore[arg-type]


def test_evaluate_text_marks_a_label_absent_from_the_dataset(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [
            {"id": "n1", "text": NORMATIVE_TEXT, "label": "normative"},
            {"id": "o1", "text": NON_NORMATIVE_TEXT, "label": "non_normative"},
        ],
    )
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--as-of", "2026-11-27"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    table = lines[lines.index("标签                精确率  召回率      F1  文件数") + 1 :][:4]
    assert table == [
        "规范性文件           1.000   1.000   1.000       1",
        "不属于规范性文件     1.000   1.000   1.000       1",
        "建议废止                 —       —       —       0",
        "（建议废止：数据集中没有、也未预测，不计入 macro-F1）",
    ]


@pytest.mark.skipif(not (REALDATA / "dev.jsonl").is_file(), reason="../shared/realdata is absent")
def test_dev_set_loads() -> None:
    records = load_dataset(REALDATA / "dev.jsonl")
    assert len(records) >= 400
    assert {r.label for r in records} == {"normative", "non_normative", "repeal"}


def test_dataset_with_bom_and_the_label_names_users_see(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    rows = [
        {"id": "a", "text": NORMATIVE_TEXT, "label": "规范性文件"},
        {"id": "b", "text": NON_NORMATIVE_TEXT, "label": "不属于规范性文件"},
        {"id": "c", "text": NORMATIVE_TEXT + "。", "label": "建议废止"},
    ]
    lines = "\r\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    path.write_bytes(b"\xef\xbb\xbf" + lines.encode("utf-8") + b"\r\n\r\n")
    assert [r.label for r in load_dataset(path)] == ["normative", "non_normative", "repeal"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('["a", "b"]', "第 2 行不是 JSON 对象"),
        ('{"id": "n1", "text": "x", "label": "normative"}', "第 2 行的 id 'n1' 与第 1 行重复"),
        ('{"id": "n2", "text": 5, "label": "normative"}', "第 2 行的 text 须为字符串"),
    ],
)
def test_malformed_lines_are_refused_with_their_line_number(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "d.jsonl"
    first = json.dumps({"id": "n1", "text": NORMATIVE_TEXT, "label": "normative"})
    path.write_text(first + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        load_dataset(path)
