import copy
import io
import json
from pathlib import Path

import numpy as np
import pytest

from screening.errors import ModelLoadError
from screening.labels import LABELS
from screening.law.metadata import parse_metadata
from screening.model.classifier import KindScore, Precedents, ScreeningModel
from screening.model.train import _fit, estimate_repeal_table, reading_length, train_model

REPO = Path(__file__).resolve().parents[1]


def test_training_is_deterministic(small_corpus, small_model) -> None:  # type: ignore[no-untyped-def]
    again = train_model(small_corpus, "合法性审查 2000\n", {"folds": 3, "min_df": 1})
    assert again.version == small_model.version
    assert np.array_equal(again.coef, small_model.coef)


def test_save_load_round_trip(tmp_path: Path, small_model: ScreeningModel, small_corpus) -> None:  # type: ignore[no-untyped-def]
    path = small_model.save(tmp_path / "m.npz")
    loaded = ScreeningModel.load(path)
    card = json.loads((tmp_path / "m.card.json").read_text(encoding="utf-8"))
    assert card["version"] == small_model.version
    assert set(card) >= {
        "labels",
        "training_data",
        "dictionary_sha256",
        "library_versions",
        "cross_validation",
    }
    for doc in small_corpus[:10]:
        meta = parse_metadata(doc.text)
        assert loaded.predict(doc.text, meta) == small_model.predict(doc.text, meta)


def test_vectorizer_matches_sklearn(small_corpus) -> None:  # type: ignore[no-untyped-def]
    """Our prediction-time TF-IDF must equal the sklearn vectorizer the model was trained with."""
    from screening.model.features import document_features
    from screening.model.segment import Segmenter

    seg = Segmenter("")
    feats = [
        document_features(seg.cut(d.text), d.text, parse_metadata(d.text)) for d in small_corpus
    ]
    vectorizer, coef, intercept = _fit(
        feats,
        [d.label != "non_normative" for d in small_corpus],
        {"C": 1.0, "min_df": 1, "max_features": 5000},
    )
    model = ScreeningModel(
        labels=LABELS,
        vocab=vectorizer.get_feature_names_out().tolist(),
        idf=vectorizer.idf_,
        coef=coef,
        intercept=intercept,
        temperature=1.0,
        repeal_table={"none": 0.1},
        kind_given_superseded=0.9,
        dictionary="",
        card={},
        version="t",
    )
    expected = vectorizer.transform(feats[:5]).toarray()
    for row, features in zip(expected, feats[:5], strict=True):
        idx, weights = model._vectorize(features)
        mine = np.zeros_like(row)
        mine[idx] = weights
        assert np.allclose(mine, row)


def test_probabilities_sum_to_one_and_evidence_is_text(
    small_model: ScreeningModel, small_corpus
) -> None:  # type: ignore[no-untyped-def]
    doc = small_corpus[0]
    pred = small_model.predict(doc.text, parse_metadata(doc.text))
    assert abs(sum(pred.probabilities.values()) - 1) < 1e-3
    assert set(pred.probabilities) == set(LABELS)
    assert pred.evidence and all(e.weight > 0 for e in pred.evidence)


def test_pickled_arrays_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    buffer = io.BytesIO()
    np.savez(
        buffer,
        meta=np.array([{"x": 1}], dtype=object),
        vocab=np.array(["a"]),
        idf=np.ones(1),
        coef=np.ones((3, 1)),
        intercept=np.ones(3),
    )
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ModelLoadError, match="不安全"):
        ScreeningModel.load(path)


def test_unknown_format_version_is_refused(tmp_path: Path, small_model: ScreeningModel) -> None:
    path = small_model.save(tmp_path / "m.npz")
    with np.load(path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(arrays["meta"].tobytes())
    meta["format"] = 99
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ModelLoadError, match="格式版本为 99"):
        ScreeningModel.load(path)


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="找不到模型文件"):
        ScreeningModel.load(tmp_path / "none.npz")


def test_repeal_needs_a_finding(small_model: ScreeningModel) -> None:
    """Without a repeal finding the model never suggests repeal; with one it can."""
    kind = KindScore(0.99, [])
    assert small_model.combine(kind, []).label == "normative"
    assert small_model.combine(kind, ["legal.creates_penalty"]).label == "normative"
    expired = small_model.combine(kind, ["repeal.validity_expired"])
    assert expired.label == "repeal" and expired.repeal_category == "validity_expired"
    assert abs(sum(expired.probabilities.values()) - 1) < 1e-3


def test_superseded_document_is_normative_in_kind(small_model: ScreeningModel) -> None:
    """A newer document that repeals this one shows it was a standing rule."""
    pred = small_model.combine(KindScore(0.2, []), ["repeal.superseded_in_batch"])
    assert pred.kind_probability >= small_model.kind_given_superseded
    assert pred.label == "repeal"


def test_reading_length_covers_95_percent_of_training_documents() -> None:
    lengths = list(range(1, 101))  # -- 100 documents of 1…100 words, ×10
    assert reading_length([n * 10 for n in lengths]) == 1000  # 95th: 950 words → 1000
    assert reading_length([120] * 99 + [5000]) == 200  # -- one long outlier does not decide
    assert reading_length([30]) == 100


def test_no_finding_rate_is_estimated_per_issuer_level() -> None:
    labels = ["normative", "repeal", "normative", "normative", "repeal", "non_normative"]
    categories = ["none", "none", "none", "none", "validity_expired", "none"]
    levels = ["local", "local", "central", "central", "local", "local"]
    table, _ = estimate_repeal_table(labels, categories, levels)
    pooled = (1 + 1) / (4 + 2)
    assert table["none"] == pooled
    # -- one repeal's worth of prior, in as many documents as the pooled rate expects one in
    assert table["none:local"] == pytest.approx((1 + 1) / (2 + 1 / pooled))
    assert table["none:central"] == pytest.approx((0 + 1) / (2 + 1 / pooled))
    assert table["validity_expired"] == (1 + 1) / (1 + 2)
    assert "none:local" not in estimate_repeal_table(labels, categories)[0]


def test_a_level_without_documents_gets_the_pooled_rate_not_one_half() -> None:
    """Regression: add-one smoothing gave an issuer level with no documents r = 1/2 (capped at
    0.45), so a normative call without a repeal finding there could never pass 0.55."""
    labels = ["normative"] * 9 + ["repeal"]
    table, _ = estimate_repeal_table(labels, ["none"] * 10, ["local"] * 10)
    assert table["none:unknown"] == pytest.approx(table["none"]) == pytest.approx(2 / 12)


def test_hard_cases_written_on_purpose_do_not_set_the_no_finding_rate() -> None:
    labels = ["normative"] * 8 + ["repeal"] * 4
    categories = ["none"] * 12
    ordinary = [True] * 8 + [False] * 3 + [True]  # -- three repeals are tagged hard cases
    table, _ = estimate_repeal_table(labels, categories, ordinary=ordinary)
    assert table["none"] == (1 + 1) / (9 + 2)
    assert estimate_repeal_table(labels, categories)[0]["none"] == (4 + 1) / (12 + 2)
    # -- with no ordinary document normative in kind, every document counts
    nothing_plain = estimate_repeal_table(labels, categories, ordinary=[False] * 12)[0]
    assert nothing_plain["none"] == (4 + 1) / (12 + 2)


def test_combine_uses_the_level_rate_without_a_finding(small_model: ScreeningModel) -> None:
    model = copy.copy(small_model)  # -- the fixture is shared: change a copy
    kind = KindScore(1.0, [])
    model.repeal_table = {**small_model.repeal_table, "none": 0.1}
    model.repeal_table.update({"none:central": 0.02, "none:local": 0.3})
    assert model.combine(kind, [], "central").probabilities["normative"] == 0.98
    assert model.combine(kind, [], "local").probabilities["normative"] == 0.7
    # -- a model trained before the split has only "none"
    del model.repeal_table["none:central"]
    assert model.combine(kind, [], "central").probabilities["normative"] == 0.9


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("prec_ptr", np.array([0, 5, 2], dtype=np.int64)),  # -- rows running backwards
        ("prec_val", np.array([np.nan, 0.5])),
        ("prec_idx", np.array([10**9, 1], dtype=np.int64)),  # -- a column past the vocabulary
        ("prec_sha", np.array([1.0, 2.0])),
    ],
)
def test_crafted_precedent_arrays_are_refused(
    tmp_path: Path, small_model: ScreeningModel, name: str, value: np.ndarray
) -> None:
    """A model file's precedents are checked like its other arrays: a crafted or damaged one is
    refused with a clear message, never a numpy error later while screening."""
    from screening.model.classifier import Precedents

    model = copy.copy(small_model)
    model.precedents = Precedents.build(
        [(np.array([1, 2]), np.array([0.6, 0.8])), (np.array([3]), np.array([1.0]))],
        [True, False],
        ["a" * 64, "b" * 64],
    )
    path = model.save(tmp_path / "m.npz")
    assert len(ScreeningModel.load(path).precedents) == 2  # type: ignore[arg-type]
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays[name] = value
    np.savez(path, **arrays)
    with pytest.raises(ModelLoadError, match="先例"):
        ScreeningModel.load(path)


def test_the_fast_feature_path_gives_exactly_the_string_path() -> None:
    """Regression guard (issue 14): the model looks its features up without building the issuer
    copies' strings; probabilities and evidence must be bit for bit those of the string path
    (document_features + TF-IDF over the strings), which training uses."""
    from screening.model import load_model
    from screening.model.corpus import load_corpus

    model = load_model()
    docs = load_corpus(REPO / "corpus")[::40]
    texts = [doc.text for doc in docs]
    # -- texts longer than the model reads, so that the words are cut only as far as it reads
    texts += ["\n".join(d.text for d in docs[i : i + 4]) for i in range(0, len(docs), 4)]
    assert max(len(model.segmenter.cut(t)) for t in texts) > model.max_tokens
    for text in texts:
        meta = parse_metadata(text)
        fast = model.kind(text, meta)
        slow = model.kind_from_features(model.features(text, meta))
        assert fast.probability == slow.probability, text[:40]
        assert fast.text_logit == slow.text_logit, text[:40]
        assert fast.evidence == slow.evidence, text[:40]


def test_columns_of_tokens_holding_a_space_come_from_the_strings() -> None:
    """A token with a space inside (no engine makes one, a user dictionary might) cannot be
    looked up by word ids; its document's columns are those of the feature strings."""
    from screening.model import load_model
    from screening.model.features import word_features

    model = load_model()

    def by_strings(tokens: list[str], level: str) -> list[int]:
        strings = word_features(tokens)
        strings += [f"{level}|{f}" for f in strings] if level else []
        return [model.vocab[f] for f in strings if f in model.vocab]

    tokens = ["本", "办法", "自", "印发", "之日", "起", "施行", "a b", "。", "有效期", "两年"]
    for level in ("local", "central", ""):
        for words in (tokens, [t for t in tokens if t != "a b"]):
            expected = by_strings(words, level)
            assert len(expected) > 3
            assert model.columns(words, level).tolist() == expected


def test_fit_logistic_without_an_offset_is_scikit_learns_balanced_regression() -> None:
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from screening.model.train import fit_logistic

    rng = np.random.default_rng(0)
    x = sp.random(300, 200, density=0.05, random_state=0, format="csr")
    y = (x @ rng.normal(size=200) + rng.normal(0, 0.3, 300) > 0.2).astype(float)
    weight = rng.uniform(0.5, 3.0, 300)
    coef, intercept = fit_logistic(x, y, 1.0, sample_weight=weight)
    # -- scikit-learn solved to a tight tolerance: its default (1e-4) stops about 0.01 short
    reference = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced", tol=1e-8)
    reference.fit(x, y.astype(int), sample_weight=weight)
    assert np.abs(coef - reference.coef_.ravel()).max() < 1e-3
    assert abs(intercept - reference.intercept_[0]) < 1e-3


def test_the_words_learn_what_the_registration_leaves_open() -> None:
    """Issue 11: a topic word of the registered rules (专项资金 in 30 registered normative
    files) no longer marks the genre once the registration is given; among the files the
    registration leaves open it is a word of work notices (10 non-normative files)."""
    from screening.model.train import fit_logistic

    # -- columns: topic word, a word of other rules, a word of other notices
    rows = [[1, 0, 0]] * 30 + [[1, 0, 0]] * 10 + [[0, 1, 0]] * 10 + [[0, 0, 1]] * 30
    x = np.array(rows, dtype=float)
    y = np.array([1.0] * 30 + [0.0] * 10 + [1.0] * 10 + [0.0] * 30)
    registered = np.array([3.5] * 30 + [0.0] * 50)
    alone, _ = fit_logistic(x, y, 1.0)
    given, _ = fit_logistic(x, y, 1.0, registered)
    assert alone[0] > 0 > given[0]


def test_the_offset_counts_only_the_facts_given() -> None:
    from screening.law.evidence import Fact
    from screening.model.train import DEFAULT_PARAMS, words_offset

    facts = [
        [Fact("registered", None, ""), Fact("article_form", None, "")],
        [Fact("unregistered", None, "")],
        [Fact("one_party", None, "")],
        [],
    ]
    offset = words_offset(facts, DEFAULT_PARAMS["words_given"])
    assert offset.tolist() == [3.5, -1.5, 0.0, 0.0]
    assert words_offset(facts, []).tolist() == [0.0] * 4


def test_a_model_records_the_facts_its_words_were_fitted_over(
    small_model: ScreeningModel,
) -> None:
    assert small_model.card["params"]["words_given"] == ["registered", "unregistered"]


def test_one_close_decided_file_counts_half_five_of_a_template_nearly_in_full() -> None:
    """Regression (issue 11): one decided file at similarity 0.76 pulled a file as hard as five
    of a template would; a single look-alike of another issuer flipped files in the learning
    measure."""
    row = (np.array([0, 1]), np.array([0.6, 0.8]))  # -- unit length
    query_idx, query_val = np.array([0, 1]), np.array([0.6, 0.8])

    def weight(n: int) -> float:
        prec = Precedents.build([row] * n, [True] * n, [str(i) for i in range(n)])
        w, share, refs = prec.nearest(query_idx, query_val, 2)
        assert share == 1.0 and len(refs) == n
        return w

    full = Precedents.max_weight  # -- similarity 1
    assert weight(1) == pytest.approx(full * 0.5)
    assert weight(2) == pytest.approx(full * 0.75)
    assert weight(5) == pytest.approx(full * (1 - 0.5**5))
