"""OpenAI parameters no backend here honours are refused with a 400 naming them, unless they ask nothing."""

from __future__ import annotations

from typing import Any

import pytest

from luodi.api.sampling import sampling_of
from luodi.api.schemas import ChatCompletionRequest
from luodi.errors import RequestValidationFailed

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(("name", "value"), [
    ("frequency_penalty", 0.5), ("presence_penalty", -1.0), ("logit_bias", {"50256": -100}),
    ("modalities", ["text", "audio"]),
])
def test_a_parameter_that_would_be_ignored_is_refused_by_name(name: str, value: Any) -> None:
    body = ChatCompletionRequest.model_validate({"model": "general", "messages": MESSAGES, name: value})
    with pytest.raises(RequestValidationFailed, match=f"{name} is not supported") as refused:
        sampling_of(body)
    assert refused.value.param == name


@pytest.mark.parametrize(("name", "value"), [
    ("frequency_penalty", 0), ("presence_penalty", 0.0), ("logit_bias", {}), ("modalities", ["text"]),
    ("logit_bias", None),
])
def test_the_value_that_asks_nothing_passes(name: str, value: Any) -> None:
    body = ChatCompletionRequest.model_validate({"model": "general", "messages": MESSAGES, name: value})
    assert sampling_of(body).n == 1
