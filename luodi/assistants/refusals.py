"""What assistants that do not write with a base model (grounded, scenario) refuse: the generation parameters
they cannot honour, named in a 400, as vLLM refuses a `tool_choice` it cannot serve. Never ignored silently."""

from __future__ import annotations

from luodi.contracts import Sampling
from luodi.errors import UnsupportedParameter


def unsupported(sampling: Sampling) -> tuple[str, str] | None:
    """(the parameter, why) of the first generation parameter an answer that is not written by the base model
    cannot honour; None if there is none."""
    if sampling.tools and sampling.tool_choice != "none":
        return "tools", "it does not call the caller's functions"
    if sampling.json_schema is not None or sampling.json_object:
        return "response_format", "its answers are text, not JSON"
    if sampling.logprobs:
        return "logprobs", "its answers are not sampled token by token"
    if sampling.n > 1:
        return "n", "it writes one answer per request"
    if sampling.stop:
        return "stop", "its answers are verified whole and are not cut at stop sequences"
    return None


def refuse_unsupported(assistant: str, kind: str, sampling: Sampling) -> None:
    """Raise UnsupportedParameter (400, naming the parameter) for the first parameter this kind cannot honour."""
    found = unsupported(sampling)
    if found is not None:
        param, why = found
        raise UnsupportedParameter(f"{param} is not supported by assistant {assistant!r} (kind {kind}): {why}",
                                   param=param)
