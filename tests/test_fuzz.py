"""Property-based fuzzing (hypothesis) of every reader and parser that sees a file's bytes.

Each target (tests/fuzz_targets.py) must end with a result or with the error meant for the
advisor, never with another exception, on our own example files mutated the ways damage
mutates files (flipped bytes, truncation, shuffled and duplicated chunks) and on raw bytes.
The normal suite runs a few examples per target (profile "quick"); ``HYPOTHESIS_PROFILE=fuzz``
runs thousands, and benchmarks/fuzz.py runs the coverage-guided fuzzer on the same targets.
"""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .fuzz_targets import TARGETS, seeds  # noqa: E402


@st.composite
def damaged(draw: st.DrawFn, target: str) -> bytes:
    """A seed of ``target`` with a few kinds of damage applied."""
    data = bytearray(draw(st.sampled_from(seeds(target))))
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        size = draw(st.integers(1, 4096))
        op = draw(st.sampled_from(["flip", "truncate", "delete", "duplicate", "move", "insert"]))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "delete":
            del data[at : at + size]
        elif op == "duplicate":
            data[at:at] = data[at : at + size]
        elif op == "move":
            chunk = data[at : at + size]
            del data[at : at + size]
            to = draw(st.integers(0, len(data)))
            data[to:to] = chunk
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_damaged_seed_gives_a_result_or_a_clean_error(target: str) -> None:
    @given(damaged(target))
    def run(data: bytes) -> None:
        TARGETS[target](data)

    run()


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_raw_bytes_give_a_result_or_a_clean_error(target: str) -> None:
    @given(st.binary(max_size=2048))
    def run(data: bytes) -> None:
        TARGETS[target](data)

    run()


@pytest.mark.parametrize("target", ["metadata", "structure", "rules"])
def test_legal_looking_text_gives_a_result(target: str) -> None:
    # Text built from the characters that the parsers' patterns look for.
    alphabet = st.sampled_from(
        list(
            "第一二三十百条章节款项〔〕［］()（）【】年月日号发文规字政办本办法规定自起施行有效期至废止"
        )
        + list("0123456789 \n\t、。，；：《》“”")
    )

    @given(st.text(alphabet=alphabet, max_size=3000))
    def run(text: str) -> None:
        TARGETS[target](text.encode("utf-8"))

    run()


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)
_FIELDS = ["uid", "sha256", "paths", "batch_id", "kind", "label", "reason", "reviewer",
           "decided_at", "model_version", "model_label", "model_probabilities", "corrects_uid",
           "source", "id", "hash"]  # fmt: skip


@st.composite
def export_rows(draw: st.DrawFn) -> list[object]:
    """Rows shaped like a decisions export whose fields hold any JSON value."""
    good = {"uid": "0" * 32, "sha256": "a" * 64, "kind": "decision", "label": "normative",
            "reviewer": "张律师", "decided_at": "2026-11-27T08:00:00+00:00"}  # fmt: skip
    rows: list[object] = []
    for _ in range(draw(st.integers(1, 4))):
        row: dict[str, object] = dict(good)
        for key in draw(st.lists(st.sampled_from(_FIELDS), max_size=4)):
            row[key] = draw(_JSON_VALUES)
        rows.append(row if draw(st.booleans()) else draw(_JSON_VALUES))
    return rows


@given(export_rows(), st.sampled_from(["jsonl", "csv"]))
def test_decisions_import_of_any_json_values_gives_a_result_or_a_clean_error(
    rows: list[object], fmt: str
) -> None:
    import csv
    import io
    import json

    if fmt == "jsonl":
        first = {"uid": "f" * 32}  # the file must look like JSONL from its first character
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [first, *rows])
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_FIELDS)
        for r in rows:
            values = r if isinstance(r, dict) else {}
            writer.writerow([json.dumps(values.get(k), ensure_ascii=False) for k in _FIELDS])
        text = buffer.getvalue()
    TARGETS["decisions"](text.encode("utf-8"))
