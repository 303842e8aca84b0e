"""A grounded assistant runs the skills its options list, in that order, records the one that drafted, and is
refused at start when its options name a skill or an extractor nothing provides."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from luodi.assistants.base import AssistantContext
from luodi.assistants.components import Components
from luodi.assistants.grounded import GroundedAssistant, build_grounded
from luodi.config import AssistantConfig, Settings
from luodi.contracts import Evidence, ToolCall
from luodi.grounding.builtin import DEFAULT_SKILLS
from luodi.grounding.skills import Draft, Scope, UnknownSkill
from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.extractors import UnknownExtractor
from luodi.knowledge.store import knowledge_bases
from luodi.models.registry import BackendRegistry
from luodi.store import Store


@dataclass
class Scripted:
    """A skill that answers with a fixed sentence (or declines with None), noting every question it is asked."""

    name: str
    reply: str | None
    asked: list[str] = field(default_factory=list)

    def draft(self, question: str, scope: Scope) -> Draft | None:
        self.asked.append(question)
        if self.reply is None:
            return None
        evidence = Evidence(id=f"tool:{self.name}", kind="tool", source=self.name, text=self.reply)
        tool = ToolCall(name=self.name, arguments={}, output=self.reply)
        return Draft(text=self.reply, evidence=[evidence], tool_calls=[tool], value=self.reply)


def config(**options: object) -> AssistantConfig:
    return AssistantConfig(base_model="none", kind="grounded", options=options)


def context(tmp_path: Path, components: Components | None = None) -> AssistantContext:
    settings = Settings(data_dir=tmp_path)
    store = Store(settings.resolved_database_url)
    store.create_schema()
    return AssistantContext(settings=settings, backends=BackendRegistry(settings), store=store,
                            components=components or Components())


def test_skills_run_in_the_listed_order_and_the_one_that_drafted_is_recorded(tmp_path: Path) -> None:
    declines, answers, never = Scripted("declines", None), Scripted("answers", "The depot opens at 7."), \
        Scripted("never", "The depot opens at 9.")
    grounded = GroundedAssistant("depot", config(), KnowledgeBase(tmp_path / "kb"), None,
                                 skills=[declines, answers, never])
    answer = grounded.answer("When does the depot open?")
    assert not answer.abstained and answer.text == "The depot opens at 7."
    assert answer.state["skill"] == "answers"
    assert declines.asked == answers.asked == ["When does the depot open?"] and never.asked == []
    reordered = GroundedAssistant("depot", config(), KnowledgeBase(tmp_path / "kb"), None, skills=[never, answers])
    assert reordered.answer("When does the depot open?").state["skill"] == "never"


def test_a_skill_that_claims_a_question_it_cannot_answer_is_recorded_beside_the_abstention(tmp_path: Path) -> None:
    grounded = GroundedAssistant("depot", config(), KnowledgeBase(tmp_path / "kb"), None,
                                 skills=[Scripted("stuck", ""), Scripted("later", "Too late.")])
    answer = grounded.answer("When does the depot open?")
    assert answer.abstained and answer.state["skill"] == "stuck"
    assert "skill" not in GroundedAssistant("depot", config(), KnowledgeBase(tmp_path / "kb"), None,
                                            skills=[Scripted("declines", None)]).answer("Anything?").state


def test_the_factory_takes_the_listed_skills_from_the_generic_ones_and_the_packs(tmp_path: Path) -> None:
    depot = Scripted("depot_hours", "The depot opens at 7.")
    built = build_grounded("depot", config(skills=["calculation", "depot_hours"]),
                           context(tmp_path, Components(skills=(depot,))))
    assert isinstance(built, GroundedAssistant)
    assert [s.name for s in built.skills] == ["calculation", "depot_hours"]
    assert built.answer("What is 2 + 3?").state["skill"] == "calculation"
    assert built.answer("When does the depot open?").state["skill"] == "depot_hours"
    plain = build_grounded("plain", config(), context(tmp_path))
    assert tuple(s.name for s in plain.skills) == DEFAULT_SKILLS and plain.knowledge.extractors == ()


def test_an_unknown_skill_is_refused_at_start_naming_it(tmp_path: Path) -> None:
    with pytest.raises(UnknownSkill, match=r"unknown skill\(s\) 'depot_hours'; .*calculation") as refused:
        build_grounded("depot", config(skills=["calculation", "depot_hours"]), built := context(tmp_path))
    assert isinstance(refused.value, ValueError)
    assert built.store is not None
    with built.store.transaction() as session:  # refused before its knowledge base was opened
        assert session.scalar(select(func.count()).select_from(knowledge_bases)) == 0


def test_an_unknown_extractor_is_refused_at_start_naming_it(tmp_path: Path) -> None:
    with pytest.raises(UnknownExtractor, match=r"unknown extractor\(s\) 'invoices'; .*provide none") as refused:
        build_grounded("depot", config(extractors=["invoices"]), context(tmp_path))
    assert isinstance(refused.value, ValueError)
