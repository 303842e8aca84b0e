"""Benchmark the hotel understanders on real dialogues: turns per second and p50 / p95 latency per turn.

    python bench/dialogue.py                          # rules, trained (cached model) and 20 base-model turns
    python bench/dialogue.py --model hotel-decisions.json --llm-turns 30

Each understander replays the user turns of MultiWOZ hotel dialogues (understander -> commands ->
apply_commands, as in `luodi eval dst`); the base-model understander runs on a small sample because it is slow.
Prints one line per figure and a final headline line with the speed ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from luodi.config import shared_data_dir
from luodi.dialogue.state import DialogueState
from luodi.dialogue.tracker import apply_commands
from luodi.packs.travel.dialogues import Dialogue, hotel_run, load_dialogues, remember_reply
from luodi.packs.travel.understanding import build_understander


def replay_latencies(understander: Any, spec: Any, dialogues: list[Dialogue], shown_in: Any, limit: int) -> list[float]:
    """Seconds per turn, one user turn at a time (the latency a user sees)."""
    latencies: list[float] = []
    for dialogue in dialogues:
        state = DialogueState(scenario=spec.name)
        for turn in dialogue.turns:
            started = time.perf_counter()
            state = apply_commands(state, understander.understand(turn.user, state), spec)
            latencies.append(time.perf_counter() - started)
            remember_reply(state, turn.reply, shown_in(turn.reply))
            if len(latencies) >= limit:
                return latencies
    return latencies


def report(name: str, latencies: list[float]) -> float:
    rate = len(latencies) / sum(latencies)
    ordered = sorted(latencies)
    print(f"{name} turns_per_second {rate:.0f} (one turn at a time, {len(latencies)} turns)" if rate >= 10
          else f"{name} turns_per_second {rate:.2f} (one turn at a time, {len(latencies)} turns)")
    print(f"{name} latency_p50_ms {1000 * statistics.median(ordered):.2f}")
    print(f"{name} latency_p95_ms {1000 * ordered[int(0.95 * (len(ordered) - 1))]:.2f}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=shared_data_dir() / "multiwoz" / "val.json.zip")
    parser.add_argument("--model", type=Path, default=None,
                        help="trained model file (default: the one trained on first use from the shared data)")
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--llm-turns", type=int, default=20, help="0 skips the base model")
    args = parser.parse_args()
    run = hotel_run("multiwoz")
    dialogues = load_dialogues(args.data, "multiwoz", names=run.names)
    rates: dict[str, float] = {}
    for kind in ("rules", "trained"):
        understander = build_understander(run.spec, kind, model=args.model if kind == "trained" else None)
        replay_latencies(understander, run.spec, dialogues, run.shown_in, 200)  # warm the lexicon caches
        rates[kind] = report(kind, replay_latencies(understander, run.spec, dialogues, run.shown_in, args.turns))
    if args.llm_turns:
        llm = build_understander(run.spec, "llm")
        rates["llm"] = report("llm", replay_latencies(llm, run.spec, dialogues, run.shown_in, args.llm_turns))
    best = max((r, n) for n, r in rates.items() if n != "llm")
    slowest = rates.get("llm")
    headline = f"headline: fastest {best[1]} {best[0]:.0f} turns/s"
    if slowest:
        headline += f", {best[0] / slowest:.0f}x the base model ({slowest:.2f} turns/s)"
    headline += f"; trained / rules {rates['trained'] / rates['rules']:.2f}"
    print(headline)


if __name__ == "__main__":
    main()
