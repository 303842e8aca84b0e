"""The generic word-file loader: a pack's model validates a file, `!re` entries are patterns and plain words are
matched as written, a file is read once, and a broken file fails naming the file and every key at fault."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from luodi.dialogue.words import (
    Pattern,
    PlainWord,
    WordFileError,
    Words,
    WordSection,
    as_regex,
    load_word_file,
    read_word_file,
)
from luodi.errors import Misconfigured


class Cues(WordSection):
    ask: Words = []
    start: list[PlainWord] = []


class SampleWords(WordSection):
    areas: dict[PlainWord, str]
    cues: Cues = Cues()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_is_validated_by_the_packs_model_with_plain_words_and_patterns(tmp_path: Path) -> None:
    path = write(tmp_path, "en", "areas: {north: north, city centre: centre}\n"
                                 "cues:\n  ask: [what, vs., !re 'wh(?:ich|ere)']\n  start: [\"no\", nope]\n")
    words = read_word_file(path, SampleWords)
    assert words.areas == {"north": "north", "city centre": "centre"}
    assert words.cues.ask == ["what", "vs.", Pattern(re="wh(?:ich|ere)")]
    assert words.cues.start == ["no", "nope"]  # quoted: YAML would read a bare no as False
    alternation = "|".join(as_regex(entry) for entry in words.cues.ask)
    assert re.fullmatch(alternation, "where") and re.fullmatch(alternation, "vs.")
    assert not re.fullmatch(alternation, "vsx")


def test_a_file_is_read_once_per_file_and_model(tmp_path: Path) -> None:
    write(tmp_path, "zh", "areas: {北边: north}\n")
    first = load_word_file(tmp_path, "zh", SampleWords)
    write(tmp_path, "zh", "areas: {南边: south}\n")
    assert load_word_file(tmp_path, "zh", SampleWords) is first


@pytest.mark.parametrize(
    ("text", "at_fault"),
    [
        ("areas: {north: north}\nsortng: [x]\n", r"sortng"),  # a key the model does not know
        ("cues: {ask: [what]}\n", r"areas: Field required"),  # a required section left out
        ("areas: {north: north}\ncues: {ask: [what, !re 'wh(ich']}\n", r"cues\.ask\.1"),  # a pattern that fails
        ("areas: {north: north}\ncues: {start: [' nope']}\n", r"cues\.start\.0"),  # spaces around a plain word
        ("areas: {north: north}\ncues: {start: [no]}\n", r"cues\.start\.0"),  # YAML's False, not a word
        ("areas: {north: north}\ncues: {start: [!re 'no+']}\n", r"cues\.start\.0"),  # a pattern where plain words go
        ("areas: [north\n", r"not valid YAML"),
    ],
)
def test_a_broken_file_fails_naming_the_file_and_the_key(tmp_path: Path, text: str, at_fault: str) -> None:
    path = write(tmp_path, "en", text)
    with pytest.raises(WordFileError, match=rf"en\.yaml: .*{at_fault}"):
        read_word_file(path, SampleWords)


def test_every_key_at_fault_is_named_and_the_error_is_a_misconfiguration(tmp_path: Path) -> None:
    path = write(tmp_path, "en", "areas: {north: 3}\ncues: {ask: [!re '(']}\n")
    with pytest.raises(WordFileError) as failure:
        read_word_file(path, SampleWords)
    assert "areas.north" in str(failure.value) and "cues.ask.0" in str(failure.value)
    assert isinstance(failure.value, Misconfigured) and isinstance(failure.value, ValueError)


def test_a_missing_file_is_a_word_file_error(tmp_path: Path) -> None:
    with pytest.raises(WordFileError, match=r"missing\.yaml: cannot be read"):
        read_word_file(tmp_path / "missing.yaml", SampleWords)
