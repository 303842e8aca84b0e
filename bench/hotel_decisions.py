"""How the trained hotel understander's regularization was chosen: train on three quarters of the tuning
dialogues, score the quarter held aside (never the held-out split), for a few strengths, against the rules.

    python bench/hotel_decisions.py [--language en|zh] [--strengths 0.2 0.5 1 3]
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from luodi.packs.travel.dialogues import hotel_run, load_dialogues, split_dialogues
from luodi.packs.travel.evaluation import evaluate
from luodi.packs.travel.rules import RulesUnderstander
from luodi.packs.travel.specs import default_spec
from luodi.packs.travel.trained import LANGUAGES, TRAINING_SEED, TrainedHotelUnderstander, train_hotel_decisions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--language", choices=sorted(LANGUAGES), default="en")
    parser.add_argument("--strengths", type=float, nargs="+", default=[0.2, 0.5, 1.0, 3.0])
    args = parser.parse_args()
    language = LANGUAGES[args.language]
    spec = default_spec(args.language)
    run = hotel_run(language.data_format, spec)
    tuning, _ = split_dialogues(load_dialogues(language.data, language.data_format, names=run.names),
                                seed=TRAINING_SEED)
    ids = sorted(d.id for d in tuning)
    random.Random(5).shuffle(ids)
    aside = set(ids[: len(ids) // 4])
    scored = [d for d in tuning if d.id in aside]
    rules = evaluate(RulesUnderstander(spec), spec, scored, run.slots, run.normalize, run.shown_in)
    print(f"{args.language} rules JGA {100 * rules.joint_goal_accuracy:.2f}% on {len(scored)} dialogues set aside")
    with tempfile.TemporaryDirectory() as folder:
        for strength in args.strengths:
            path = train_hotel_decisions(Path(folder) / f"c{strength}.json", spec, regularization=strength,
                                         dialogue_filter=lambda d: d.id not in aside)
            trained = TrainedHotelUnderstander.create(spec, path)
            scores = evaluate(trained, spec, scored, run.slots, run.normalize, run.shown_in)
            print(f"{args.language} trained C={strength:g} JGA {100 * scores.joint_goal_accuracy:.2f}% "
                  f"(x{scores.joint_goal_accuracy / rules.joint_goal_accuracy:.3f} the rules)")


if __name__ == "__main__":
    main()
