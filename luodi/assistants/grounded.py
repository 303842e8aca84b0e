"""The grounded assistant: answers from a knowledge base, numbers from tools, everything verified.

act (the configured skills, in order: the first that drafts answers; see `luodi.grounding.skills`) -> compose
(its template, phrased by the small model where it helps) -> verify (repair, or abstain). The small model never
supplies a fact: what it writes is checked against passages and tool outputs. The skills and the knowledge base's
extractors are named in the assistant's options, from the generic ones and those the installed packs contribute.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import Engine

from luodi.assistants.base import AnswerDelta, AssistantContext, KindOptions, Turn, assistant_kind, stream_whole_answer
from luodi.assistants.components import Components
from luodi.assistants.refusals import refuse_unsupported
from luodi.config import AssistantConfig
from luodi.contracts import Answer, Check, Citation, Evidence, ToolCall, Verification
from luodi.errors import Misconfigured, NeedsSkippedPack
from luodi.grounding.builtin import DEFAULT_SKILLS, GENERIC_SKILLS
from luodi.grounding.compose import ABSTAIN_TEXT
from luodi.grounding.skills import Draft, Scope, Skill, SkillRegistry
from luodi.grounding.verify import Verified, repair
from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.extractors import resolve_extractors
from luodi.knowledge.search import SearchFilter
from luodi.knowledge.store import KnowledgeStore
from luodi.models.base import BackendUnavailable, BaseModelBackend


class GroundedAssistant:
    def __init__(
        self,
        name: str,
        config: AssistantConfig,
        knowledge: KnowledgeBase,
        backend: BaseModelBackend | None,
        phrase_with_model: bool = True,
        skills: Sequence[Skill] = GENERIC_SKILLS,
    ) -> None:
        self.name = name
        self.config = config
        self.knowledge = knowledge
        self.backend = backend
        self.phrase_with_model = phrase_with_model
        self.skills = tuple(skills)

    # the Assistant protocol
    def respond(self, turn: Turn) -> Answer:
        refuse_unsupported(self.name, "grounded", turn.sampling)
        question = next((m.content for m in reversed(turn.messages) if m.role == "user"), "")
        return self.answer(question)

    def stream(self, turn: Turn) -> Iterator[AnswerDelta]:
        return stream_whole_answer(self.respond(turn))

    # the pipeline
    def answer(self, question: str, where: SearchFilter | None = None) -> Answer:
        started = time.perf_counter()
        question_evidence = Evidence(id="question", kind="record", text=question, source="question")
        skill, draft = self.draft(question, where)
        if draft is None or not draft.text:
            reason = "; ".join(c.error for c in (draft.tool_calls if draft else []) if c.error)
            return _abstain([question_evidence], reason or "nothing in the knowledge base or the tools answers this",
                            tool_calls=draft.tool_calls if draft else None, skill=skill)
        evidence = [*draft.evidence, question_evidence]
        verified = _verified(draft, evidence)
        if verified.verification.status == "abstained":
            return _abstain(evidence, "the draft failed verification", verified.verification, draft.tool_calls,
                            skill=skill)
        if not draft.answers:
            return _abstain(evidence, "passages found, but no answer to verify in them", verified.verification,
                            draft.tool_calls, related=(verified.text, draft.citations), skill=skill)
        return Answer(
            text=verified.text,
            citations=draft.citations,
            verification=verified.verification,
            evidence=evidence,
            tool_calls=draft.tool_calls,
            usage=draft.usage,
            state={"value": draft.value, "seconds": round(time.perf_counter() - started, 3), "skill": skill},
        )

    def draft(self, question: str, where: SearchFilter | None = None) -> tuple[str | None, Draft | None]:
        """The first skill, in configured order, that drafts an answer, and its draft; (None, None) if none does."""
        scope = Scope(knowledge=self.knowledge, where=where, phraser=self.backend if self.phrase_with_model else None)
        for skill in self.skills:
            draft = skill.draft(question, scope)
            if draft is not None:
                return skill.name, draft
        return None, None


def _verified(draft: Draft, evidence: list[Evidence]) -> Verified:
    """The draft verified against its evidence; a phrased draft that fails falls back to its template."""
    verified = repair(draft.text, evidence, len(draft.citations), draft.tool_value)
    if verified.verification.status != "abstained" or not draft.fallback:
        return verified
    fallback = repair(draft.fallback, evidence, len(draft.citations), draft.tool_value)
    if fallback.verification.status == "abstained":
        return verified
    failed = [c for c in verified.verification.checks if not c.supported]
    fallback.verification = Verification(
        status="repaired",
        checks=fallback.verification.checks
        + [c.model_copy(update={"note": c.note + "; model draft replaced by the template"}) for c in failed],
    )
    return fallback


def _abstain(
    evidence: list[Evidence],
    reason: str,
    verification: Verification | None = None,
    tool_calls: list[ToolCall] | None = None,
    related: tuple[str, list[Citation]] | None = None,
    skill: str | None = None,
) -> Answer:
    """The "I will not guess" answer with a hand-off offer; `related` adds quoted passages (text, citations)
    that a person may read, cited but not claimed as the answer; `skill` names the skill that drafted, if any."""
    checks = (verification.checks if verification else []) + [
        Check(claim="answer", kind="abstention", supported=False, note=reason)
    ]
    return Answer(
        text=ABSTAIN_TEXT if related is None else f"{ABSTAIN_TEXT}\n\n{related[0]}",
        citations=related[1] if related else [],
        abstained=True,
        evidence=evidence,
        tool_calls=tool_calls or [],
        verification=Verification(status="abstained", checks=checks),
        state={"handoff": "human", **({"skill": skill} if skill else {})},
    )


class GroundedOptions(KindOptions):
    # where the knowledge is: the tenant's vector stores it names, else a folder of its own (`knowledge_dir`),
    # else the platform database's knowledge base of this assistant
    vector_store_ids: tuple[str, ...] = ()
    knowledge_dir: str | None = None
    TENANT_OPTIONS = frozenset({"vector_store_ids", "phrase_with_model", "skills"})
    phrase_with_model: bool = True  # let the base model phrase verified drafts (templates otherwise)
    skills: tuple[str, ...] = DEFAULT_SKILLS  # tried in this order; the generic ones and the packs'
    extractors: tuple[str, ...] = ()  # run on every document the knowledge base ingests; none by default

    def check_names(self, components: Components) -> None:
        waiting = [name for name in (*self.skills, *self.extractors) if name in components.unavailable]
        if waiting:
            raise NeedsSkippedPack(components.unavailable[waiting[0]])
        SkillRegistry((*GENERIC_SKILLS, *components.skills)).resolve(self.skills)
        resolve_extractors(self.extractors, components.extractors)


KNOWLEDGE_OPTION = "vector_store_ids"  # the option naming a tenant's vector stores (GroundedOptions' field)
ASSISTANT_KB_PREFIX = "assistant:"  # the platform database's knowledge base of a configured assistant


def knowledge_store(name: str, config: AssistantConfig, engine: Engine | None, directory: Path | None = None
                    ) -> KnowledgeStore:
    """Where an assistant's knowledge is (see GroundedOptions); `directory` overrides."""
    options = GroundedOptions.of(config)
    folder = directory or (Path(options.knowledge_dir) if options.knowledge_dir else None)
    if folder is not None:
        return KnowledgeStore.in_directory(folder)
    if engine is None:
        raise Misconfigured(f"assistant {name!r} keeps its knowledge in the platform database; open it with one")
    return KnowledgeStore(engine, list(options.vector_store_ids) or [ASSISTANT_KB_PREFIX + name])


def assistant_skills(config: AssistantConfig, components: Components) -> tuple[Skill, ...]:
    """The skills an assistant's options name, from the generic ones and the packs'; an unknown name is refused."""
    return SkillRegistry((*GENERIC_SKILLS, *components.skills)).resolve(GroundedOptions.of(config).skills)


def open_knowledge(name: str, config: AssistantConfig, components: Components, engine: Engine | None = None,
                   directory: Path | None = None) -> KnowledgeBase:
    """An assistant's knowledge base (see `knowledge_store`), running the extractors its options name (an unknown
    name is refused); knowledge read from vector stores keeps the facts their own extractors found."""
    options = GroundedOptions.of(config)
    extractors = () if options.vector_store_ids else resolve_extractors(options.extractors, components.extractors)
    return KnowledgeBase(knowledge_store(name, config, engine, directory), extractors)


def grounded_assistant(name: str, config: AssistantConfig, context: AssistantContext) -> GroundedAssistant:
    """The grounded kind's factory: skills and extractors named in the options, from `context.components`."""
    skills = assistant_skills(config, context.components)
    knowledge = open_knowledge(name, config, context.components, context.store.engine if context.store else None)
    try:
        backend: BaseModelBackend | None = context.backends.get(config.base_model)
    except BackendUnavailable:
        backend = None  # answers are still grounded; only the phrasing falls back to templates
    return GroundedAssistant(name, config, knowledge, backend,
                             phrase_with_model=GroundedOptions.of(config).phrase_with_model, skills=skills)


build_grounded = assistant_kind("grounded", options=GroundedOptions)(grounded_assistant)

__all__ = ["GroundedAssistant", "GroundedOptions", "build_grounded", "grounded_assistant", "knowledge_store",
           "KNOWLEDGE_OPTION", "open_knowledge"]
