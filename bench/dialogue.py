"""Benchmark the hotel understanders on real dialogues: turns per second and p50 / p95 latency per turn.

    python bench/dialogue.py                                   # rules, and trained when --model is given
    python bench/dialogue.py --model /work/runs/hotel-nlu-en --llm-turns 30

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

from luodi.dialogue.state import DialogueState
from luodi.dialogue.tracker import apply_commands
from luodi.evaluation.dst import Dialogue, hotel_run, load_dialogues, remember_reply
from luodi.scenarios.hotel.understanding import SHARED_DATA, build_understander


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


def batched_rate(understander: Any, spec: Any, dialogues: list[Dialogue], shown_in: Any) -> float:
    """Turns per second when the model tags all messages in batches first (only models that can)."""
    turns = [t.user for d in dialogues for t in d.turns]
    started = time.perf_counter()
    understander.prepare(turns)
    replay_latencies(understander, spec, dialogues, shown_in, len(turns))
    return len(turns) / (time.perf_counter() - started)


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
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "multiwoz" / "val.json.zip")
    parser.add_argument("--model", type=Path, default=None, help="trained model directory")
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--llm-turns", type=int, default=20, help="0 skips the base model")
    args = parser.parse_args()
    run = hotel_run("multiwoz")
    dialogues = load_dialogues(args.data, "multiwoz", names=run.names)
    rates: dict[str, float] = {}
    rates["rules"] = report("rules", replay_latencies(build_understander(run.spec, "rules"), run.spec, dialogues,
                                                      run.shown_in, args.turns))
    if args.model is not None:
        import torch

        torch.set_num_threads(2)
        trained = build_understander(run.spec, "trained", model_dir=args.model)
        rates["trained"] = report("trained", replay_latencies(trained, run.spec, dialogues, run.shown_in, 300))
        rates["trained_batched"] = batched_rate(trained, run.spec, dialogues, run.shown_in)
        print(f"trained turns_per_second_batched {rates['trained_batched']:.0f} ({sum(len(d.turns) for d in dialogues)}"
              " turns, model tags in batches of 64 ahead of the replay)")
    if args.llm_turns:
        llm = build_understander(run.spec, "llm")
        rates["llm"] = report("llm", replay_latencies(llm, run.spec, dialogues, run.shown_in, args.llm_turns))
    best = max((r, n) for n, r in rates.items() if n != "llm")
    slowest = rates.get("llm")
    headline = f"headline: fastest {best[1]} {best[0]:.0f} turns/s"
    if slowest:
        headline += f", {best[0] / slowest:.0f}x the base model ({slowest:.2f} turns/s)"
    if "trained_batched" in rates:
        headline += f"; trained batched / rules {rates['trained_batched'] / rates['rules']:.2f}"
    print(headline)


if __name__ == "__main__":
    main()
