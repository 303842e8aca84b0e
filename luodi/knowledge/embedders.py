"""What serves `POST /v1/embeddings`: the packaged all-MiniLM-L6-v2 in-process, or an OpenAI-compatible server's
own /embeddings, passed through. Both return unit-length vectors and the input tokens to bill."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

import httpx
import openai

from luodi.config import BaseModelConfig, EmbeddingModelConfig
from luodi.errors import BackendUnavailable, InvalidRequest
from luodi.knowledge import embedding


@dataclass(frozen=True)
class Embedded:
    vectors: list[list[float]]
    prompt_tokens: int


class Embedder(Protocol):
    dimensions: int | None  # None: whatever the remote model returns

    def embed(self, texts: list[str], dimensions: int | None = None) -> Embedded: ...


class PackagedMiniLM:
    """all-MiniLM-L6-v2 from its PyPI package; a text longer than the model's window is read up to the window."""

    dimensions: int | None = embedding.DIMENSION

    def embed(self, texts: list[str], dimensions: int | None = None) -> Embedded:
        """`dimensions` is checked by the caller against `self.dimensions`: these vectors have one length."""
        vectors = embedding.embed(texts)
        return Embedded(vectors=vectors.tolist(), prompt_tokens=sum(embedding.token_counts(texts)))


class RemoteEmbeddings:
    """An OpenAI-compatible server's /embeddings: vectors and usage as the server reports them."""

    dimensions: int | None = None

    def __init__(self, name: str, base: BaseModelConfig, model: str) -> None:
        self.name = name
        self.model = model
        api_key = os.environ.get(base.api_key_env, "") if base.api_key_env else ""
        self._client = openai.OpenAI(
            base_url=str(base.base_url), api_key=api_key or "not-needed", timeout=base.timeout_seconds, max_retries=0
        )

    def embed(self, texts: list[str], dimensions: int | None = None) -> Embedded:
        try:
            reply = self._client.embeddings.create(
                model=self.model, input=texts, encoding_format="float",
                dimensions=openai.omit if dimensions is None else dimensions,
            )
        except openai.BadRequestError as exc:  # the upstream refused what was asked: the caller's 400, not an outage
            raise InvalidRequest(f"embedding model {self.name!r} refused the request: {exc.message}") from exc
        except (openai.APIError, httpx.HTTPError) as exc:
            raise BackendUnavailable(f"embedding model {self.name!r}: {exc}") from exc
        rows = sorted(reply.data, key=lambda row: row.index)
        if len(rows) != len(texts):
            raise BackendUnavailable(f"embedding model {self.name!r}: {len(rows)} vectors for {len(texts)} inputs")
        tokens = reply.usage.prompt_tokens if reply.usage else sum(max(1, len(t) // 4) for t in texts)
        return Embedded(vectors=[list(row.embedding) for row in rows], prompt_tokens=tokens)


def build_embedder(name: str, config: EmbeddingModelConfig, base_models: dict[str, BaseModelConfig]) -> Embedder:
    if config.kind == "packaged":
        return PackagedMiniLM()
    return RemoteEmbeddings(name, base_models[str(config.base_model)], str(config.model))
