"""`luodi eval dst`: dialogue state tracking on real dialogues (MultiWOZ, CrossWOZ) through the scenario's
understander and the deterministic tracker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer

from luodi.cli.groups import eval_app


@eval_app.command("dst")
def eval_dst(
    data: Annotated[Path, typer.Option(help="Dialogues: MultiWOZ data.json / CrossWOZ val.json, or a .zip of one.")],
    data_format: Annotated[Literal["multiwoz", "crosswoz"], typer.Option("--format")] = "multiwoz",
    domain: Annotated[str, typer.Option(help="The domain whose state is scored.")] = "hotel",
    understander: Annotated[Literal["rules", "trained", "llm"], typer.Option(help="Which understander.")] = "trained",
    model: Annotated[Path | None, typer.Option(
        help="Trained model file (for --understander trained; default: trained on first use).")] = None,
    scenario: Annotated[Path | None, typer.Option(help="Scenario YAML (default: the built-in hotel scenario).")] = None,
    split: Annotated[Literal["all", "tune", "heldout"], typer.Option(
        help="Score all dialogues, or the tuning / held-out part of the seeded 80/20 split by dialogue.")] = "all",
    seed: int = 13,
    limit: Annotated[int | None, typer.Option(help="Only the first N dialogues (llm is slow).")] = None,
    errors: Annotated[Path | None, typer.Option(help="Write the wrongly tracked turns here (JSON lines).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Joint goal accuracy, per-slot accuracy and turns per second, over every dialogue involving the domain
    and over the single-domain ones."""
    from rich.console import Console

    from luodi.dialogue.spec import load_scenario
    from luodi.packs.travel.dialogues import hotel_run, load_dialogues, split_dialogues
    from luodi.packs.travel.evaluation import evaluate
    from luodi.packs.travel.trained import TRAINING_SEED
    from luodi.packs.travel.understanding import build_understander

    if domain != "hotel":
        raise typer.BadParameter("only the hotel domain has a scenario so far", param_hint="--domain")
    if understander == "trained" and model is None and split != "all" and seed != TRAINING_SEED:
        raise typer.BadParameter(f"the default trained model learnt from the tuning part of seed {TRAINING_SEED}'s "
                                 "split; another seed's held-out part would hold its training dialogues",
                                 param_hint="--seed")
    console = Console()
    run = hotel_run(data_format, load_scenario(scenario) if scenario else None)
    dialogues = load_dialogues(data, data_format, domain, run.names)
    if split != "all":
        dialogues = split_dialogues(dialogues, seed=seed)[0 if split == "tune" else 1]
    dialogues = dialogues[:limit] if limit else dialogues
    tracker = build_understander(run.spec, understander, model=model)
    report = {}
    single = [d for d in dialogues if d.single_domain]
    for label, chosen in (("involving " + domain, dialogues), (domain + " only", single)):
        scores = evaluate(tracker, run.spec, chosen, run.slots, run.normalize, run.shown_in,
                          keep_errors=100_000 if errors and label.startswith("involving") else 0)
        if errors and label.startswith("involving"):
            lines = (json.dumps(e, ensure_ascii=False) + "\n" for e in scores.errors)
            errors.write_text("".join(lines), encoding="utf-8")
        report[label] = {"dialogues": len(chosen), **scores.as_dict()}
        if not json_out:
            _print(console, label, len(chosen), scores, type(tracker).__name__, split)
    if json_out:
        print(json.dumps(report, ensure_ascii=False))


def _print(console: object, label: str, dialogues: int, scores: object, tracker: str, split: str) -> None:
    from luodi.packs.travel.evaluation import DstScores

    assert isinstance(scores, DstScores)
    out = console.print  # type: ignore[attr-defined]
    out(f"[bold]{label}[/bold] ({split}): {dialogues} dialogues, {scores.turns} turns, understander {tracker}")
    out(f"  joint goal accuracy {scores.joint_goal_accuracy:.2%}")
    out("  slot accuracy " + "  ".join(f"{s} {a:.1%}" for s, a in scores.slot_accuracy().items()))
    out(f"  turns/second {scores.turns_per_second:.0f}")
