"""One request's journey, independent of HTTP: gateway (who, may they) -> assistant -> ledger (what happened).

The API is a thin skin over `Platform`; the CLI and the benchmarks use the same object, so what is measured
is what is served.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
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
from luodi.catalog import AssistantKey, Catalog, Resolved
from luodi.config import AssistantConfig, Settings
from luodi.contracts import Answer, TokenUsage
from luodi.errors import (
    ApprovalAlreadyDecided,
    ApprovalCannotRun,
    ApprovalError,
    ApprovalNotFound,
    AssistantCannotStart,
    AssistantNotAllowed,
    BackendUnavailable,
    InvalidRequest,
    LuodiError,
    Misconfigured,
    ModelNotFound,
    NeedsSkippedPack,
    PromptTooLong,
    TooManyRequests,
    Unauthorized,
    UnsupportedParameter,
)
from luodi.gateway.quotas import Allowance, check_quotas
from luodi.gateway.tenants import Caller, authenticate
from luodi.governance import approvals
from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.embedders import Embedder, build_embedder
from luodi.knowledge.jobs import IngestionWorker
from luodi.knowledge.store import KnowledgeStore
from luodi.ledger import audit, usage, webhooks
from luodi.models.prices import call_cost
from luodi.models.registry import BackendRegistry
from luodi.modules import import_if_present
from luodi.pack import find_packs
from luodi.store import Store
from luodi.workers import Worker

log = logging.getLogger("luodi.platform")

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

MAX_BUILT_TENANT_ASSISTANTS = 64  # tenants' assistants kept built in one process
MAX_OPEN_VECTOR_STORES = 64  # vector stores whose search index one process keeps loaded
OUTCOME_BACKEND_ERROR = "backend_error"
OUTCOME_CANNOT_START = "assistant_cannot_start"
OUTCOME_REFUSED = "refused_by_model"
OUTCOME_INVALID_REQUEST = "invalid_request"
OUTCOME_INTERNAL_ERROR = "internal_error"


@dataclass
class Admission:
    """A call the gateway let in: its usage record is open and its clock is running."""

    request_id: str
    caller: Caller
    assistant: Assistant
    config: AssistantConfig
    stream: bool
    started: float = field(default_factory=time.perf_counter)
    allowance: Allowance = field(default_factory=Allowance)  # what the key's quotas leave: rate-limit headers
    user: str | None = None  # the caller's end user (OpenAI's `user`)
    cost_usd: Decimal | None = None  # what the ledger billed, once the call is recorded


@dataclass(frozen=True)
class RecordedCall:
    """What the ledger has just recorded of one call, for whoever watches (the /metrics counters)."""

    tenant: str
    assistant: str
    base_model: str
    outcome: str
    usage: TokenUsage
    cost_usd: Decimal


CallListener = Callable[[RecordedCall], None]


@dataclass(frozen=True)
class EmbeddingCall:
    """One metered `embeddings` call: a unit-length vector per input, in input order."""

    request_id: str
    vectors: list[list[float]]
    usage: TokenUsage
    cost_usd: Decimal
    allowance: Allowance  # what the key's quotas leave, for the rate-limit headers


def load_assistant_kinds() -> None:
    for module in ASSISTANT_KIND_MODULES:
        import_if_present(module)


def served_assistants(settings: Settings, components: Components) -> dict[str, AssistantConfig]:
    """The configured assistants whose options check out. One that needs a pack whose libraries are missing is
    left out with a warning (a core-only install still serves the rest); any other problem stops the start."""
    served: dict[str, AssistantConfig] = {}
    for name, config in settings.assistants.items():
        try:
            check_options(name, config, components)
        except NeedsSkippedPack as exc:
            log.warning("assistant %s is not served: %s", name, exc)
            continue
        served[name] = config
    return served


class Platform:
    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings.resolved_database_url)
        self.store.create_schema()
        self.backends = BackendRegistry(settings)
        self._assistants: OrderedDict[AssistantKey, Assistant] = OrderedDict()  # least recently used first
        self._building: dict[AssistantKey, threading.Lock] = {}
        self._vector_stores: OrderedDict[str, KnowledgeBase] = OrderedDict()  # least recently searched first
        self._lock = threading.Lock()
        self.listeners: list[CallListener] = []  # told of every call the ledger closes
        self._embedders: dict[str, Embedder] = {}
        self.workers: list[Worker] = []  # started by a serving process (`start_workers`), never by the CLI
        self.workers.append(webhooks.WebhookDispatcher(
            self.store, private_networks=settings.webhook_private_networks))
        load_assistant_kinds()
        found = find_packs(settings.packs)
        self.packs = found.served
        self.components = found.components()
        self.settings = self.settings.model_copy(update={"assistants": served_assistants(settings, self.components)})
        self.catalog = Catalog(self.settings, self.components)
        self.ingestion = IngestionWorker(self.store, {e.name: e for e in self.components.extractors},
                                         stale_after=self.settings.ingestion_claim_timeout_seconds)
        self.workers.append(self.ingestion)

    # --- knowledge --------------------------------------------------------------------------------------------
    def vector_store_knowledge(self, vector_store_id: str) -> KnowledgeBase:
        """A vector store's knowledge base as this process searches it: kept (its index reloads when the store's
        revision moves), the least recently searched dropped beyond `MAX_OPEN_VECTOR_STORES`."""
        with self._lock:
            found = self._vector_stores.pop(vector_store_id, None)
            if found is None:
                found = KnowledgeBase(KnowledgeStore(self.store.engine, [vector_store_id]))
            self._vector_stores[vector_store_id] = found
            while len(self._vector_stores) > MAX_OPEN_VECTOR_STORES:
                self._vector_stores.popitem(last=False)
            return found

    # --- background work -----------------------------------------------------------------------------------
    def start_workers(self) -> None:
        for worker in self.workers:
            worker.start()

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()

    # --- gateway -------------------------------------------------------------------------------------------
    def authenticate(self, secret: str | None) -> Caller:
        if not secret:
            raise Unauthorized("no API key: send it as 'Authorization: Bearer <key>'")
        with self.store.transaction() as session:
            caller = authenticate(session, secret)
        if caller is None:
            raise Unauthorized("the API key is not valid or has been revoked")
        return caller

    def resolve(self, tenant_id: str | None, name: str) -> Resolved:
        """The assistant a tenant means by `name`: the catalogue's, or its own (read afresh: every replica serves
        the latest definition); UnknownAssistant when it has none by that name."""
        if name in self.settings.assistants or tenant_id is None:
            return self.catalog.resolve(None, tenant_id, name)  # the catalogue's: no database read
        with self.store.transaction() as session:
            return self.catalog.resolve(session, tenant_id, name)

    def clarifies_empty_messages(self, name: str, tenant_id: str | None = None) -> bool:
        try:
            return self.resolve(tenant_id, name).config.kind in CLARIFYING_KINDS
        except UnknownAssistant:
            return False

    def assistant(self, name: str, tenant_id: str | None = None) -> Assistant:
        """The built assistant the tenant (or, without one, the catalogue) means by `name`."""
        return self.built(self.resolve(tenant_id, name))

    def built(self, resolved: Resolved) -> Assistant:
        """The assistant built from this definition: kept, and built once, per identity and revision."""
        key = resolved.key
        with self._lock:
            found = self._assistants.get(key)
            if found is not None:
                self._assistants.move_to_end(key)
                return found
            building = self._building.setdefault(key, threading.Lock())  # one lock per assistant: building one
        with building:                                                   # does not stall the others
            with self._lock:
                found = self._assistants.get(key)
            if found is not None:
                return found
            try:
                made = self._build(resolved)
            except BaseException:
                with self._lock:
                    self._building.pop(key, None)  # a later call tries afresh, with a fresh lock
                raise
            with self._lock:
                self._forget(key[0], keep=key)
                self._assistants[key] = made
                self._evict_least_used()
            return made

    def forget_assistant(self, identity: str) -> None:
        """Drop this process's built copies of an assistant (deleted, or redefined), by its identity."""
        with self._lock:
            self._forget(identity)

    def _forget(self, identity: str, keep: AssistantKey | None = None) -> None:
        for key in [k for k in self._assistants if k[0] == identity and k != keep]:
            self._assistants.pop(key, None)
            self._building.pop(key, None)

    def _evict_least_used(self) -> None:
        """Tenants' assistants beyond `MAX_BUILT_TENANT_ASSISTANTS` go, least recently used first (another
        replica's deletions and edits are never announced here; the catalogue's stay)."""
        defined = [k for k in self._assistants if not k[0].startswith("catalogue:")]
        for key in defined[:max(0, len(defined) - MAX_BUILT_TENANT_ASSISTANTS)]:
            self._assistants.pop(key, None)
            self._building.pop(key, None)

    def _build(self, resolved: Resolved) -> Assistant:
        """The assistant, or AssistantCannotStart naming it and the cause; a backend that is down stays
        BackendUnavailable."""
        name, config = resolved.name, resolved.config
        factory = ASSISTANT_KINDS.get(config.kind)
        if factory is None:
            known = ", ".join(sorted(ASSISTANT_KINDS))
            raise AssistantCannotStart.because(name, f"its kind {config.kind!r} is not one of {known}")
        context = AssistantContext(settings=self.settings, backends=self.backends, store=self.store,
                                   components=self.components, tenant_id=resolved.tenant_id)
        try:
            return factory(name, config, context)
        except BackendUnavailable:
            raise
        except SETUP_PROBLEMS as exc:
            raise AssistantCannotStart.because(name, exc) from exc

    @staticmethod
    def not_allowed(caller: Caller, name: str) -> AssistantNotAllowed | None:
        """The refusal of a call to an assistant (or embedding model) the caller's key is not limited to."""
        if caller.may_call(name):
            return None
        allowed = ", ".join(sorted(caller.allowed_assistants or ())) or "none"
        return AssistantNotAllowed(f"this API key may not call {name!r}; it may call: {allowed}", param="model")

    def admit(
        self, caller: Caller, assistant_name: str, stream: bool, user: str | None = None, id_prefix: str = "chatcmpl-"
    ) -> Admission:
        """Check the key may call the assistant (or raise AssistantNotAllowed) and the quotas (or raise
        TooManyRequests), both recorded as rejected, and open the usage record; build the
        assistant, or raise BackendUnavailable or AssistantCannotStart (recorded as failed). `user` is the caller's
        end user, recorded with the call; the call's id starts with `id_prefix` (OpenAI's: chatcmpl-, cmpl-)."""
        resolved = self.resolve(caller.tenant_id, assistant_name)
        config = resolved.config
        request_id = id_prefix + uuid.uuid4().hex
        with self.store.transaction() as session:
            rejection: LuodiError | None = self.not_allowed(caller, assistant_name)
            allowance = Allowance()
            if rejection is None:
                try:
                    allowance = check_quotas(session, caller)
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
                end_user=user,
            )
            if rejection is not None:
                audit.append(
                    session,
                    "request.rejected",
                    {"assistant": assistant_name, "reason": str(rejection), "user": user},
                    tenant_id=caller.tenant_id,
                    request_id=request_id,
                )
        if rejection is not None:
            rejection.request_id = request_id
            raise rejection
        try:
            assistant = self.built(resolved)
        except Exception as exc:  # the call's record is closed however building failed
            outcome = (OUTCOME_BACKEND_ERROR if isinstance(exc, BackendUnavailable) else
                       OUTCOME_CANNOT_START if isinstance(exc, AssistantCannotStart) else OUTCOME_INTERNAL_ERROR)
            self._record_failure(request_id, caller, assistant_name, config, None, outcome, str(exc), 0.0)
            if isinstance(exc, LuodiError):
                exc.request_id = request_id
            raise
        return Admission(request_id, caller, assistant, config, stream, allowance=allowance, user=user)

    # --- assistant ------------------------------------------------------------------------------------------
    def complete(self, admission: Admission, turn: Turn) -> Answer:
        try:
            answer = admission.assistant.respond(turn)
        except Exception as exc:  # whatever went wrong, the call's record is closed with it
            self.fail(admission, turn, exc)
            raise
        self.finish(admission, turn, answer)
        return answer

    def complete_choices(self, admission: Admission, turn: Turn) -> list[Answer]:
        """`turn.sampling.n` answers, one call of the assistant each with the seed varied, recorded as one call
        whose usage and cost are the sum of them all. An assistant that writes one answer per request (grounded,
        scenario) refuses n > 1 (UnsupportedParameter, recorded as an invalid request)."""
        count = turn.sampling.n
        if count <= 1:
            return [self.complete(admission, turn)]
        answers: list[Answer] = []
        try:
            if not getattr(admission.assistant, "writes_choices", False):
                raise UnsupportedParameter(
                    f"n is not supported by assistant {admission.assistant.name!r} (kind {admission.config.kind}): "
                    f"it writes one answer per request; send n=1", param="n")
            for choice in self.choice_turns(turn):
                answers.append(admission.assistant.respond(choice))
        except Exception as exc:  # whatever went wrong, the call's record is closed with it
            self.fail(admission, turn, exc)
            raise
        self.finish(admission, turn, answers[0], more=answers[1:])
        return answers

    @staticmethod
    def choice_turns(turn: Turn) -> list[Turn]:
        """One turn per choice asked for (`sampling.n`), each asking for one answer with the seed moved on by its
        index from the caller's seed (from a random one when the caller gave none, so that sampled choices differ)."""
        base = turn.sampling.seed if turn.sampling.seed is not None else secrets.randbelow(2**31)
        return [replace(turn, sampling=turn.sampling.model_copy(update={"n": 1, "seed": base + index}))
                for index in range(turn.sampling.n)]

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
        except Exception as exc:  # whatever went wrong, the call's record is closed with it
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
        acting = self._acting_assistant(approval_id, tenant_id) if approve else None
        with self.store.transaction() as session:
            row = approvals.get(session, approval_id, for_update=True)
            if tenant_id is not None and row.tenant_id != tenant_id:
                raise ApprovalNotFound(f"no approval request {approval_id!r}")
            if row.status != "pending":
                raise ApprovalAlreadyDecided(f"approval {row.id} was already decided: {row.status}")
            result: dict[str, Any] = {}
            status: approvals.ApprovalStatus = "rejected"
            if acting is not None:
                assistant = acting
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
            webhooks.notify(session, row.tenant_id, webhooks.APPROVAL_DECIDED,
                            {"approval": row.id, "assistant": row.assistant, "action": row.action, "status": status,
                             "operator": operator, "note": note, "result": result})
            return approvals.Approval.of(row)

    def _acting_assistant(self, approval_id: str, tenant_id: str | None) -> Assistant:
        """The assistant that filed the approval, built before the deciding transaction opens: building one may
        make tables, which on SQLite would wait behind that transaction's own write lock."""
        with self.store.transaction() as session:
            row = approvals.get(session, approval_id)
            if tenant_id is not None and row.tenant_id != tenant_id:
                raise ApprovalNotFound(f"no approval request {approval_id!r}")
            if row.status != "pending":
                raise ApprovalAlreadyDecided(f"approval {row.id} was already decided: {row.status}")
            try:
                resolved = self.catalog.resolve(session, row.tenant_id, row.assistant)
            except ModelNotFound as exc:
                raise ApprovalCannotRun(f"assistant {row.assistant!r}, which filed it, is gone") from exc
        return self.built(resolved)

    # --- ledger ---------------------------------------------------------------------------------------------
    def finish(self, admission: Admission, turn: Turn, answer: Answer, more: Sequence[Answer] = ()) -> Decimal:
        """Record the answered call (with `more` choices of the same request: their usage added, each billed as a
        call) and return what the ledger billed, also kept as `admission.cost_usd`."""
        base_model = self.settings.base_models[admission.config.base_model]
        answers = [answer, *more]
        tokens = sum((a.usage for a in answers), TokenUsage())
        cost = sum((call_cost(admission.config, base_model, a.usage) for a in answers), Decimal(0))
        admission.cost_usd = usage.from_nano(usage.to_nano(cost))  # to the nano-dollar, as the ledger keeps it
        with self.store.transaction() as session:
            usage.close_record(
                session,
                admission.request_id,
                usage.CallOutcome(usage.OUTCOME_OK, tokens, cost, self._elapsed_ms(admission)),
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
                    "function_calls": [c.model_dump() for c in answer.function_calls],
                    **({"more_choices": [a.text for a in more]} if more else {}),
                    "usage": tokens.model_dump(),
                    "cost_usd": str(cost),
                },
                tenant_id=admission.caller.tenant_id,
                request_id=admission.request_id,
            )
        self._announce(RecordedCall(admission.caller.tenant_name, admission.assistant.name, admission.config.base_model,
                                    usage.OUTCOME_OK, tokens, cost))
        return cost

    def fail(self, admission: Admission, turn: Turn, error: Exception, partial_text: str = "") -> None:
        outcome = "prompt_too_long" if isinstance(error, PromptTooLong) else OUTCOME_BACKEND_ERROR
        if isinstance(error, InvalidRequest) and not isinstance(error, PromptTooLong):
            outcome = OUTCOME_INVALID_REQUEST  # a parameter the assistant cannot honour, say
        if isinstance(error, ConnectionAbortedError):
            outcome = "client_disconnected"
        elif not isinstance(error, LuodiError):
            outcome = OUTCOME_INTERNAL_ERROR  # a bug: recorded, and the caller gets a 500
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
        self._announce(RecordedCall(caller.tenant_name, assistant_name, config.base_model, outcome, TokenUsage(),
                                    Decimal(0)))

    def _request_payload(self, admission: Admission, turn: Turn) -> dict[str, Any]:
        return {
            "assistant": admission.assistant.name,
            "base_model": admission.config.base_model,
            "key_id": admission.caller.key_id,
            "conversation_id": turn.conversation_id,
            "messages": [m.model_dump(exclude_defaults=True) for m in turn.messages],
            "stream": admission.stream,
            "user": turn.user,
            "outcome": usage.OUTCOME_OK,
        }

    @staticmethod
    def _elapsed_ms(admission: Admission) -> int:
        return int((time.perf_counter() - admission.started) * 1000)

    def _announce(self, call: RecordedCall) -> None:
        """Tell the listeners what the ledger recorded; a listener that fails costs the call nothing."""
        for listener in self.listeners:
            try:
                listener(call)
            except Exception:  # a metrics hook must never fail a call that is already recorded
                log.exception("a call listener failed")

    # --- embeddings -----------------------------------------------------------------------------------------
    def embeddings(
        self, caller: Caller, model: str, texts: list[str], dimensions: int | None = None, user: str | None = None
    ) -> EmbeddingCall:
        """Vectors of the texts from the named embedding model, through the gateway and into the ledger like a chat
        call: quotas apply (TooManyRequests, recorded as rejected), a model that fails is recorded as failed."""
        config = self.settings.embedding_models.get(model)
        if config is None:
            known = ", ".join(sorted(self.settings.embedding_models)) or "none"
            raise ModelNotFound(f"the embedding model {model!r} does not exist; embedding models: {known}")
        ledger_config = AssistantConfig(base_model=config.base_model or model, base_model_share=1.0)
        request_id = "embd-" + uuid.uuid4().hex
        allowance = self._open_call(request_id, caller, model, ledger_config, user)
        started = time.perf_counter()
        try:
            embedded = self._embedder(model).embed(texts, dimensions)
        except LuodiError as exc:  # a model that is down, or a remote one that refused the request
            elapsed = (time.perf_counter() - started) * 1000
            outcome = OUTCOME_BACKEND_ERROR if isinstance(exc, BackendUnavailable) else OUTCOME_REFUSED
            self._record_failure(request_id, caller, model, ledger_config, None, outcome, str(exc), elapsed)
            raise
        tokens = TokenUsage(prompt_tokens=embedded.prompt_tokens)
        cost = Decimal(tokens.prompt_tokens) * Decimal(str(config.input_cost_per_million)) / Decimal(1_000_000)
        elapsed_ms = int((time.perf_counter() - started) * 1000)
        with self.store.transaction() as session:
            usage.close_record(session, request_id, usage.CallOutcome(usage.OUTCOME_OK, tokens, cost, elapsed_ms))
            audit.append(
                session,
                "request.embedded",
                {"model": model, "base_model": ledger_config.base_model, "key_id": caller.key_id,
                 "user": user, "inputs": len(texts), "characters": sum(len(t) for t in texts),
                 "usage": tokens.model_dump(),
                 "cost_usd": str(cost), "outcome": usage.OUTCOME_OK},
                tenant_id=caller.tenant_id,
                request_id=request_id,
            )
        self._announce(
            RecordedCall(caller.tenant_name, model, ledger_config.base_model, usage.OUTCOME_OK, tokens, cost)
        )
        return EmbeddingCall(request_id, embedded.vectors, tokens, cost, allowance)

    def embedding_dimensions(self, model: str) -> int | None:
        """The length of the named model's vectors, or None where the remote model decides."""
        return self._embedder(model).dimensions if model in self.settings.embedding_models else None

    def _embedder(self, model: str) -> Embedder:
        with self._lock:
            if model not in self._embedders:
                config = self.settings.embedding_models[model]
                self._embedders[model] = build_embedder(model, config, self.settings.base_models)
            return self._embedders[model]

    def _open_call(
        self, request_id: str, caller: Caller, name: str, config: AssistantConfig, user: str | None
    ) -> Allowance:
        """Check the quotas and open the usage record of a call that needs no assistant; raise TooManyRequests
        when a quota is used up, AssistantNotAllowed when the key is limited to other names (recorded as rejected,
        so raised once the transaction is committed)."""
        rejection: LuodiError | None = self.not_allowed(caller, name)
        allowance = Allowance()
        with self.store.transaction() as session:
            if rejection is None:
                try:
                    allowance = check_quotas(session, caller)
                except TooManyRequests as exc:
                    rejection = exc
            outcome = usage.OUTCOME_STARTED if rejection is None else usage.OUTCOME_REJECTED
            usage.open_record(session, request_id, caller.tenant_id, caller.key_id, name, config.base_model, False,
                              provider_share=config.base_model_share, outcome=outcome, end_user=user)
            if rejection is not None:
                audit.append(session, "request.rejected", {"assistant": name, "reason": str(rejection), "user": user},
                             tenant_id=caller.tenant_id, request_id=request_id)
        if rejection is not None:
            raise rejection
        return allowance
