"""Dialogue state tracking measured on real dialogues: replay the user turns, compare the tracked state to gold.

The tracked state comes only from what the assistant would do: for every user turn the understander emits
commands, `apply_commands` updates the state, and `state.slot_view()` is compared to the gold state of that
turn. Between turns the replay gives the state the context the engine gives it after replying
(`luodi.packs.travel.dialogues.remember_reply`). Reading the dialogues, their gold conventions and the seeded
split live in `luodi.packs.travel.dialogues`; this module only scores. Every user turn of the chosen dialogues is
scored, and a slot the scenario does not have is still scored (it then counts as wrong when gold fills it).

Joint goal accuracy: the share of scored turns where every slot matches. Slot accuracy: per slot, the share of
turns where it matches. Turns per second: turns / (time spent understanding and applying commands).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.state import DialogueState
from luodi.dialogue.tracker import apply_commands
from luodi.packs.travel.dialogues import Dialogue, Turn, remember_reply


@dataclass
class DstScores:
    turns: int = 0
    joint_correct: int = 0
    slot_correct: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def joint_goal_accuracy(self) -> float:
        return self.joint_correct / self.turns if self.turns else 0.0

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def slot_accuracy(self) -> dict[str, float]:
        return {slot: correct / self.turns for slot, correct in self.slot_correct.items()} if self.turns else {}

    def as_dict(self) -> dict[str, Any]:
        return {"turns": self.turns, "joint_goal_accuracy": self.joint_goal_accuracy,
                "slot_accuracy": self.slot_accuracy(), "turns_per_second": self.turns_per_second}


def evaluate(understander: Any, spec: ScenarioSpec, dialogues: Iterable[Dialogue], slots: Sequence[str],
             normalize: Callable[[str, str], str], shown_in: Callable[[str], list[str]],
             keep_errors: int = 0) -> DstScores:
    """Replay every dialogue through understander -> commands -> apply_commands and score every user turn."""
    scores = DstScores(slot_correct=dict.fromkeys(slots, 0))
    dialogues = list(dialogues)
    for dialogue in dialogues:
        state = DialogueState(scenario=spec.name, language=spec.languages[0])
        for turn in dialogue.turns:
            started = time.perf_counter()
            commands = understander.understand(turn.user, state)
            state = apply_commands(state, commands, spec)
            scores.seconds += time.perf_counter() - started
            predicted = {slot: normalize(slot, value) for slot, value in state.slot_view().items()}
            # the scorer's normalizer may know more than the loader's (the database's facility names)
            turn = Turn(turn.user, turn.reply, {slot: normalize(slot, value) for slot, value in turn.gold.items()})
            _score_turn(scores, slots, predicted, turn, dialogue.id, commands, keep_errors)
            remember_reply(state, turn.reply, shown_in(turn.reply))
    return scores


def _score_turn(scores: DstScores, slots: Sequence[str], predicted: dict[str, str], turn: Turn, dialogue_id: str,
                commands: list[Any], keep_errors: int) -> None:
    scores.turns += 1
    wrong = [slot for slot in slots if predicted.get(slot, "") != turn.gold.get(slot, "")]
    for slot in slots:
        scores.slot_correct[slot] += slot not in wrong
    if not wrong:
        scores.joint_correct += 1
    elif len(scores.errors) < keep_errors:
        scores.errors.append({
            "dialogue": dialogue_id, "user": turn.user,
            "wrong": {s: (predicted.get(s), turn.gold.get(s)) for s in wrong},
            "commands": [c.model_dump() for c in commands],
        })
