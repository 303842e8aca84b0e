"""The Skill contract: one way a grounded assistant can answer a question, drafting an answer to verify.

A grounded assistant tries its skills in the order its configuration lists them (`options.skills`); the first
that returns a `Draft` answers, and its name is recorded in the answer (`answer.state["skill"]`). A skill that
returns None did not recognise the question and the next one is tried; a `Draft` with no text means "this is
mine, and it cannot be answered" (its tool calls say why) and the assistant abstains. Every draft is verified
against its evidence before anything leaves: a skill supplies facts from data and tools, never from the model.

How to write one:
1. A class (or frozen dataclass) with a `name` (what configuration calls it: `skills: [my_skill, passages]`).
2. `draft(question, scope) -> Draft | None`: read what the question asks, look it up in `scope.knowledge`
   (only the documents `scope.where` admits) or compute it with a tool, and return a `Draft` whose text cites
   its evidence ([1], [2] … in the order of `citations`), with the tool calls made and the exact `tool_value`;
   put the deterministic template in `fallback` when `scope.phraser` phrased the text. Return None when the
   question is not one the skill answers.
3. The generic skills are in `luodi.grounding.builtin`; a pack contributes its own through
   `Components(skills=(MySkill(),))`. Keep the module light: it is imported when packs are loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from luodi.contracts import Citation, Evidence, TokenUsage, ToolCall
from luodi.errors import Misconfigured

if TYPE_CHECKING:
    from luodi.knowledge.base import KnowledgeBase
    from luodi.knowledge.search import SearchFilter
    from luodi.models.base import BaseModelBackend


@dataclass
class Draft:
    """What a skill produced: the text to verify, its evidence, citations and tool calls."""

    text: str
    evidence: list[Evidence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_value: str | None = None
    fallback: str | None = None  # the deterministic template, used when the phrased draft fails verification
    # False for quoted passages: they may hold the answer but nothing checked that they do, so they are offered
    # as evidence beside an abstention, never as an answer (on FinanceBench dev such quotes answered 0 of 2)
    answers: bool = True
    value: str | None = None
    usage: TokenUsage = field(default_factory=TokenUsage)


@dataclass(frozen=True)
class Scope:
    """What a skill may use to answer one question."""

    knowledge: KnowledgeBase
    where: SearchFilter | None = None  # the documents the question may be answered from; None: every one
    phraser: BaseModelBackend | None = None  # the base model that may phrase a verified template; None: templates


class Skill(Protocol):
    @property
    def name(self) -> str: ...

    def draft(self, question: str, scope: Scope) -> Draft | None: ...


class UnknownSkill(Misconfigured, ValueError):
    """A configured skill that neither the generic layer nor an installed pack provides; the message names it."""


class SkillRegistry:
    """The skills that may be configured, by name: the generic ones and those the installed packs contribute."""

    def __init__(self, skills: Iterable[Skill]) -> None:
        self._by_name = {skill.name: skill for skill in skills}

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def resolve(self, names: Sequence[str]) -> tuple[Skill, ...]:
        """The skills named, in order; an unknown name is refused, naming it and those that exist."""
        unknown = [name for name in names if name not in self._by_name]
        if unknown:
            raise UnknownSkill(f"unknown skill(s) {', '.join(map(repr, unknown))}; "
                               f"the generic layer and the installed packs provide {', '.join(self.names())}")
        return tuple(self._by_name[name] for name in names)
