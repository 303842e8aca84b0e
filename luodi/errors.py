"""Every error a caller of Luodi can meet, as one hierarchy under `LuodiError`.

The contract
------------
A `LuodiError` is raised wherever the problem is found (the gateway, the platform, a base model adapter, a
scenario loader) and says, as class attributes, how a caller is told about it:

- `status`: the HTTP status the API answers with;
- `openai_type` and `code`: the `type` and `code` of OpenAI's error body, so OpenAI clients raise the usual
  exception (`openai.RateLimitError`, `openai.NotFoundError`, …) and can branch on `code`;
- `param`: the request field at fault, if one is (an instance may name a more precise one: `param=`);
- `headline`: words the API puts before the message when the message alone (a backend's own words, say) would
  not say what failed.

The message (`str(error)`) names the thing at fault and the real cause: the file, the assistant, the field,
the limit. The API shows it as it is: `luodi.api.errors` turns any `LuodiError` into
`{"error": {"message", "type", "param", "code"}}` with `status` in one handler, and nothing anywhere decides a
status or a code from the words of a message. 5xx errors have OpenAI's type `server_error`.

The classes here are the cases the API tells apart. A module with an error of its own (a scenario file that
cannot be used, a bad configuration) keeps its class and derives it from the case it is, keeping the built-in
base it had (`ValueError`, …) so that older `except` clauses still catch it; the modules that raised one of the
classes below before this hierarchy existed re-export it under its old import path. An exception a module
raises and catches itself (a tool's `CalculationError`, a reader's `UnreadableDocument`) never reaches a caller
and need not be a `LuodiError`.

How to add an error
-------------------
1. Find the case it is: a caller's mistake (`InvalidRequest`, `NotFound`, `Conflict`), the installation's
   (`Misconfigured`), a base model's (`BackendUnavailable`)… If a caller must be able to tell it apart, add a
   subclass here with its own `code` (and `status` if the case's does not fit); otherwise reuse the case.
2. Raise it with a message that names what is wrong; never encode the kind of error in the message.
3. Add it to the expectations of tests/test_errors.py, which checks each class's status and body.
"""

from __future__ import annotations

import math
from typing import ClassVar


class LuodiError(Exception):
    """Something Luodi cannot do as asked; a bug (`InternalError`) unless a subclass says which case it is."""

    status: ClassVar[int] = 500
    openai_type: ClassVar[str] = "server_error"
    code: ClassVar[str | None] = "internal_error"
    headline: ClassVar[str] = ""
    param: str | None = None
    request_id: str | None = None  # the call's id in the ledger, once one was opened: sent as `x-request-id`

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        if param is not None:
            self.param = param

    def headers(self) -> dict[str, str]:
        """HTTP headers the API sends with this error (`Retry-After` on a 429, say); none by default."""
        return {}

    @property
    def message(self) -> str:
        """What the caller reads: the headline, if the class has one, then the message."""
        return f"{self.headline}: {self}" if self.headline else str(self)


class InternalError(LuodiError):
    """An exception nothing expected (a bug); the caller learns only its type, the log has the traceback."""


# --- who is calling --------------------------------------------------------------------------------------
class Unauthorized(LuodiError):
    """No API key, or one that is not valid or has been revoked."""

    status = 401
    openai_type = "authentication_error"
    code = "invalid_api_key"


class PermissionDenied(LuodiError):
    """A valid key that may not do this."""

    status = 403
    openai_type = "permission_error"
    code = "permission_denied"


class OperatorKeyRequired(PermissionDenied):
    """The approval queue is for a tenant's operator keys only."""

    code = "operator_key_required"


# --- what they ask for -----------------------------------------------------------------------------------
class ExpiredKey(Unauthorized):
    """The API key's expiry time has passed."""

    code = "expired_api_key"


class AssistantNotAllowed(PermissionDenied):
    """The API key is limited to other assistants."""

    code = "assistant_not_allowed"


class AdminKeyRequired(PermissionDenied):
    """Managing a tenant (assistants, knowledge bases, keys, settings) needs its admin key."""

    code = "admin_key_required"


class PlatformKeyRequired(PermissionDenied):
    """Managing tenants, or reading another tenant's ledger, needs the platform admin's key."""

    code = "platform_key_required"


class InvalidRequest(LuodiError):
    """A request Luodi cannot serve as sent; the message says which part is wrong."""

    status = 400
    openai_type = "invalid_request_error"
    code = "invalid_request"


class BodyNotText(InvalidRequest):
    """A request body that is not UTF-8 text, so not JSON either."""

    code = "invalid_json"


class RequestValidationFailed(InvalidRequest):
    """A body whose fields do not fit the request schema, or a last message with nothing to answer: 400, as OpenAI,
    vLLM and the `openai` SDK (`BadRequestError`) expect, not FastAPI's 422."""


class InvalidJson(RequestValidationFailed):
    """A body that is text but not valid JSON."""

    code = "invalid_json"


class UnsupportedParameter(InvalidRequest):
    """A parameter the assistant or its base model cannot honour (tools on a grounded assistant, `n` > 1 on a
    scenario): refused, naming it in `param`, rather than silently ignored."""

    code = "unsupported_parameter"


class RequestTooLarge(InvalidRequest):
    """A body over the size limit, refused before anything parses it."""

    status = 413
    code = "request_too_large"


class MethodNotAllowed(InvalidRequest):
    """A route called with a method it does not answer."""

    status = 405
    code = "method_not_allowed"


class PromptTooLong(InvalidRequest, ValueError):
    """The conversation does not fit the base model's context window."""

    code = "context_length_exceeded"
    param = "messages"


class NotFound(LuodiError):
    """No such route or thing."""

    status = 404
    openai_type = "invalid_request_error"
    code = "not_found"


class ModelNotFound(NotFound, LookupError):
    """A `model` that names no configured assistant (`luodi.platform.UnknownAssistant`)."""

    code = "model_not_found"
    param = "model"


class Conflict(LuodiError):
    """A request that does not fit the current state of what it acts on."""

    status = 409
    openai_type = "invalid_request_error"
    code = "conflict"


# --- the approval queue ----------------------------------------------------------------------------------
class ApprovalError(InvalidRequest, ValueError):
    """An approval that cannot be decided as asked (no operator named, say); the message says why."""

    code = "approval_invalid"


class ApprovalNotFound(ApprovalError, NotFound):
    """No approval request with that id (for this tenant)."""

    status = 404
    code = "approval_not_found"


class ApprovalAlreadyDecided(ApprovalError, Conflict):
    """The request was approved or rejected before."""

    status = 409
    code = "approval_decided"


class ApprovalCannotRun(ApprovalError, Conflict):
    """The assistant that filed the request cannot run actions (any more)."""

    status = 409
    code = "approval_not_runnable"


# --- limits ----------------------------------------------------------------------------------------------
class TooManyRequests(LuodiError):
    """The caller is over one of its key's limits; which one is its subclass. `retry_after` (seconds) is when the
    limit lets a call in again, sent as `Retry-After`; `limits` are the key's rate-limit headers."""

    status = 429
    openai_type = "rate_limit_error"
    code = "rate_limit_exceeded"
    retry: ClassVar[bool] = True  # whether waiting `retry_after` helps a client that retries by itself

    def __init__(
        self, message: str, param: str | None = None, retry_after: float | None = None,
        limits: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, param)
        self.retry_after = retry_after
        self.limits = dict(limits or {})

    def headers(self) -> dict[str, str]:
        found = dict(self.limits)
        if self.retry_after is not None:
            found["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        if not self.retry:
            found["x-should-retry"] = "false"  # the openai SDK then does not spend its retries on it
        return found


class RateLimited(TooManyRequests):
    """Over the requests-per-minute limit: waiting helps."""

    code = "rate_limit_exceeded"


class QuotaExceeded(TooManyRequests):
    """A monthly token quota or budget used up: waiting for the next month, or a new quota, helps."""

    code = "insufficient_quota"
    retry = False


# --- the server's side -----------------------------------------------------------------------------------
class BackendUnavailable(LuodiError, RuntimeError):
    """The base model cannot be reached or failed; the message is the backend's own account of it."""

    status = 503
    code = "backend_unavailable"
    headline = "the base model is unavailable"


class BackendFailedMidAnswer(BackendUnavailable):
    """The base model failed after part of a streamed answer was sent: reported in the stream, not as a status."""

    code = "backend_error"
    headline = "the base model failed mid-answer"


class StructuredOutputFailed(BackendUnavailable):
    """The base model's reply does not satisfy the format the caller required (a JSON Schema, a JSON object, a
    call of one of the caller's functions with valid arguments), even under a grammar: cut short by
    `max_tokens`, or breaking a rule the grammar could not enforce. Never delivered as if it were an answer."""

    status = 500
    code = "structured_output_failed"
    headline = "the base model's reply does not satisfy the requested format"


class Misconfigured(LuodiError):
    """The installation is wrong: a configuration or scenario file, an option, a data file, a missing package.
    An operator must fix it; the caller cannot."""

    code = "misconfigured"


class NeedsSkippedPack(Misconfigured, ValueError):
    """An assistant names a part of a pack that is installed but not served (a library it needs is missing): the
    platform serves the other assistants and says which pack and library this one waits for."""

    code = "pack_not_served"


class AssistantCannotStart(Misconfigured):
    """An assistant that cannot be built from its configuration; the message names it and the real cause."""

    code = "assistant_cannot_start"

    @classmethod
    def because(cls, assistant: str, cause: Exception | str) -> AssistantCannotStart:
        return cls(f"assistant {assistant!r} cannot start: {cause}")
