"""Two packs never silently give the same name: the platform refuses to merge them, naming the part."""

from __future__ import annotations

import pytest

from luodi.assistants.components import Components
from luodi.dialogue.understanding import UnderstanderProvider
from luodi.errors import Misconfigured
from luodi.nlu.commands import nlu_understander


def test_the_same_understander_name_from_two_packs_is_refused() -> None:
    first = Components(understanders={"keywords": UnderstanderProvider(nlu_understander)})
    second = Components(understanders={"keywords": UnderstanderProvider(nlu_understander)})
    with pytest.raises(Misconfigured, match=r"two installed packs both give the understander 'keywords'"):
        first.merged(second)


def test_different_names_merge() -> None:
    first = Components(understanders={"a": UnderstanderProvider(nlu_understander)})
    merged = first.merged(Components(understanders={"b": UnderstanderProvider(nlu_understander)}))
    assert sorted(merged.understanders) == ["a", "b"]
