"""One request's journey, independent of HTTP: gateway (who, may they) -> assistant -> ledger (what happened).

The API is a thin skin over `Platform`; the CLI and the benchmarks use the same object, so what is measured
is what is served.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from luodi.assistants.base import (
    ASSISTANT_KINDS,
    CLARIFYING_KINDS,
    ActingAssistant,
    AnswerDelta,
    Assistant,
    AssistantContext,
    Turn,
    check_options,
)
from luodi.assistants.components import Components
from luodi.config import AssistantConfig, Settings
from luodi.contracts import Answer, TokenUsage
from luodi.errors import (
    ApprovalAlreadyDecided,
    ApprovalCannotRun,
    ApprovalError,
    ApprovalNotFound,
    AssistantCannotStart,
    BackendUnavailable,
    Misconfigured,
    ModelNotFound,
    PromptTooLong,
    TooManyRequests,
    Unauthorized,
)
from luodi.gateway.quotas import check_quotas
from luodi.gateway.tenants import Caller, authenticate
from luodi.governance import approvals
from luodi.ledger import audit, usage
from luodi.models.prices import call_cost
from luodi.models.registry import BackendRegistry
from luodi.modules import import_if_present
from luodi.pack import components_of, installed_packs
from luodi.store import Store

# Modules that register assistant kinds; optional ones may be absent from a slim install.
ASSISTANT_KIND_MODULES = [
    "luodi.assistants.chat",
    "luodi.assistants.grounded",
    "luodi.assistants.scenario",
]


UnknownAssistant = ModelNotFound  # the name the platform's callers have always caught

# what building an assistant raises when its configuration or data is wrong (a scenario file or its data
# missing, a model file bad, an option no value of which works): the assistant cannot start. A backend that
# is down stays BackendUnavailable.
SETUP_PROBLEMS = (Misconfigured, ValueError, OSError)

OUTCOME_BACKEND_ERROR = "backend_error"
OUTCOME_CANNOT_START = "assistant_cannot_start"


@dataclass
class Admission:
    """A call the gateway let in: its usage record is open and its clock is running."""

    request_id: str
    caller: Caller
    assistant: Assistant
    config: AssistantConfig
    stream: bool
    started: float = field(default_factory=time.perf_counter)


def load_assistant_kinds() -> None:
    for module in ASSISTANT_KIND_MODULES:
        import_if_present(module)


def check_assistant_options(settings: Settings, components: Components) -> None:
    for name, config in settings.assistants.items():
        check_options(name, config, components)


class Platform:
    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings.resolved_database_url)
        self.store.create_schema()
        self.backends = BackendRegistry(settings)
        self._assistants: dict[str, Assistant] = {}
        self._building: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        load_assistant_kinds()
        self.packs = installed_packs(settings.packs)
        self.components = components_of(self.packs)
        check_assistant_options(settings, self.components)

    # --- gateway -------------------------------------------------------------------------------------------
    def authenticate(self, secret: str | None) -> Caller:
        if not secret:
            raise Unauthorized("no API key: send it as 'Authorization: Bearer <key>'")
        with self.store.transaction() as session:
            caller = authenticate(session, secret)
        if caller is None:
            raise Unauthorized("the API key is not valid or has been revoked")
        return caller

    def clarifies_empty_messages(self, name: str) -> bool:
        config = self.settings.assistants.get(name)
        return config is not None and config.kind in CLARIFYING_KINDS

    def assistant(self, name: str) -> Assistant:
        config = self.settings.assistants.get(name)
        if config is None:
            raise UnknownAssistant(f"the model {name!r} does not exist; GET /v1/models lists the assistants")
        built = self._assistants.get(name)
        if built is not None:
            return built
        with self._lock:  # one lock per assistant: building one (training a model, say) does not stall the others
            building = self._building.setdefault(name, threading.Lock())
        with building:
            if name not in self._assistants:
                self._assistants[name] = self._build(name, config)
            return self._assistants[name]

    def _build(self, name: str, config: AssistantConfig) -> Assistant:
        """The assistant, or AssistantCannotStart naming it and the cause; a backend that is down stays
        BackendUnavailable."""
        factory = ASSISTANT_KINDS.get(config.kind)
        if factory is None:
            known = ", ".join(sorted(ASSISTANT_KINDS))
            raise AssistantCannotStart.because(name, f"its kind {config.kind!r} is not one of {known}")
        context = AssistantContext(settings=self.settings, backends=self.backends, store=self.store,
                                   components=self.components)
        try:
            return factory(name, config, context)
        except BackendUnavailable:
            raise
        except SETUP_PROBLEMS as exc:
            raise AssistantCannotStart.because(name, exc) from exc

    def admit(self, caller: Caller, assistant_name: str, stream: bool) -> Admission:
        """Check the quotas and open the usage record, or raise TooManyRequests (recorded as rejected); build the
        assistant, or raise BackendUnavailable or AssistantCannotStart (recorded as failed)."""
        config = self.settings.assistants.get(assistant_name)
        if config is None:
            raise UnknownAssistant(f"the model {assistant_name!r} does not exist; GET /v1/models lists them")
        request_id = "chatcmpl-" + uuid.uuid4().hex
        with self.store.transaction() as session:
            rejection: TooManyRequests | None = None
            try:
                check_quotas(session, caller)
            except TooManyRequests as exc:
                rejection = exc
            usage.open_record(
                session,
                request_id,
                caller.tenant_id,
                caller.key_id,
                assistant_name,
                config.base_model,
                stream,
                provider_share=config.base_model_share,
                outcome=usage.OUTCOME_STARTED if rejection is None else usage.OUTCOME_REJECTED,
            )
            if rejection is not None:
                audit.append(
                    session,
                    "request.rejected",
                    {"assistant": assistant_name, "reason": str(rejection)},
                    tenant_id=caller.tenant_id,
                    request_id=request_id,
                )
        if rejection is not None:
            raise rejection
        try:
            assistant = self.assistant(assistant_name)
        except (BackendUnavailable, AssistantCannotStart) as exc:
            outcome = OUTCOME_BACKEND_ERROR if isinstance(exc, BackendUnavailable) else OUTCOME_CANNOT_START
            self._record_failure(request_id, caller, assistant_name, config, None, outcome, str(exc), 0.0)
            raise
        return Admission(request_id, caller, assistant, config, stream)

    # --- assistant ------------------------------------------------------------------------------------------
    def complete(self, admission: Admission, turn: Turn) -> Answer:
        try:
            answer = admission.assistant.respond(turn)
        except (BackendUnavailable, PromptTooLong) as exc:
            self.fail(admission, turn, exc)
            raise
        self.finish(admission, turn, answer)
        return answer

    def stream(self, admission: Admission, turn: Turn) -> Iterator[AnswerDelta]:
        """The answer as it is written; the ledger is written when it ends, however it ends."""
        delivered: list[str] = []
        recorded = False
        try:
            for delta in admission.assistant.stream(turn):
                delivered.append(delta.text)
                if delta.final is not None:
                    # recorded before the last piece leaves: the client may hang up right after it
                    self.finish(admission, turn, delta.final)
                    recorded = True
                    yield delta
                    return
                yield delta
            raise BackendUnavailable("the assistant stopped without finishing its answer")
        except (BackendUnavailable, PromptTooLong) as exc:
            self.fail(admission, turn, exc, partial_text="".join(delivered))
            raise
        except GeneratorExit:
            if not recorded:
                self.fail(admission, turn, ConnectionAbortedError("the client went away"), "".join(delivered))
            raise

    # --- governance: the approval queue --------------------------------------------------------------------
    def list_approvals(self, tenant_id: str | None = None, status: str | None = "pending") -> list[approvals.Approval]:
        with self.store.transaction() as session:
            return approvals.pending_or_all(session, tenant_id, status)

    def decide(
        self, approval_id: str, approve: bool, operator: str, note: str = "", tenant_id: str | None = None
    ) -> approvals.Approval:
        """Approve (and run the action through the assistant that filed it) or reject a pending request."""
        if not operator.strip():
            raise ApprovalError("name the operator who decides")
        with self.store.transaction() as session:
            row = approvals.get(session, approval_id, for_update=True)
            if tenant_id is not None and row.tenant_id != tenant_id:
                raise ApprovalNotFound(f"no approval request {approval_id!r}")
            if row.status != "pending":
                raise ApprovalAlreadyDecided(f"approval {row.id} was already decided: {row.status}")
            result: dict[str, Any] = {}
            status: approvals.ApprovalStatus = "rejected"
            if approve:
                assistant = self.assistant(row.assistant)
                if not isinstance(assistant, ActingAssistant):
                    raise ApprovalCannotRun(f"assistant {row.assistant!r} cannot run actions")
                result = assistant.execute(row.action, approvals.Approval.of(row).payload)
                status = "failed" if "error" in result else "executed"
            approvals.decide(row, status, operator, note, result)
            audit.append(
                session,
                "approval.decided",
                {"approval": row.id, "status": status, "operator": operator, "note": note, "result": result},
                tenant_id=row.tenant_id,
            )
            return approvals.Approval.of(row)

    # --- ledger ---------------------------------------------------------------------------------------------
    def finish(self, admission: Admission, turn: Turn, answer: Answer) -> None:
        base_model = self.settings.base_models[admission.config.base_model]
        cost = call_cost(admission.config, base_model, answer.usage)
        with self.store.transaction() as session:
            usage.close_record(
                session,
                admission.request_id,
                usage.CallOutcome(usage.OUTCOME_OK, answer.usage, cost, self._elapsed_ms(admission)),
            )
            audit.append(
                session,
                "request.answered",
                {
                    **self._request_payload(admission, turn),
                    "answer": answer.text,
                    "abstained": answer.abstained,
                    "evidence": [e.model_dump() for e in answer.evidence],
                    "tool_calls": [t.model_dump() for t in answer.tool_calls],
                    "citations": [c.model_dump() for c in answer.citations],
                    "verification": answer.verification.model_dump(),
                    "state": answer.state,
                    "usage": answer.usage.model_dump(),
                    "cost_usd": str(cost),
                },
                tenant_id=admission.caller.tenant_id,
                request_id=admission.request_id,
            )

    def fail(self, admission: Admission, turn: Turn, error: Exception, partial_text: str = "") -> None:
        outcome = "prompt_too_long" if isinstance(error, PromptTooLong) else OUTCOME_BACKEND_ERROR
        if isinstance(error, ConnectionAbortedError):
            outcome = "client_disconnected"
        self._record_failure(
            admission.request_id,
            admission.caller,
            admission.assistant.name,
            admission.config,
            turn,
            outcome,
            str(error),
            self._elapsed_ms(admission),
            partial_text,
        )

    def _record_failure(
        self,
        request_id: str,
        caller: Caller,
        assistant_name: str,
        config: AssistantConfig,
        turn: Turn | None,
        outcome: str,
        error: str,
        elapsed_ms: float,
        partial_text: str = "",
    ) -> None:
        with self.store.transaction() as session:
            usage.close_record(
                session, request_id, usage.CallOutcome(outcome, TokenUsage(), Decimal(0), int(elapsed_ms))
            )
            payload: dict[str, Any] = {
                "assistant": assistant_name,
                "base_model": config.base_model,
                "outcome": outcome,
                "error": error,
                "partial_answer": partial_text,
            }
            if turn is not None:
                payload["messages"] = [m.model_dump(exclude_defaults=True) for m in turn.messages]
            audit.append(session, "request.failed", payload, tenant_id=caller.tenant_id, request_id=request_id)

    def _request_payload(self, admission: Admission, turn: Turn) -> dict[str, Any]:
        return {
            "assistant": admission.assistant.name,
            "base_model": admission.config.base_model,
            "key_id": admission.caller.key_id,
            "conversation_id": turn.conversation_id,
            "messages": [m.model_dump(exclude_defaults=True) for m in turn.messages],
            "stream": admission.stream,
            "outcome": usage.OUTCOME_OK,
        }

    @staticmethod
    def _elapsed_ms(admission: Admission) -> int:
        return int((time.perf_counter() - admission.started) * 1000)
