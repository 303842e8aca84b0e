from pathlib import Path

import pytest

from luodi.nlu.data import (
    LabelSet,
    NluDataError,
    NluExample,
    read_nlu_dir,
    repair_bio,
    resolve_split,
    slot_spans,
    write_nlu_dir,
)


def _write(directory: Path, tokens: list[str], tags: list[str], labels: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, lines in (("seq.in", tokens), ("seq.out", tags), ("label", labels)):
        (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def test_reads_tokens_tags_and_multiple_intents(tmp_path: Path) -> None:
    _write(tmp_path, ["fly to boston", "hi"], ["O O B-toloc", "O"], ["atis_flight#atis_airfare", "greet"])
    examples = read_nlu_dir(tmp_path)
    assert examples[0] == NluExample(("fly", "to", "boston"), ("O", "O", "B-toloc"), ("atis_flight", "atis_airfare"))
    assert examples[1].intents == ("greet",)


def test_mismatched_token_and_tag_counts_name_the_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, ["fly to boston", "fly to denver"], ["O O B-toloc", "O B-toloc"], ["a", "a"])
    with pytest.raises(NluDataError, match=r"seq\.out:2: 2 tags for 3 tokens"):
        read_nlu_dir(tmp_path)


def test_unknown_tag_names_the_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, ["a b", "a b", "c"], ["O O", "O O", "X-city"], ["i", "i", "i"])
    with pytest.raises(NluDataError, match=r"seq\.out:3: unknown tag 'X-city'"):
        read_nlu_dir(tmp_path)


def test_empty_line_names_the_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, ["a b", "", "c"], ["O O", "", "O"], ["i", "i", "i"])
    with pytest.raises(NluDataError, match=r"seq\.in:2: empty line"):
        read_nlu_dir(tmp_path)


def test_files_of_different_length_are_rejected(tmp_path: Path) -> None:
    _write(tmp_path, ["a", "b"], ["O", "O"], ["i"])
    with pytest.raises(NluDataError, match="different line counts"):
        read_nlu_dir(tmp_path)


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    examples = [NluExample(("to", "new", "york"), ("O", "B-city", "I-city"), ("a", "b"))]
    write_nlu_dir(examples, tmp_path / "train")
    assert read_nlu_dir(tmp_path / "train") == examples
    assert resolve_split(tmp_path, "train") == tmp_path / "train"
    assert resolve_split(tmp_path, "dev") is None


def test_spans_follow_conlleval_and_repair_keeps_them() -> None:
    tags = ["B-city", "I-city", "O", "I-day", "I-day", "B-day", "I-city"]
    assert slot_spans(tags) == [("city", 0, 2), ("day", 3, 5), ("day", 5, 6), ("city", 6, 7)]
    repaired = repair_bio(tags)
    assert repaired == ["B-city", "I-city", "O", "B-day", "I-day", "B-day", "B-city"]
    assert slot_spans(repaired) == slot_spans(tags)


def test_label_set_has_both_tags_for_every_slot() -> None:
    labels = LabelSet.from_examples([NluExample(("a", "b"), ("B-x", "O"), ("i2", "i1"))])
    assert labels.tags == ("O", "B-x", "I-x")
    assert labels.intents == ("i1", "i2")
    assert LabelSet.from_json(labels.to_json()) == labels
