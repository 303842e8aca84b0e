"""The endpoints beyond chat, through the real server: /v1/models/{id}, /v1/embeddings (the packaged MiniLM and a
remote model passed through), /v1/completions on the embedded model, /metrics, offline /docs and /redoc, CORS."""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import openai
import pytest
import uvicorn
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from luodi.config import load_settings
from luodi.gateway.tenants import Quotas
from luodi.knowledge import embedding
from luodi.ledger.audit import records_for
from luodi.ledger.usage import UsageRecord
from luodi.models.completion import TextRequest, complete_text
from tests.conftest import LiveServer, free_port, usage_of, write_config

MINILM = "all-minilm-l6-v2"
SENTENCES = ["A cat sits on the mat.", "A kitten rests on a rug.", "Quarterly revenue rose by ten percent."]


def root(live: LiveServer) -> str:
    return live.url.removesuffix("/v1")


def post(live: LiveServer, key: str, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{live.url}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=120)


# --- GET /v1/models/{id} ----------------------------------------------------------------------------------------
def test_retrieve_an_assistant_and_the_embedding_model(live: LiveServer) -> None:
    client = live.client(live.new_key())
    general = client.models.retrieve("general")
    assert (general.id, general.object) == ("general", "model")
    assert general.owned_by == live.platform.settings.assistants["general"].partner
    assert (general.model_extra or {})["base_model"] == "smollm2-135m"
    minilm = client.models.retrieve(MINILM)
    assert minilm.id == MINILM and minilm.created > 0
    assert MINILM in {model.id for model in client.models.list()}


def test_retrieving_an_unknown_model_is_404_in_openai_shape(live: LiveServer) -> None:
    client = live.client(live.new_key())
    with pytest.raises(openai.NotFoundError) as raised:
        client.models.retrieve("no-such-model")
    error = raised.value.body
    assert isinstance(error, dict)
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", "model_not_found", "model")
    assert "no-such-model" in error["message"]


# --- POST /v1/embeddings ----------------------------------------------------------------------------------------
def test_embeddings_through_the_sdk_are_minilm_vectors_metered_and_audited(live: LiveServer) -> None:
    client = live.client(live.new_key())
    reply = client.embeddings.create(model=MINILM, input=SENTENCES)  # the SDK asks for base64 and decodes it
    vectors = np.array([row.embedding for row in sorted(reply.data, key=lambda row: row.index)], dtype=np.float32)
    assert vectors.shape == (3, embedding.DIMENSION)
    assert np.allclose(vectors, embedding.embed(SENTENCES), atol=1e-5)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # a cat is nearer a kitten than revenue
    assert reply.usage.prompt_tokens == sum(embedding.token_counts(SENTENCES)) == reply.usage.total_tokens
    request_id = (reply.model_extra or {})["luodi"]["request_id"]
    record = usage_of(live, request_id)
    assert (record.outcome, record.assistant, record.prompt_tokens) == ("ok", MINILM, reply.usage.prompt_tokens)
    price = live.platform.settings.embedding_models[MINILM].input_cost_per_million
    assert record.cost_nano_usd == round(reply.usage.prompt_tokens * price * 1000)
    with live.platform.store.transaction() as session:
        [embedded] = records_for(session, request_id)
    assert embedded["kind"] == "request.embedded" and embedded["payload"]["inputs"] == 3


def test_embeddings_of_one_string_in_float_and_base64(live: LiveServer) -> None:
    key = live.new_key()
    floats = post(live, key, "/embeddings", {"model": MINILM, "input": SENTENCES[0], "encoding_format": "float"})
    packed = post(live, key, "/embeddings", {"model": MINILM, "input": SENTENCES[0], "encoding_format": "base64"})
    assert floats.status_code == packed.status_code == 200
    [as_floats] = floats.json()["data"]
    [as_base64] = packed.json()["data"]
    assert isinstance(as_floats["embedding"], list) and len(as_floats["embedding"]) == embedding.DIMENSION
    decoded = np.frombuffer(base64.b64decode(as_base64["embedding"]), dtype="<f4")
    assert np.allclose(decoded, as_floats["embedding"], atol=1e-6)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": [101, 2023, 102]}, "input"),
        ({"input": [[101, 2023, 102]]}, "input"),
        ({"input": "hello", "dimensions": 256}, "dimensions"),
        ({"input": ["hello", ""]}, "input"),
    ],
)
def test_embedding_requests_it_cannot_honour_are_400_naming_the_parameter(
    live: LiveServer, body: dict[str, Any], param: str
) -> None:
    client = live.client(live.new_key())
    with pytest.raises(openai.BadRequestError) as raised:
        client.embeddings.create(model=MINILM, **body)
    assert isinstance(raised.value.body, dict) and raised.value.body["param"] == param


def test_embeddings_accept_their_own_dimensions(live: LiveServer) -> None:
    reply = live.client(live.new_key()).embeddings.create(model=MINILM, input="hello", dimensions=384)
    assert len(reply.data[0].embedding) == 384


def test_embeddings_go_through_the_quotas(live: LiveServer) -> None:
    tenant = f"quota-{np.random.default_rng().integers(1 << 30)}"
    client = live.client(live.new_key(tenant, quotas=Quotas(requests_per_minute=1)))
    client.embeddings.create(model=MINILM, input="first")
    with pytest.raises(openai.RateLimitError):
        client.embeddings.create(model=MINILM, input="second")
    tenant_id = live.platform.authenticate(client.api_key).tenant_id
    with live.platform.store.transaction() as session:
        records = session.scalars(select(UsageRecord).where(UsageRecord.tenant_id == tenant_id)).all()
        outcomes = sorted((r.assistant, r.outcome) for r in records)
    assert outcomes == [(MINILM, "ok"), (MINILM, "rejected")]


class FakeUpstream:
    """A tiny OpenAI-compatible /v1/embeddings on 127.0.0.1 that records what it was sent."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        app = FastAPI()

        @app.post("/v1/embeddings")
        async def embeddings(request: Request) -> JSONResponse:
            body = await request.json()
            self.received.append(body)
            if body.get("dimensions") == 1:
                return JSONResponse({"error": {"message": "dimensions too small", "type": "invalid_request_error",
                                               "param": "dimensions", "code": None}}, status_code=400)
            size = body.get("dimensions") or 3
            data = [{"object": "embedding", "index": i, "embedding": [float(i + 1)] * size}
                    for i, _ in enumerate(body["input"])]
            return JSONResponse({"object": "list", "data": data, "model": body["model"],
                                 "usage": {"prompt_tokens": 7 * len(data), "total_tokens": 7 * len(data)}})

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def remote_live(
    upstream: FakeUpstream, server_factory: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    folder = tmp_path_factory.mktemp("remote-embeddings")
    path = write_config(
        folder / "luodi.yaml",
        folder / "data",
        extra_base_models={"upstream": {"kind": "openai", "base_url": f"http://127.0.0.1:{upstream.port}/v1",
                                        "model": "chat-model"}},
    )
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["embedding_models"] = {
        MINILM: {},
        "upstream-embed": {"kind": "remote", "base_model": "upstream", "model": "text-embedding-up",
                           "input_cost_per_million": 2.0},
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return server_factory(settings=load_settings(Path(path)))


def test_a_remote_embedding_model_is_passed_through_and_metered(
    remote_live: LiveServer, upstream: FakeUpstream
) -> None:
    client = remote_live.client(remote_live.new_key())
    reply = client.embeddings.create(model="upstream-embed", input=["one", "two"], encoding_format="float")
    assert [row.embedding for row in reply.data] == [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    assert upstream.received[-1]["model"] == "text-embedding-up" and upstream.received[-1]["input"] == ["one", "two"]
    assert reply.model == "upstream-embed" and reply.usage.prompt_tokens == 14
    record = usage_of(remote_live, (reply.model_extra or {})["luodi"]["request_id"])
    assert (record.outcome, record.base_model, record.prompt_tokens) == ("ok", "upstream", 14)
    assert record.cost_nano_usd == 14 * 2000  # 14 tokens at $2 per million
    shorter = client.embeddings.create(model="upstream-embed", input=["one"], dimensions=2, encoding_format="float")
    assert upstream.received[-1]["dimensions"] == 2 and len(shorter.data[0].embedding) == 2


def test_a_remote_refusal_is_the_callers_400_and_recorded(remote_live: LiveServer) -> None:
    client = remote_live.client(remote_live.new_key())
    with pytest.raises(openai.BadRequestError, match="dimensions too small"):
        client.embeddings.create(model="upstream-embed", input=["one"], dimensions=1)
    tenant_id = remote_live.platform.authenticate(client.api_key).tenant_id
    with remote_live.platform.store.transaction() as session:
        [record] = session.scalars(select(UsageRecord).where(UsageRecord.tenant_id == tenant_id)).all()
    assert (record.outcome, record.assistant, record.prompt_tokens) == ("refused_by_model", "upstream-embed", 0)


# --- POST /v1/completions ---------------------------------------------------------------------------------------
PROMPT = "The capital of France is"


def test_text_completion_continues_the_prompt_as_written_and_is_metered(live: LiveServer) -> None:
    client = live.client(live.new_key())
    reply = client.completions.create(model="general", prompt=PROMPT, max_tokens=8, temperature=0)
    backend = live.platform.backends.get("smollm2-135m")
    direct = complete_text(backend, TextRequest(prompt=PROMPT, max_tokens=8, temperature=0))
    assert reply.object == "text_completion"
    assert reply.choices[0].text == direct.text and reply.choices[0].text.strip()  # no chat template, no system prompt
    assert reply.usage is not None and (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (
        direct.usage.prompt_tokens, direct.usage.completion_tokens)
    record = usage_of(live, reply.id)
    assert (record.outcome, record.prompt_tokens, record.completion_tokens) == ("ok", direct.usage.prompt_tokens, 8)
    assert record.cost_nano_usd > 0


def test_a_text_completion_names_its_id_and_cost_as_chat_does(live: LiveServer) -> None:
    raw = live.client(live.new_key()).completions.with_raw_response.create(model="general", prompt=PROMPT,
                                                                         max_tokens=4, temperature=0)
    reply = raw.parse()
    assert reply.id.startswith("cmpl-") and raw.headers["x-request-id"] == reply.id
    record = usage_of(live, reply.id)
    assert reply.usage is not None and (reply.usage.model_extra or {})["cost_usd"] == record.cost_nano_usd / 1e9


def test_streamed_text_completion_matches_and_bills_the_same(live: LiveServer) -> None:
    client = live.client(live.new_key())
    plain = client.completions.create(model="general", prompt=PROMPT, max_tokens=10)
    stream = client.completions.create(
        model="general", prompt=PROMPT, max_tokens=10, stream=True, stream_options={"include_usage": True}
    )
    pieces, usage, request_id, finish = [], None, "", None
    for chunk in stream:
        request_id = chunk.id
        for choice in chunk.choices:
            pieces.append(choice.text)
            finish = choice.finish_reason or finish
        usage = chunk.usage or usage
    assert "".join(pieces) == plain.choices[0].text and finish == plain.choices[0].finish_reason
    assert usage is not None and plain.usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens) == (plain.usage.prompt_tokens, plain.usage.completion_tokens)
    record = usage_of(live, request_id)
    assert (record.outcome, record.stream, record.prompt_tokens) == ("ok", 1, plain.usage.prompt_tokens)


def test_text_completion_writes_n_choices(live: LiveServer) -> None:
    reply = live.client(live.new_key()).completions.create(
        model="general", prompt=PROMPT, max_tokens=4, n=2, temperature=0.9
    )
    assert [choice.index for choice in reply.choices] == [0, 1]


@pytest.mark.parametrize(
    ("args", "param"),
    [
        ({"model": "filings", "prompt": PROMPT}, "model"),
        ({"model": "general", "prompt": [1, 2, 3]}, "prompt"),
        ({"model": "general", "prompt": PROMPT, "echo": True}, "echo"),
        ({"model": "general", "prompt": PROMPT, "logprobs": 2}, "logprobs"),
        ({"model": "general", "prompt": [PROMPT, PROMPT]}, "prompt"),
    ],
)
def test_text_completions_it_cannot_honour_are_400(live: LiveServer, args: dict[str, Any], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        live.client(live.new_key()).completions.create(max_tokens=4, **args)
    assert isinstance(raised.value.body, dict) and raised.value.body["param"] == param


# --- /metrics ---------------------------------------------------------------------------------------------------
def scrape(live: LiveServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = httpx.get(f"{root(live)}/metrics", timeout=30)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }


def labels(**given: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(given.items()))


def test_metrics_count_requests_errors_latency_tokens_and_cost(live: LiveServer) -> None:
    tenant = f"metrics-{np.random.default_rng().integers(1 << 30)}"
    key = live.new_key(tenant)
    client = live.client(key)
    route = labels(method="POST", route="/v1/embeddings", status="200")
    before = scrape(live)
    reply = client.embeddings.create(model=MINILM, input=SENTENCES)
    chat = client.chat.completions.create(model="general", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    assert httpx.get(f"{live.url}/no/such/route", timeout=10).status_code == 404
    assert httpx.get(f"{root(live)}/openapi.json", timeout=10).status_code == 200
    after = scrape(live)
    schema = labels(method="GET", route="/openapi.json", status="200")  # a route Starlette leaves out of the scope
    assert after[("luodi_http_requests_total", schema)] - before.get(("luodi_http_requests_total", schema), 0) == 1
    assert after[("luodi_http_requests_total", route)] - before.get(("luodi_http_requests_total", route), 0) == 1
    missing = labels(method="GET", route="unmatched", status="404")
    assert after[("luodi_http_errors_total", missing)] - before.get(("luodi_http_errors_total", missing), 0) == 1
    latency = labels(method="POST", route="/v1/embeddings")
    assert after[("luodi_http_request_duration_seconds_count", latency)] >= 1
    assert after[("luodi_http_request_duration_seconds_sum", latency)] > 0
    embedded = labels(tenant=tenant, assistant=MINILM, type="prompt")
    assert after[("luodi_tokens_total", embedded)] == reply.usage.prompt_tokens
    assert chat.usage is not None
    answered = labels(tenant=tenant, assistant="general", type="completion")
    assert after[("luodi_tokens_total", answered)] == chat.usage.completion_tokens
    with live.platform.store.transaction() as session:
        billed = session.scalars(select(UsageRecord).where(UsageRecord.request_id.in_(
            [chat.id, (reply.model_extra or {})["luodi"]["request_id"]]))).all()
    cost = sum(after[("luodi_cost_usd_total", labels(tenant=tenant, assistant=a))] for a in ("general", MINILM))
    assert cost == pytest.approx(sum(r.cost_nano_usd for r in billed) / 1e9, rel=1e-6)
    assert after[("luodi_calls_total", labels(tenant=tenant, assistant="general", outcome="ok"))] == 1


def test_metrics_count_failed_calls(live: LiveServer) -> None:
    tenant = f"failing-{np.random.default_rng().integers(1 << 30)}"
    client = live.client(live.new_key(tenant))
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="unreachable", messages=[{"role": "user", "content": "Hi"}])
    after = scrape(live)
    assert after[("luodi_calls_total", labels(tenant=tenant, assistant="unreachable", outcome="backend_error"))] == 1


# --- /docs and /redoc offline -----------------------------------------------------------------------------------
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|(?:url|spec-url)\s*:\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(live: LiveServer, page: str) -> None:
    html = httpx.get(f"{root(live)}{page}", timeout=30)
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assert not re.search(r"https?://", html.text), "the page names an outside address"
    urls = {a or b for a, b in ASSET.findall(html.text)}
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts, "the page loads no script"
    for url in urls:
        assert url.startswith("/"), url
        asset = httpx.get(f"{root(live)}{url}", timeout=30)
        assert asset.status_code == 200 and len(asset.content) > 100, url
    served = scrape(live)
    assert served[("luodi_http_requests_total", labels(method="GET", route="/docs-assets", status="200"))] >= 1


# --- CORS -------------------------------------------------------------------------------------------------------
ORIGIN = "https://app.example.com"


def preflight(live: LiveServer, origin: str) -> httpx.Response:
    return httpx.options(
        f"{live.url}/chat/completions",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"},
        timeout=10,
    )


def test_cors_is_off_by_default(live: LiveServer) -> None:
    assert live.platform.settings.cors_origins == []
    assert "access-control-allow-origin" not in preflight(live, ORIGIN).headers
    models = httpx.get(f"{live.url}/models", headers={"Origin": ORIGIN, "Authorization": f"Bearer {live.new_key()}"})
    assert "access-control-allow-origin" not in models.headers


def test_cors_allows_the_configured_origins_only(
    server_factory: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("cors")
    path = write_config(folder / "luodi.yaml", folder / "data")
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["cors_origins"] = [ORIGIN]
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    live = server_factory(settings=load_settings(path))
    allowed = preflight(live, ORIGIN)
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in preflight(live, "https://elsewhere.example").headers
    models = httpx.get(f"{live.url}/models", headers={"Origin": ORIGIN, "Authorization": f"Bearer {live.new_key()}"})
    assert models.status_code == 200 and models.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in models.headers["access-control-expose-headers"].lower()
