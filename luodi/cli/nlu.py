"""`luodi train nlu` and `luodi eval nlu`: train the industry's own multi-intent + slot model, and measure it.

torch and transformers are imported inside the commands so that the CLI starts fast without them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from luodi.cli.groups import eval_app, train_app
from luodi.nlu.data import NluDataError, NluExample, read_nlu_dir, resolve_split

if TYPE_CHECKING:
    from luodi.nlu.training import EpochReport

console = Console()
DEV_FRACTION = 0.1
LOG_EVERY_STEPS = 50


def _split_off_dev(examples: list[NluExample], seed: int) -> tuple[list[NluExample], list[NluExample]]:
    """A seeded 10% dev hold-out for data that comes without a dev split."""
    shuffled = examples[:]
    random.Random(seed).shuffle(shuffled)
    size = max(1, int(len(shuffled) * DEV_FRACTION))
    return shuffled[size:], shuffled[:size]


def _user_examples(
    data: Path | None, scenario: Path | None, generate: int, seed: int
) -> tuple[list[NluExample], list[NluExample] | None]:
    """The labelled examples to train on (and dev if the data directory has one)."""
    if data is not None:
        train_dir = resolve_split(data, "train")
        if train_dir is None:
            raise NluDataError(f"{data}: no seq.in/seq.out/label here or in {data}/train")
        dev_dir = resolve_split(data, "dev")
        return read_nlu_dir(train_dir), read_nlu_dir(dev_dir) if dev_dir else None
    if scenario is not None:
        from luodi.nlu.scenario_data import load_scenario_nlu, scenario_training_set

        return scenario_training_set(load_scenario_nlu(scenario), generate, seed), None
    raise typer.BadParameter("give --data DIR (seq.in/seq.out/label) and/or --from-scenario FILE.yaml")


def _report_epoch(report: EpochReport) -> None:
    dev = report.dev
    console.print(
        f"epoch {report.epoch}: loss {report.loss:.3f}  dev overall {dev['overall_accuracy']:.2%}  "
        f"intent {dev['intent_accuracy']:.2%}  slot F1 {dev['slot_f1']:.2%}  ({report.seconds:.0f}s)"
    )


@train_app.command("nlu")
def train_nlu(
    out: Annotated[Path, typer.Option("--out", help="Model directory to write (best model + checkpoint).")],
    data: Annotated[Path | None, typer.Option(help="Labelled data: seq.in/seq.out/label, or train/ dev/.")] = None,
    dev: Annotated[Path | None, typer.Option(help="Dev data directory (default: DATA/dev or a 10% split).")] = None,
    from_scenario: Annotated[
        Path | None, typer.Option("--from-scenario", help="Scenario YAML: generate utterances to mix in.")
    ] = None,
    industry_share: Annotated[
        float, typer.Option(help="Share of generated scenario utterances in the training mix (with --data).")
    ] = 0.3,
    generate: Annotated[
        int, typer.Option(help="Utterances to generate when training on a scenario alone (no --data).")
    ] = 2000,
    epochs: int = 10,
    batch_size: int = 32,
    encoder_lr: float = 5e-5,
    head_lr: float = 1e-3,
    seed: int = 13,
    patience: Annotated[int, typer.Option(help="Stop after this many epochs without a better dev score.")] = 3,
    max_minutes: Annotated[float | None, typer.Option(help="Wall-time budget; stops after evaluating.")] = None,
    max_steps_per_epoch: Annotated[int | None, typer.Option(help="Cap steps per epoch (smoke runs).")] = None,
    limit: Annotated[int | None, typer.Option(help="Use only the first N training examples.")] = None,
    resume: Annotated[bool, typer.Option(help="Continue from OUT/checkpoint if present.")] = True,
    threads: int = 2,
    freeze_word_embeddings: Annotated[bool, typer.Option(help="Keep the vocabulary embeddings fixed.")] = True,
) -> None:
    """Train the joint multi-intent + slot-filling model on the CPU."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from luodi.nlu.training import NluTrainer, TrainConfig

    try:
        train, own_dev = _user_examples(data, from_scenario if data is None else None, generate, seed)
        mix_report: dict[str, object] = {}
        if from_scenario is not None and data is not None:
            from luodi.nlu.scenario_data import load_scenario_nlu, mix_examples

            train, mix = mix_examples(train, load_scenario_nlu(from_scenario), industry_share, seed)
            mix_report = {"training_mix": mix.as_dict()}
            console.print(mix.summary())
        dev_examples = read_nlu_dir(dev) if dev else own_dev
    except NluDataError as error:
        console.print(f"[red]data error:[/red] {error}")
        raise typer.Exit(2) from error
    if dev_examples is None:
        train, dev_examples = _split_off_dev(train, seed)
    train = train[:limit] if limit else train
    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, encoder_lr=encoder_lr, head_lr=head_lr, seed=seed,
        patience=patience, max_minutes=max_minutes, max_steps_per_epoch=max_steps_per_epoch, threads=threads,
        freeze_word_embeddings=freeze_word_embeddings,
    )
    trainer = NluTrainer(train, dev_examples, out, config, extra_metadata=mix_report)
    if resume and trainer.resume():
        console.print(f"resuming after epoch {trainer.state.completed_epochs} from {trainer.checkpoint_path}")
    console.print(
        f"training on {len(train)} utterances, dev {len(dev_examples)}, {trainer.batches_per_epoch} steps/epoch"
    )
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("loss {task.fields[loss]:.3f}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("epoch", total=trainer.batches_per_epoch, loss=0.0)

        def on_step(epoch: int, loss: float) -> None:
            progress.update(task, advance=1, description=f"epoch {epoch}", loss=loss)
            done = int(progress.tasks[task].completed)
            if not console.is_terminal and done % LOG_EVERY_STEPS == 0:  # a log file gets no live bar
                console.print(f"epoch {epoch} step {done}/{trainer.batches_per_epoch} loss {loss:.3f}")

        def on_epoch(report: EpochReport) -> None:
            progress.reset(task)
            _report_epoch(report)

        result = trainer.fit(on_step, on_epoch)
    console.print(
        f"best epoch {result.best_epoch}: dev overall {result.best_dev.get('overall_accuracy', 0):.2%}; "
        f"training wall time {result.elapsed_seconds:.0f}s; model in {result.model_dir}"
    )


@eval_app.command("nlu")
def eval_nlu(
    model: Annotated[Path, typer.Option(help="A model directory written by `luodi train nlu`.")],
    data: Annotated[Path, typer.Option(help="Labelled data directory (or one with a test/ split).")],
    batch_size: int = 64,
    threads: int = 2,
    json_out: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Overall accuracy, intent accuracy, slot F1 (conlleval spans) and utterances per second."""
    from luodi.nlu.metrics import evaluate_predictor
    from luodi.nlu.understander import TrainedUnderstander

    directory = resolve_split(data, "test") or data
    try:
        examples = read_nlu_dir(directory)
    except NluDataError as error:
        console.print(f"[red]data error:[/red] {error}")
        raise typer.Exit(2) from error
    understander = TrainedUnderstander.load(model, threads=threads)
    understander.predict([e.tokens for e in examples[:batch_size]], batch_size)  # warm-up, not timed
    scores, per_second = evaluate_predictor(understander, examples, batch_size)
    if json_out:
        print(json.dumps({**scores.as_dict(), "utterances_per_second": per_second}))
        return
    console.print(f"data: {directory} ({scores.utterances} utterances)")
    console.print(f"overall accuracy  {scores.overall_accuracy:.2%}")
    console.print(f"intent accuracy   {scores.intent_accuracy:.2%}")
    console.print(f"slot F1           {scores.slot_f1:.2%}  (P {scores.slot_precision:.2%} R {scores.slot_recall:.2%})")
    console.print(f"utterances/second {per_second:.1f}  (batch {batch_size}, {threads} threads)")
