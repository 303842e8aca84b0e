"""The fund screener's word files (luodi/packs/funds/words/*.yaml): they load, hold both languages, and a
malformed file fails naming the file and the key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds import trained
from luodi.packs.funds.lexicon import Pattern, WordFile, WordFileError, as_regex, read_word_file


def test_every_word_file_loads_and_every_entry_compiles() -> None:
    files = lx.word_files()
    assert list(files) == list(lx.WORD_FILES)
    words = [w for table in (lx.COLUMN_WORDS, lx.CATEGORY_WORDS, lx.PREFIX_COMPARATORS) for ws in table.values()
             for w in ws]  # fmt: skip
    assert len(words) > 300
    for word in words:
        re.compile(word)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_column_family_category_and_flag_has_words_in_both_languages(language: str) -> None:
    words = lx.word_files()[language]
    assert [f for f in lx.COLUMN_FAMILIES if not words.columns.get(f)] == []
    assert [c for c in lx.CATEGORIES if not words.categories.get(c)] == []
    assert [f for f in lx.FLAG_COLUMNS if not words.flag_columns.get(f)] == []
    assert [s for s in lx.FLAG_STATES if not getattr(words.flags, s)] == []
    assert [k for k in lx.SUPERLATIVE_MEANINGS if not words.sorting.by_column.get(k)] == []
    assert [op for op in ("ge", "le", "gt", "lt") if not words.comparators.before.get(op)] == []


def test_labels_and_themes_are_given_in_both_languages() -> None:
    en, zh = lx.word_files()["en"], lx.word_files()["zh"]
    assert en.labels.columns.keys() == zh.labels.columns.keys() == lx.COLUMN_LABELS.keys()
    assert lx.COLUMN_LABELS["management_fee"] == lx.Label("management fee", "管理费率", "%")
    assert ("Consumer", "消费") in lx.NAME_THEMES and len(lx.NAME_THEMES) == len(en.themes) == len(zh.themes)


def test_a_plain_word_matches_as_written_and_a_pattern_as_a_regex() -> None:
    assert as_regex("vs.") == r"vs\." and re.fullmatch(as_regex("vs."), "vsx") is None
    assert as_regex("standard deviation") == "standard deviation"
    assert as_regex(Pattern(re="returns?")) == "returns?"
    assert r"returns?" in lx.COLUMN_WORDS["return"] and "管理费" in lx.COLUMN_WORDS["management_fee"]


def test_patterns_are_tagged_only_when_they_need_regex_syntax() -> None:
    for name, words in lx.word_files().items():
        for entry in _entries(words):
            if isinstance(entry, Pattern):
                assert re.search(r"[.^$*+?{}\[\]\\|()]", entry.re), f"{name}.yaml: {entry.re!r} is a plain word"


def _entries(words: WordFile) -> list[str | Pattern]:
    tables = [words.columns, words.categories, words.flag_columns, words.comparators.before,
              words.comparators.after, words.sorting.by_column]  # fmt: skip
    sections = [words.flags, words.sorting, words.requests, words.negations, words.markers]
    found = [e for table in tables for entries in table.values() for e in entries]
    found += [e for section in sections for _, value in section for e in (value if isinstance(value, list) else [])]
    return found + list(words.fund_nouns)


def test_a_malformed_file_fails_naming_the_file_and_the_key(tmp_path: Path) -> None:
    unknown_family = tmp_path / "en.yaml"
    unknown_family.write_text("columns:\n  retrun: [gains]\n", encoding="utf-8")
    with pytest.raises(WordFileError, match=r"en\.yaml: columns\.retrun"):
        read_word_file(unknown_family)
    bad_pattern = tmp_path / "zh.yaml"
    bad_pattern.write_text("requests:\n  count: [几只, !re '多少(只']\n", encoding="utf-8")
    with pytest.raises(WordFileError, match=r"zh\.yaml: requests\.count\.1"):
        read_word_file(bad_pattern)
    misspelled = tmp_path / "signs.yaml"
    misspelled.write_text("sortng: {best: [x]}\n", encoding="utf-8")
    with pytest.raises(WordFileError, match=r"signs\.yaml: sortng"):
        read_word_file(misspelled)


def test_an_edited_word_file_changes_the_trained_models_cache_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = trained._model_key("setting")
    copy = tmp_path / "words"
    shutil.copytree(lx.WORDS_DIR, copy)
    english = (copy / "en.yaml").read_text(encoding="utf-8")
    (copy / "en.yaml").write_text(english.replace(" perf,", " perf, earnings,", 1), encoding="utf-8")
    monkeypatch.setattr(lx, "WORDS_DIR", copy)
    assert trained._model_key("setting") != before
