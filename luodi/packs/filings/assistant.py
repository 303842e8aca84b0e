"""The `filings` assistant as `luodi serve` builds it, for the pack's evaluation, benchmarks and tests: a grounded
assistant with the skills its configuration lists, over a knowledge base running the extractors it names.

The configuration is the one in force (`luodi.yaml`), else the shipped defaults' `filings` assistant.
"""

from __future__ import annotations

from pathlib import Path

from luodi.assistants.base import AssistantContext
from luodi.assistants.grounded import GroundedAssistant, grounded_assistant
from luodi.config import DEFAULTS_FILE, AssistantConfig, ConfigError, Settings, load_settings
from luodi.models.registry import BackendRegistry
from luodi.pack import installed_components

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
                               components=installed_components(settings.packs))
    return grounded_assistant(name, config, context)
