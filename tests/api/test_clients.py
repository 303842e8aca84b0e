"""The clients people already use, unchanged, against a real Luodi server and the embedded 135M model: LangChain's
`ChatOpenAI` and LlamaIndex's `OpenAILike`. Each test checks what the client gives back (a parsed object, a named
tool call, text) and the ledger's record of the call, so that a parameter the server ignored (a reply that is not
JSON, no `tool_calls`, a 404 for /v1/completions) fails it. The assertions are ones a 135M model meets: valid
structure, an offered tool's name, non-empty text; never the model's wording."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import jsonschema
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from llama_index.core.llms import ChatMessage
from llama_index.llms.openai_like import OpenAILike
from pydantic import BaseModel, SecretStr
from sqlalchemy import select

from luodi.gateway.tenants import Tenant
from luodi.ledger.usage import UsageRecord
from tests.conftest import LiveServer, audit_of, usage_of

MAX_TOKENS = 40


class Person(BaseModel):
    """A person named in the text."""

    name: str
    age: int


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"sunny in {city}"


@tool
def get_time(zone: str) -> str:
    """The current time in a time zone."""
    return f"noon in {zone}"


TOOLS = {"get_weather": get_weather, "get_time": get_time}


def chat_openai(live: LiveServer, key: str, **options: Any) -> ChatOpenAI:
    return ChatOpenAI(base_url=live.url, api_key=SecretStr(key), model="general", max_completion_tokens=MAX_TOKENS,
                      temperature=0, max_retries=0, timeout=120, **options)


@pytest.fixture
def chat_model(live: LiveServer) -> ChatOpenAI:
    return chat_openai(live, live.new_key())


def llama_index(live: LiveServer, **options: Any) -> OpenAILike:
    return OpenAILike(model="general", api_base=live.url, api_key=live.new_key(), max_tokens=MAX_TOKENS,
                      temperature=0, max_retries=0, timeout=120, **options)


# --- LangChain ChatOpenAI ---------------------------------------------------------------------------------------
def test_langchain_invoke_is_answered_and_metered(live: LiveServer, chat_model: ChatOpenAI) -> None:
    reply = chat_model.invoke("Say hello.")
    assert isinstance(reply.content, str) and reply.content.strip()
    assert reply.usage_metadata is not None and 0 < reply.usage_metadata["output_tokens"] <= MAX_TOKENS
    record = usage_of(live, reply.response_metadata["id"])
    assert (record.outcome, record.completion_tokens) == ("ok", reply.usage_metadata["output_tokens"])


def only_call_of(live: LiveServer, tenant: str) -> UsageRecord:
    """The one call a tenant made (a streamed LangChain message does not carry the completion's id)."""
    with live.platform.store.transaction() as session:
        owner = session.scalar(select(Tenant).where(Tenant.name == tenant))
        assert owner is not None
        [record] = session.scalars(select(UsageRecord).where(UsageRecord.tenant_id == owner.id)).all()
    return record


def test_langchain_stream_comes_in_pieces_and_bills_what_it_reports(live: LiveServer, chat_model: ChatOpenAI) -> None:
    unstreamed = chat_model.invoke("Count from one to five.").usage_metadata
    tenant = f"langchain-{uuid.uuid4().hex[:8]}"
    model = chat_openai(live, live.new_key(tenant), stream_usage=True)
    chunks = list(model.stream("Count from one to five."))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert sum(1 for c in chunks if c.content) > 1  # streamed as written, not one piece at the end
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    assert isinstance(whole.content, str) and whole.content.strip()
    assert whole.usage_metadata is not None and 0 < whole.usage_metadata["output_tokens"] <= MAX_TOKENS
    record = only_call_of(live, tenant)
    assert record.stream == 1 and record.outcome == "ok"
    assert (record.prompt_tokens, record.completion_tokens) == (
        whole.usage_metadata["input_tokens"], whole.usage_metadata["output_tokens"])
    assert unstreamed is not None and record.prompt_tokens == unstreamed["input_tokens"]  # the same prompt, once
    assert audit_of(live, record.request_id)["answer"] == whole.content


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_langchain_with_structured_output_returns_the_object(
    live: LiveServer, chat_model: ChatOpenAI, method: Literal["json_schema", "function_calling"]
) -> None:
    structured = chat_model.with_structured_output(Person, method=method, include_raw=True)
    result = structured.invoke("Anna is 31 years old. Give her name and age.")
    assert result["parsing_error"] is None
    assert isinstance(result["parsed"], Person)  # None (or a parsing error) if the server ignored the request
    raw = result["raw"]
    assert isinstance(raw, AIMessage)
    if method == "function_calling":
        [call] = raw.tool_calls
        assert call["name"] == "Person"
        assert audit_of(live, raw.response_metadata["id"])["function_calls"][0]["function"]["name"] == "Person"


def test_langchain_bind_tools_gives_a_call_of_an_offered_tool(chat_model: ChatOpenAI) -> None:
    model = chat_model.bind_tools(list(TOOLS.values()), tool_choice="required")
    reply = model.invoke("What is the weather in Paris?")
    assert isinstance(reply, AIMessage)
    [call] = reply.tool_calls
    assert call["name"] in TOOLS and call["id"]
    schema = convert_to_openai_tool(TOOLS[call["name"]])["function"]["parameters"]
    jsonschema.validate(call["args"], schema)
    assert reply.response_metadata["finish_reason"] == "tool_calls"


def test_langchain_tool_result_goes_back_into_the_conversation(live: LiveServer, chat_model: ChatOpenAI) -> None:
    question = HumanMessage("What is the weather in Paris?")
    called = chat_model.bind_tools([get_weather], tool_choice="get_weather").invoke([question])
    assert isinstance(called, AIMessage)
    [call] = called.tool_calls
    result = ToolMessage(content=str(get_weather.invoke(call["args"])), tool_call_id=str(call["id"]))
    answer = chat_model.invoke([question, called, result])
    assert isinstance(answer.content, str) and answer.content.strip()
    sent = audit_of(live, answer.response_metadata["id"])["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert sent[2]["tool_call_id"] == call["id"]


# --- LlamaIndex OpenAILike --------------------------------------------------------------------------------------
def test_llama_index_chat(live: LiveServer) -> None:
    llm = llama_index(live, is_chat_model=True)
    response = llm.chat([ChatMessage(role="user", content="Say hello.")])
    assert response.message.content and response.message.content.strip()
    assert response.raw is not None and response.raw.object == "chat.completion"
    record = usage_of(live, response.raw.id)
    assert record.outcome == "ok" and 0 < record.completion_tokens <= MAX_TOKENS


def test_llama_index_default_complete_uses_text_completions(live: LiveServer) -> None:
    llm = llama_index(live)  # OpenAILike's default (is_chat_model=False): `complete` posts to /v1/completions
    response = llm.complete("The capital of France is")
    assert response.text.strip()
    assert response.raw is not None and response.raw.object == "text_completion"
    record = usage_of(live, response.raw.id)
    assert record.outcome == "ok" and record.completion_tokens == response.raw.usage.completion_tokens
    assert 0 < record.completion_tokens <= MAX_TOKENS
    assert audit_of(live, response.raw.id)["answer"] == response.text


def test_llama_index_streamed_complete(live: LiveServer) -> None:
    pieces = [r.delta or "" for r in llama_index(live).stream_complete("Once upon a time")]
    assert len([p for p in pieces if p]) > 1 and "".join(pieces).strip()
