"""One error hierarchy, told to callers in OpenAI's shape by one handler: each class's status and body, the
status and code chosen by class and never by the words of a message, and an assistant that cannot start
reported as that, not as a base model that is down."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from luodi import errors
from luodi.api.errors import install_error_handlers
from luodi.assistants.base import ASSISTANT_KINDS, Assistant, AssistantContext, OptionsError
from luodi.config import AssistantConfig, ConfigError, load_settings
from luodi.dialogue.spec import ScenarioError
from luodi.dialogue.words import WordFileError
from luodi.gateway.assistants import AssistantExists, AssistantNotFound, AssistantRefused
from luodi.gateway.tenants import GatewayError, KeyNotFound, TenantExists, TenantNotFound
from luodi.grounding.skills import UnknownSkill
from luodi.knowledge.extractors import UnknownExtractor
from luodi.knowledge.uploads import FileNotFound, UploadRefused, VectorStoreNotFound
from luodi.ledger.audit import records_for
from luodi.ledger.usage import UsageRecord
from luodi.nlu.data import NluDataError
from luodi.nlu.model import EncoderUnavailable
from luodi.pack import PackError
from luodi.packs.funds.assistant import FundsAssistantError
from luodi.packs.funds.evaluation import QuestionSetError
from luodi.platform import Platform
from tests.conftest import LiveServer, write_config

WAREHOUSE_SPEC = Path(__file__).parent / "packs" / "warehouse" / "warehouse.yaml"

REQUEST = "invalid_request_error"

# what each LuodiError of the code base tells an OpenAI client: status, type, code, param
EXPECTED: dict[type[errors.LuodiError], tuple[int, str, str | None, str | None]] = {
    errors.LuodiError: (500, "server_error", "internal_error", None),
    errors.InternalError: (500, "server_error", "internal_error", None),
    errors.Unauthorized: (401, "authentication_error", "invalid_api_key", None),
    errors.PermissionDenied: (403, "permission_error", "permission_denied", None),
    errors.OperatorKeyRequired: (403, "permission_error", "operator_key_required", None),
    errors.InvalidRequest: (400, REQUEST, "invalid_request", None),
    errors.BodyNotText: (400, REQUEST, "invalid_json", None),
    errors.RequestValidationFailed: (400, REQUEST, "invalid_request", None),
    errors.InvalidJson: (400, REQUEST, "invalid_json", None),
    errors.UnsupportedParameter: (400, REQUEST, "unsupported_parameter", None),
    errors.RequestTooLarge: (413, REQUEST, "request_too_large", None),
    errors.MethodNotAllowed: (405, REQUEST, "method_not_allowed", None),
    errors.PromptTooLong: (400, REQUEST, "context_length_exceeded", "messages"),
    errors.NotFound: (404, REQUEST, "not_found", None),
    errors.ModelNotFound: (404, REQUEST, "model_not_found", "model"),
    errors.Conflict: (409, REQUEST, "conflict", None),
    errors.ApprovalError: (400, REQUEST, "approval_invalid", None),
    errors.ApprovalNotFound: (404, REQUEST, "approval_not_found", None),
    errors.ApprovalAlreadyDecided: (409, REQUEST, "approval_decided", None),
    errors.ApprovalCannotRun: (409, REQUEST, "approval_not_runnable", None),
    errors.TooManyRequests: (429, "rate_limit_error", "rate_limit_exceeded", None),
    errors.RateLimited: (429, "rate_limit_error", "rate_limit_exceeded", None),
    errors.QuotaExceeded: (429, "rate_limit_error", "insufficient_quota", None),
    errors.BackendUnavailable: (503, "server_error", "backend_unavailable", None),
    errors.BackendFailedMidAnswer: (503, "server_error", "backend_error", None),
    errors.StructuredOutputFailed: (500, "server_error", "structured_output_failed", None),
    errors.Misconfigured: (500, "server_error", "misconfigured", None),
    errors.AssistantCannotStart: (500, "server_error", "assistant_cannot_start", None),
    errors.NeedsSkippedPack: (500, "server_error", "pack_not_served", None),
    # the modules' own errors, told as the case they are
    ConfigError: (500, "server_error", "misconfigured", None),
    OptionsError: (500, "server_error", "misconfigured", None),
    ScenarioError: (500, "server_error", "misconfigured", None),
    WordFileError: (500, "server_error", "misconfigured", None),
    PackError: (500, "server_error", "misconfigured", None),
    NluDataError: (500, "server_error", "misconfigured", None),
    EncoderUnavailable: (500, "server_error", "misconfigured", None),
    QuestionSetError: (500, "server_error", "misconfigured", None),
    FundsAssistantError: (500, "server_error", "misconfigured", None),
    UnknownSkill: (500, "server_error", "misconfigured", None),
    UnknownExtractor: (500, "server_error", "misconfigured", None),
    GatewayError: (400, REQUEST, "invalid_request", None),
    KeyNotFound: (404, REQUEST, "key_not_found", None),
    TenantNotFound: (404, REQUEST, "tenant_not_found", None),
    TenantExists: (409, REQUEST, "tenant_exists", None),
    errors.ExpiredKey: (401, "authentication_error", "expired_api_key", None),
    errors.AssistantNotAllowed: (403, "permission_error", "assistant_not_allowed", None),
    errors.AdminKeyRequired: (403, "permission_error", "admin_key_required", None),
    errors.PlatformKeyRequired: (403, "permission_error", "platform_key_required", None),
    AssistantNotFound: (404, REQUEST, "assistant_not_found", None),
    AssistantExists: (409, REQUEST, "assistant_exists", None),
    AssistantRefused: (400, REQUEST, "invalid_assistant", None),
    FileNotFound: (404, REQUEST, "file_not_found", None),
    VectorStoreNotFound: (404, REQUEST, "vector_store_not_found", None),
    UploadRefused: (400, REQUEST, "invalid_file", None),
}


def all_subclasses(root: type[errors.LuodiError]) -> Iterator[type[errors.LuodiError]]:
    for sub in root.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def raising_app(error: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fail")
    def fail() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


def test_every_luodi_error_of_the_code_base_has_an_expectation() -> None:
    found = {cls for cls in all_subclasses(errors.LuodiError) if cls.__module__.startswith("luodi.")}
    assert found - set(EXPECTED) == set(), "add the new errors to EXPECTED"


@pytest.mark.parametrize("error_class", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_each_error_is_a_json_body_of_openai_shape_with_its_status(error_class: type[errors.LuodiError]) -> None:
    status, type_, code, param = EXPECTED[error_class]
    response = raising_app(error_class("what went wrong, named")).get("/fail")
    assert response.status_code == status
    body = response.json()
    assert list(body) == ["error"] and set(body["error"]) == {"message", "type", "param", "code"}
    assert (body["error"]["type"], body["error"]["code"], body["error"]["param"]) == (type_, code, param)
    assert body["error"]["message"].endswith("what went wrong, named")


def test_an_instance_names_the_field_at_fault() -> None:
    response = raising_app(errors.RequestValidationFailed("too many", param="messages.3")).get("/fail")
    assert response.json()["error"]["param"] == "messages.3"


def test_the_backend_headline_goes_before_the_backends_own_words() -> None:
    response = raising_app(errors.BackendUnavailable("connection refused")).get("/fail")
    assert response.json()["error"]["message"] == "the base model is unavailable: connection refused"


def test_rate_limit_and_quota_codes_come_from_the_class_not_the_words() -> None:
    # each message reads like the other case: only the class decides
    limited = raising_app(errors.RateLimited("monthly token quota used up")).get("/fail").json()["error"]
    over_quota = raising_app(errors.QuotaExceeded("rate limit reached: 3 requests")).get("/fail").json()["error"]
    assert (limited["code"], over_quota["code"]) == ("rate_limit_exceeded", "insufficient_quota")


def test_a_429_says_when_to_retry_and_a_used_up_quota_says_not_to() -> None:
    limited = raising_app(errors.RateLimited("slow down", retry_after=2.2, limits={"x-ratelimit-limit-requests": "5"}))
    headers = limited.get("/fail").headers
    assert (headers["retry-after"], headers["x-ratelimit-limit-requests"]) == ("3", "5")
    assert "x-should-retry" not in headers
    over_quota = raising_app(errors.QuotaExceeded("used up", retry_after=86_400)).get("/fail").headers
    assert (over_quota["retry-after"], over_quota["x-should-retry"]) == ("86400", "false")


def test_an_error_of_a_recorded_call_names_it_in_x_request_id() -> None:
    error = errors.UnsupportedParameter("tools are not supported", param="tools")
    error.request_id = "chatcmpl-abc"
    response = raising_app(error).get("/fail")
    assert response.headers["x-request-id"] == "chatcmpl-abc" and response.json()["error"]["param"] == "tools"


def test_an_unexpected_exception_names_only_its_type() -> None:
    response = raising_app(KeyError("secret detail")).get("/fail")
    assert response.status_code == 500
    assert response.json()["error"] == {"message": "internal error: KeyError", "type": "server_error",
                                         "param": None, "code": "internal_error"}


# --- through the real service ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def broken(server_factory: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    # a spec that loads (so the platform starts) whose data file is missing: found only when the assistant is built
    spec = tmp_path_factory.mktemp("scenarios") / "rooms.yaml"
    text = WAREHOUSE_SPEC.read_text(encoding="utf-8").replace("data: parts.json", "data: no_such_rows.json")
    spec.write_text(text, encoding="utf-8")
    assistant = {"kind": "scenario", "base_model": "smollm2-135m", "options": {"scenario": str(spec)}}
    settings = load_settings(write_config(spec.parent / "luodi.yaml", spec.parent / "data",
                                          extra_assistants={"broken-hotel": assistant}))
    return server_factory(settings=settings.model_copy(update={"packs": ["tests.packs.warehouse.pack:PACK"]}))


@pytest.mark.parametrize("stream", [False, True])
def test_a_missing_scenario_file_is_reported_as_the_assistant_that_cannot_start(
    broken: LiveServer, stream: bool
) -> None:
    with pytest.raises(openai.InternalServerError) as failure:
        broken.client(broken.new_key()).chat.completions.create(
            model="broken-hotel", messages=[{"role": "user", "content": "a hotel, please"}], stream=stream
        )
    assert failure.value.status_code == 500
    body = failure.value.body
    assert isinstance(body, dict) and body["code"] == "assistant_cannot_start" and body["type"] == "server_error"
    message = failure.value.message
    assert "assistant 'broken-hotel' cannot start" in message and "needs its data file" in message
    assert "no_such_rows.json" in message
    assert "base model" not in message


def test_an_assistant_that_cannot_start_is_recorded_as_such(broken: LiveServer) -> None:
    key = broken.new_key()
    response = httpx.post(f"{broken.url}/chat/completions", headers={"Authorization": f"Bearer {key}"},
                          json={"model": "broken-hotel", "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 500
    with broken.platform.store.transaction() as session:
        record = session.scalars(select(UsageRecord).where(UsageRecord.assistant == "broken-hotel")).first()
        assert record is not None and record.outcome == "assistant_cannot_start"
        [failed] = records_for(session, record.request_id)
    assert "no_such_rows.json" in failed["payload"]["error"]


def test_the_other_assistants_go_on_serving(broken: LiveServer) -> None:
    reply = broken.client(broken.new_key()).chat.completions.create(
        model="general", messages=[{"role": "user", "content": "hi"}], max_tokens=4
    )
    assert reply.choices[0].message.content is not None


def test_approval_errors_have_their_status(live: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {live.new_key(role='operator')}"}
    unknown = httpx.post(f"{live.url}/approvals/nope/approve", json={"operator": "duty manager"}, headers=headers)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "approval_not_found"
    nobody = httpx.post(f"{live.url}/approvals/nope/approve", json={"operator": "  "}, headers=headers)
    assert nobody.status_code == 400 and nobody.json()["error"]["code"] == "approval_invalid"


def test_routes_and_methods_starlette_refuses_are_in_openai_shape(live: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {live.new_key()}"}
    no_route = httpx.get(f"{live.url}/no-such-route", headers=headers)
    assert no_route.status_code == 404 and no_route.json()["error"]["code"] == "not_found"
    wrong_method = httpx.get(f"{live.url}/chat/completions", headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"


# --- the platform: configuration problems against backends that are down -----------------------------------
def failing_kind(error: Exception) -> Callable[[str, AssistantConfig, AssistantContext], Assistant]:
    def build(_name: str, _config: AssistantConfig, _context: AssistantContext) -> Assistant:
        raise error

    return build


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    kinds = {"down": errors.BackendUnavailable("connection refused"), "bad-data": OSError("rooms.csv: unreadable"),
             "bad-option": ValueError("temperature must be below 2")}
    for kind, error in kinds.items():
        monkeypatch.setitem(ASSISTANT_KINDS, f"test-{kind}", failing_kind(error))
    assistants = {name: {"kind": f"test-{name}", "base_model": "smollm2-135m"} for name in kinds}
    assistants["no-kind"] = {"kind": "no-such-kind", "base_model": "smollm2-135m"}
    return Platform(load_settings(write_config(tmp_path / "luodi.yaml", tmp_path, extra_assistants=assistants)))


def test_a_backend_that_is_down_stays_backend_unavailable(platform: Platform) -> None:
    with pytest.raises(errors.BackendUnavailable, match="connection refused"):
        platform.assistant("down")


@pytest.mark.parametrize(
    ("name", "cause"),
    [("bad-data", "rooms.csv: unreadable"), ("bad-option", "temperature must be below 2"), ("no-kind", "no-such-kind")],
)
def test_configuration_and_data_problems_mean_the_assistant_cannot_start(
    platform: Platform, name: str, cause: str
) -> None:
    with pytest.raises(errors.AssistantCannotStart) as failure:
        platform.assistant(name)
    assert str(failure.value).startswith(f"assistant {name!r} cannot start: ") and cause in str(failure.value)
    assert not isinstance(failure.value, errors.BackendUnavailable)
