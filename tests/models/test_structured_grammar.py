"""The grammar behind structured output only allows JSON: no raw control character inside a string, which JSON
forbids and which llama.cpp's JSON grammar would otherwise let the model write (a reply then refused as not JSON)."""

from __future__ import annotations

from llama_cpp import LlamaGrammar

from luodi.contracts import GenerationRequest, Message, ToolSpec
from luodi.models.structured import plan_for

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOL = ToolSpec(name="weather", parameters=SCHEMA)


def grammars() -> list[str]:
    asks = [GenerationRequest(messages=[Message(role="user", content="x")], json_schema=SCHEMA),
            GenerationRequest(messages=[Message(role="user", content="x")], json_object=True),
            GenerationRequest(messages=[Message(role="user", content="x")], tools=[TOOL], tool_choice="required"),
            GenerationRequest(messages=[Message(role="user", content="x")], tools=[TOOL], tool_choice="auto")]
    found = [plan_for(ask).gbnf() for ask in asks]
    return [grammar for grammar in found if grammar is not None]


def test_strings_may_not_hold_raw_control_characters() -> None:
    for grammar in grammars():
        assert 'char ::= [^"\\\\\\x00-\\x1F\\x7F]' in grammar
        assert 'char ::= [^"\\\\]' not in grammar


def test_the_grammars_still_compile() -> None:
    for grammar in grammars():
        LlamaGrammar.from_string(grammar, verbose=False)
