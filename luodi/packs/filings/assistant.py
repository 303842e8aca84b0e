"""The `filings` assistant as `luodi serve` builds it, for the pack's evaluation, benchmarks and tests: a grounded
assistant with the skills its configuration lists, over a knowledge base running the extractors it names.

The configuration is the one in force (`luodi.yaml`), else the shipped defaults' `filings` assistant.
"""

from __future__ import annotations

from pathlib import Path

from luodi.assistants.base import AssistantContext
from luodi.assistants.grounded import GroundedAssistant, GroundedOptions, assistant_skills, grounded_assistant
from luodi.config import DEFAULTS_FILE, AssistantConfig, ConfigError, Settings, load_settings
from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.extractors import resolve_extractors
from luodi.models.base import BaseModelBackend
from luodi.models.registry import BackendRegistry
from luodi.pack import components_of, installed_packs
from luodi.packs.filings.parts import COMPONENTS

ASSISTANT = "filings"


def filings_config(settings: Settings | None = None, name: str = ASSISTANT) -> AssistantConfig:
    """The grounded assistant `name` as configured in `settings`, else as shipped."""
    configured = settings.assistants.get(name) if settings else None
    config = configured or load_settings(DEFAULTS_FILE).assistants.get(name)
    if config is None or config.kind != "grounded":
        raise ConfigError(f"no grounded assistant named {name!r} is configured or shipped")
    return config


def filings_assistant(settings: Settings, knowledge_dir: Path, model: str | None = None,
                      name: str = ASSISTANT) -> GroundedAssistant:
    """The assistant `name` built by the grounded kind's factory, as `luodi serve` builds it, over the knowledge
    base at `knowledge_dir`, phrased by `model` (default: its configured base model)."""
    config = filings_config(settings, name)
    config = config.model_copy(update={"options": {**config.options, "knowledge_dir": str(knowledge_dir)},
                                       "base_model": model or config.base_model})
    context = AssistantContext(settings=settings, backends=BackendRegistry(settings),
                               components=components_of(installed_packs(settings.packs)))
    return grounded_assistant(name, config, context)


class FilingsKnowledgeBase(KnowledgeBase):
    """A knowledge base running the extractors the shipped `filings` assistant names (the statements)."""

    def __init__(self, directory: Path) -> None:
        names = GroundedOptions.of(filings_config()).extractors
        super().__init__(directory, resolve_extractors(names, COMPONENTS.extractors))


class FilingsAssistant(GroundedAssistant):
    """A grounded assistant with the skills the shipped `filings` assistant lists, in its order."""

    def __init__(self, name: str, config: AssistantConfig, knowledge: KnowledgeBase,
                 backend: BaseModelBackend | None, phrase_with_model: bool = True) -> None:
        super().__init__(name, config, knowledge, backend, phrase_with_model,
                         skills=assistant_skills(filings_config(), COMPONENTS))
