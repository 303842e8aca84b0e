"""Builds base-model backends from configuration, once per process each."""

from __future__ import annotations

import threading
from pathlib import Path

from luodi.config import BaseModelConfig, Settings
from luodi.models.base import BackendUnavailable, BaseModelBackend
from luodi.models.embedded import EmbeddedLlama, locate_packaged_gguf
from luodi.models.remote import OpenAICompatible


def build_backend(name: str, config: BaseModelConfig, parallel: int = 2) -> BaseModelBackend:
    if config.kind == "embedded":
        path = Path(config.model_path) if config.model_path else locate_packaged_gguf(str(config.package))
        if not path.exists():
            raise BackendUnavailable(f"base model {name!r}: model file {path} does not exist")
        return EmbeddedLlama(
            name, path, context_tokens=config.context_tokens, parallel=parallel, chat_format=config.chat_format
        )
    return OpenAICompatible(
        name,
        base_url=str(config.base_url),
        model=str(config.model),
        api_key_env=config.api_key_env,
        timeout_seconds=config.timeout_seconds,
        supports_json_schema=config.supports_json_schema,
    )


class BackendRegistry:
    """Lazily built backends: a base model no assistant uses costs nothing."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._backends: dict[str, BaseModelBackend] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> BaseModelBackend:
        with self._lock:
            if name not in self._backends:
                config = self._settings.base_models.get(name)
                if config is None:
                    raise BackendUnavailable(f"base model {name!r} is not configured")
                self._backends[name] = build_backend(name, config, self._settings.embedded_parallel)
            return self._backends[name]
