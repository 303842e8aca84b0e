"""The assistants a caller may name in `model`: the platform's catalogue (luodi.yaml's assistants, offered to
every tenant) and the tenant's own (`luodi.gateway.assistants`), and the checks a tenant's definition passes.

A name resolves to a `Resolved`: its configuration and the key its built assistant is kept under (the name for
the catalogue; the row's id and revision for a tenant's own, so an edit is served from the next call on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy.orm import Session

from luodi.assistants.base import ASSISTANT_KINDS, ASSISTANT_OPTIONS, check_options
from luodi.assistants.components import Components
from luodi.assistants.grounded import KNOWLEDGE_OPTION
from luodi.config import AssistantConfig, Settings
from luodi.errors import AssistantCannotStart, ModelNotFound, NeedsSkippedPack
from luodi.gateway import assistants as defined
from luodi.gateway.assistants import AssistantRefused
from luodi.knowledge.uploads import VectorStoreNotFound, get_vector_store

TENANT_KINDS = ("chat", "grounded", "scenario")  # what a tenant may build; a pack's alias kinds stay the operator's
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


AssistantKey = tuple[str, int]  # what a built assistant is kept under: (identity, revision)


@dataclass(frozen=True)
class Resolved:
    name: str
    config: AssistantConfig
    key: AssistantKey  # the catalogue's: ("catalogue:<name>", 0); a tenant's: (its row id, its revision)
    tenant_id: str | None  # None: the platform's catalogue

    @property
    def defined_by_tenant(self) -> bool:
        return self.tenant_id is not None


class Catalog:
    def __init__(self, settings: Settings, components: Components) -> None:
        self.settings = settings
        self.components = components

    def resolve(self, session: Session | None, tenant_id: str | None, name: str) -> Resolved:
        """`session` may be None only for the catalogue's names (nothing else is looked up then)."""
        config = self.settings.assistants.get(name)
        if config is not None:
            return Resolved(name, config, ("catalogue:" + name, 0), None)
        row = defined.find(session, tenant_id, name) if tenant_id and session is not None else None
        if row is None:
            raise ModelNotFound(f"the model {name!r} does not exist; GET /v1/models lists the assistants",
                                param="model")
        config = row.assistant_config
        try:  # a row saved under earlier rules is checked again by today's, every time it is served
            self._check_options_allowed(config)
            self._check_scenario(config)
        except AssistantRefused as exc:
            raise AssistantCannotStart.because(name, f"{exc}; PATCH its options") from exc
        return Resolved(name, config, (row.id, row.revision), tenant_id)

    def visible(self, session: Session, tenant_id: str) -> dict[str, AssistantConfig]:
        """The catalogue and the tenant's own, by name."""
        own = {row.name: row.assistant_config for row in defined.of_tenant(session, tenant_id)}
        return {**self.settings.assistants, **own}

    def checked(self, session: Session, tenant_id: str, name: str, config: AssistantConfig) -> AssistantConfig:
        """The definition as the platform allows a tenant to make it, or AssistantRefused naming the field."""
        self._check_name(name)
        if config.kind not in TENANT_KINDS or config.kind not in ASSISTANT_KINDS:
            served = ", ".join(k for k in TENANT_KINDS if k in ASSISTANT_KINDS)
            raise AssistantRefused(f"kind must be one of {served}, not {config.kind!r}", param="kind")
        if config.base_model not in self.settings.base_models:
            known = ", ".join(sorted(self.settings.base_models))
            raise AssistantRefused(f"base_model {config.base_model!r} is not in the platform's catalogue ({known})",
                                   param="base_model")
        floor = self.settings.tenant_min_base_model_share
        if config.base_model_share < floor:
            raise AssistantRefused(f"base_model_share must be at least {floor} on this platform, not "
                                   f"{config.base_model_share}", param="base_model_share")
        self._check_options_allowed(config)
        self._check_knowledge(session, tenant_id, config)
        self._check_scenario(config)
        try:
            check_options(name, config, self.components)
        except NeedsSkippedPack as exc:
            raise AssistantRefused(str(exc), param="options") from exc
        except ValueError as exc:
            raise AssistantRefused(str(exc), param="options") from exc
        return config

    @staticmethod
    def _check_options_allowed(config: AssistantConfig) -> None:
        """Only the options a kind lets tenants set (`KindOptions.TENANT_OPTIONS`): paths, database URLs and model
        files on the server are the operator's."""
        allowed = ASSISTANT_OPTIONS[config.kind].TENANT_OPTIONS
        refused = sorted(set(config.options) - allowed)
        if refused:
            settable = ", ".join(sorted(allowed)) or "none"
            raise AssistantRefused(f"option(s) {', '.join(refused)} are set by the platform's operator only; a "
                                   f"tenant's {config.kind} assistant may set: {settable}", param="options")

    def _check_name(self, name: str) -> None:
        if not NAME_PATTERN.fullmatch(name):
            raise AssistantRefused(f"name {name!r} must be 1-64 letters, digits or . _ : - (starting with a letter or "
                                   "digit)", param="name")
        if name in self.settings.assistants or name in self.settings.embedding_models:
            raise AssistantRefused(f"name {name!r} is taken by the platform's catalogue; GET /v1/models lists it",
                                   param="name")

    @staticmethod
    def _check_knowledge(session: Session, tenant_id: str, config: AssistantConfig) -> None:
        stores = config.options.get(KNOWLEDGE_OPTION) or []
        if config.kind == "grounded" and not stores:
            raise AssistantRefused("a grounded assistant answers from the tenant's vector stores: give "
                                   "knowledge_bases (vector store ids)", param="knowledge_bases")
        for vector_store_id in stores:
            try:
                get_vector_store(session, tenant_id, str(vector_store_id))
            except VectorStoreNotFound as exc:
                raise AssistantRefused(f"knowledge_bases: {exc}", param="knowledge_bases") from exc

    def _check_scenario(self, config: AssistantConfig) -> None:
        scenario = config.options.get("scenario")
        if config.kind != "scenario" or not isinstance(scenario, str) or scenario in self.components.scenarios:
            return
        path = PurePosixPath(scenario)
        if path.is_absolute() or ".." in path.parts or path.parts[0] not in self.components.folders:
            packs = ", ".join(sorted(self.components.folders)) or "none"
            raise AssistantRefused(f"scenario {scenario!r} must be a pack's scenario or a spec file of an installed "
                                   f"pack, as <pack>/<file>.yaml (packs: {packs})", param="options")
