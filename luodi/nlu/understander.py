"""A trained joint NLU model served on the CPU: load a model directory once, predict in batches.

A scenario names its model directory under `nlu.model` in its YAML (a path relative to the YAML file):
`scenario_understander(yaml_path)` loads it once per process and hands out the same instance afterwards;
`TrainedUnderstander.load(path).understand("reserve the acorn brake pad for friday")` loads one directly. (A
pack may bring a lighter trained understander of its own: the travel pack's measured better on MultiWOZ at a
hundredth of the cost.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml

from luodi.dialogue.spec import NluSpec
from luodi.nlu.data import slot_spans
from luodi.nlu.model import JointNluModel, ModelSettings, encode_batch, load_model


@dataclass(frozen=True)
class SlotSpan:
    slot: str
    start: int  # word index
    end: int  # exclusive
    text: str


@dataclass(frozen=True)
class NluResult:
    tokens: tuple[str, ...]
    intents: tuple[str, ...]
    tags: tuple[str, ...]
    slots: tuple[SlotSpan, ...] = field(default=())

    def slot_values(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for span in self.slots:
            values.setdefault(span.slot, []).append(span.text)
        return values


class TrainedUnderstander:
    """Batched CPU inference for a saved joint model; holds the model in memory between calls."""

    def __init__(self, model: JointNluModel, tokenizer: Any, config: dict[str, Any], threshold: float = 0.5):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = config
        self.threshold = threshold

    @classmethod
    def load(cls, directory: str | Path, threads: int | None = None) -> TrainedUnderstander:
        if threads:
            torch.set_num_threads(threads)
        model, tokenizer, config = load_model(Path(directory))
        return cls(model, tokenizer, config, threshold=float(config.get("intent_threshold", 0.5)))

    @property
    def settings(self) -> ModelSettings:
        return self.model.settings

    def predict(self, token_lists: Sequence[Sequence[str]], batch_size: int = 64) -> list[NluResult]:
        """Results in input order. Sorting by length keeps padding (wasted CPU) small within each batch."""
        order = sorted(range(len(token_lists)), key=lambda i: len(token_lists[i]))
        results: dict[int, NluResult] = {}
        for begin in range(0, len(order), batch_size):
            rows = order[begin : begin + batch_size]
            batch_tokens = [list(token_lists[i]) or ["."] for i in rows]
            for row, result in zip(rows, self._predict_batch(batch_tokens), strict=True):
                results[row] = result if token_lists[row] else NluResult((), result.intents, ())
        return [results[i] for i in range(len(token_lists))]

    def _predict_batch(self, token_lists: list[list[str]]) -> list[NluResult]:
        labels = self.settings.labels
        with torch.inference_mode():
            batch = encode_batch(self.tokenizer, token_lists, self.settings)
            intent_ids, tag_ids = self.model.predict(batch, self.threshold)
        results = []
        for tokens, intents, tags in zip(token_lists, intent_ids, tag_ids, strict=True):
            tag_names = tuple(labels.tags[t] for t in tags)
            spans = tuple(
                SlotSpan(slot, start, end, " ".join(tokens[start:end])) for slot, start, end in slot_spans(tag_names)
            )
            results.append(NluResult(tuple(tokens), tuple(labels.intents[i] for i in intents), tag_names, spans))
        return results

    def understand(self, text: str) -> NluResult:
        """One utterance, split on whitespace (the tokenisation the training data uses)."""
        return self.predict([text.split()])[0]

    def throughput(self, token_lists: Sequence[Sequence[str]], batch_size: int = 64) -> float:
        """Utterances per second over `token_lists`, timed after one warm-up batch."""
        self.predict(token_lists[:batch_size], batch_size)
        started = time.perf_counter()
        self.predict(token_lists, batch_size)
        return len(token_lists) / (time.perf_counter() - started)


_loaded: dict[Path, TrainedUnderstander] = {}
_loading = threading.Lock()


def understander_for(model_dir: str | Path) -> TrainedUnderstander:
    """The process-wide understander of a model directory, loaded on first use."""
    key = Path(model_dir).resolve()
    with _loading:
        if key not in _loaded:
            _loaded[key] = TrainedUnderstander.load(key)
        return _loaded[key]


def scenario_understander(scenario_yaml: str | Path) -> TrainedUnderstander:
    """The trained understander a scenario names in `nlu.model`."""
    path = Path(scenario_yaml)
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    model = NluSpec.model_validate(spec.get("nlu") or {}).model if isinstance(spec, dict) else None
    if not model:
        raise ValueError(f"{path}: names no trained understander (nlu.model: <model directory>)")
    return understander_for(path.parent / str(model))
