"""Rebuild the weight tables the pack ships for the trained hotel understander, from the shared dialogues:

    python -m luodi.packs.travel.weights                 # both languages, into luodi/packs/travel/data/
    python -m luodi.packs.travel.weights --language zh --out /tmp/hotel-zh.json

Same training as on first use (`luodi.packs.travel.trained.train_hotel_decisions`: seed `TRAINING_SEED`'s
tuning part, `REGULARIZATION`, the default scenario of the language and its shipped database), so a rebuild
reproduces the shipped table; run it after changing the lexicons, their words or the features, and commit the
tables with the change (tests/packs/travel/test_shipped_weights.py checks both).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from luodi.packs.travel.specs import default_spec
from luodi.packs.travel.trained import LANGUAGES, shipped_model, train_hotel_decisions


def build_weights(language: str, out: Path | None = None) -> Path:
    """Train the default decisions of `language` on its shared dialogues; write them to `out` (default: the
    pack's shipped table)."""
    if not LANGUAGES[language].data.exists():
        raise FileNotFoundError(f"the {language} dialogues {LANGUAGES[language].data} are missing: set "
                                "LUODI_SHARED_DATA to the folder holding them")
    path = train_hotel_decisions(out or shipped_model(language), default_spec(language))
    path.chmod(0o644)  # a table to read and commit, not a private cache file
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Rebuild the trained hotel understander's shipped weight tables.")
    parser.add_argument("--language", choices=sorted(LANGUAGES), action="append",
                        help="one language (repeatable); default: all")
    parser.add_argument("--out", type=Path, help="write here instead of the pack (with a single --language)")
    args = parser.parse_args(argv)
    languages = args.language or sorted(LANGUAGES)
    if args.out is not None and len(languages) != 1:
        parser.error("--out needs exactly one --language")
    for language in languages:
        print(f"{language}: weights written to {build_weights(language, args.out)}")


if __name__ == "__main__":
    main()
