"""Word files: the words a pack's understander reads, as YAML data, one file per language, validated on load.

The contract
------------
A word file is a YAML mapping of sections (`columns:`, `area_words:`, …) whose shape is the pack's own pydantic
model: the pack states once, in a model deriving from `WordSection`, which sections a file may hold and what each
holds; a key the model does not know, a missing required section or a value of the wrong type fails on load. An
entry of a word list is one of two kinds, and the model says which it accepts:

- a plain word (`PlainWord`), written as is (`performance`, `管理费`, `vs.`): it stands for exactly those
  characters; quote the YAML words that would read as something else (`"yes"`, `"no"`, `"on"`);
- a pattern (`Pattern`), tagged `!re` (`!re 'returns?'`, `!re 'open(?:ed)?(?![- ]?end)'`): a regular-expression
  alternative, used as written, for plurals, optional parts and lookarounds; it must compile. Quote it in single
  quotes. `Entry` (and a list of them, `Words`) accepts either; `as_regex` turns one into a regex alternative.

`load_word_file(directory, name, schema)` reads `<directory>/<name>.yaml` once (cached per file and model) and
returns the validated model; `read_word_file(path, schema)` reads without the cache. A file that is not YAML or
breaks the model raises `WordFileError` (a `luodi.errors.Misconfigured`: the installation is wrong), whose
message names the file and every key at fault (`…/en.yaml: columns.retrun: …; requests.count.1: …`).

How to use it
-------------
1. Put the words in `<pack>/words/<language>.yaml`, one file per language, with a comment saying what each
   section means and how its entries are matched.
2. Write the model: `class HotelWords(WordSection): area_words: dict[str, str] = {}; affirm_starts:
   list[PlainWord] = []` (sections with defaults may be left out of a file; a nested section is another
   `WordSection`).
3. Read it where the words are used: `WORDS = load_word_file(WORDS_DIR, "en", HotelWords)`, then
   `WORDS.affirm_starts`. The regex logic that uses the words stays in Python.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from luodi.errors import Misconfigured

_REGEX_SYNTAX = re.compile(r"([.^$*+?{}\[\]\\|()])")


class WordFileError(Misconfigured, ValueError):
    """A word file that cannot be read or breaks its pack's model; the message names the file and the key."""


def _plain_word(word: str) -> str:
    if not word or word != word.strip():
        raise ValueError(f"a plain word must be non-empty, without spaces around it: {word!r}")
    return word


class Pattern(BaseModel):
    """An entry tagged `!re`: a regular-expression alternative, used as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    re: str

    @field_validator("re")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a regular expression ({error}): {pattern!r}") from error
        return pattern


PlainWord = Annotated[str, AfterValidator(_plain_word)]
Entry = PlainWord | Pattern
Words = list[Entry]


def as_regex(entry: Entry) -> str:
    """The regular-expression alternative of an entry: a pattern as written, a plain word with its regex syntax
    escaped (spaces are kept, so "standard deviation" is the same text either way)."""
    return entry.re if isinstance(entry, Pattern) else _REGEX_SYNTAX.sub(r"\\\1", entry)


class WordSection(BaseModel):
    """The base of a pack's word-file model and of its sections: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Schema = TypeVar("Schema", bound=BaseModel)


class _WordLoader(yaml.SafeLoader):
    """YAML with the `!re` tag: `!re 'returns?'` is the pattern entry {"re": "returns?"}."""


_WordLoader.add_constructor("!re", lambda loader, node: {"re": loader.construct_scalar(node)})  # type: ignore[arg-type]


def read_word_file(path: Path, schema: type[Schema]) -> Schema:
    """The word file at `path`, validated by `schema`; `WordFileError` naming the file and the keys otherwise."""
    try:
        raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_WordLoader)  # noqa: S506 (a SafeLoader)
        return schema.model_validate(raw or {})
    except OSError as error:
        raise WordFileError(f"{path}: cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise WordFileError(f"{path}: not valid YAML: {error}") from error
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise WordFileError(f"{path}: {problems}") from error


def load_word_file(directory: Path, name: str, schema: type[Schema]) -> Schema:
    """`<directory>/<name>.yaml` (a language, say), validated by `schema`, read once per file and model."""
    return _cached(directory / f"{name}.yaml", schema)


@cache
def _cached(path: Path, schema: type[BaseModel]) -> Any:
    return read_word_file(path, schema)
