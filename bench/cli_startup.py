"""How long `luodi --help` takes to start, against a bare `python -c pass` measured in the same run.

    python bench/cli_startup.py [--runs 5]

Prints the best of N wall-clock times of each and their ratio; the CLI's target is under 0.5 s."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

TARGET_SECONDS = 0.5


def best_time(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    bare = best_time([sys.executable, "-c", "pass"], runs)
    cli = best_time([sys.executable, "-m", "luodi", "--help"], runs)
    print(f"python -c pass     best of {runs}: {bare:.3f} s")
    print(f"luodi --help       best of {runs}: {cli:.3f} s  ({cli / bare:.1f}x python -c pass)")
    print(f"target {TARGET_SECONDS} s: {'met' if cli < TARGET_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
