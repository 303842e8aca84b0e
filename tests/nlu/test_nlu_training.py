"""A tiny model trained for a few steps on generated scenario data: files, scores, reload, resume, CLI."""

from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import luodi.cli.nlu  # noqa: F401  (registers the commands)
from luodi.cli.groups import app
from luodi.nlu.data import NluExample, write_nlu_dir
from luodi.nlu.scenario_data import load_scenario_nlu
from luodi.nlu.training import (
    CHECKPOINT_FILE,
    HISTORY_FILE,
    EpochReport,
    NluTrainer,
    TrainConfig,
    learning_rate_factor,
)
from luodi.nlu.understander import TrainedUnderstander, scenario_understander

SCENARIO = Path(__file__).parent / "data" / "hotel_scenario.yaml"
# One thread: on a shared 2-core machine two OpenMP threads per process can be many times slower.
TINY = TrainConfig(epochs=2, batch_size=8, max_steps_per_epoch=3, threads=1, seed=7)


@pytest.fixture(scope="module")
def splits() -> tuple[list[NluExample], list[NluExample]]:
    scenario = load_scenario_nlu(SCENARIO)
    return scenario.generate(48, seed=1), scenario.generate(12, seed=2)


def _weights(trainer: NluTrainer) -> dict[str, torch.Tensor]:
    return {name: tensor.clone() for name, tensor in trainer.model.state_dict().items()}


def test_training_writes_a_model_that_reloads_to_identical_predictions(
    tmp_path: Path, splits: tuple[list[NluExample], list[NluExample]]
) -> None:
    train, dev = splits
    trainer = NluTrainer(train, dev, tmp_path, TINY)
    result = trainer.fit()
    for name in ("nlu_config.json", "model.safetensors", HISTORY_FILE, str(CHECKPOINT_FILE)):
        assert (tmp_path / name).is_file(), name
    assert [entry["epoch"] for entry in result.history] == [1, 2]
    assert 0.0 <= result.best_dev["overall_accuracy"] <= 1.0 and result.best_dev["utterances"] == len(dev)
    assert result.history[1]["loss"] < result.history[0]["loss"]  # it learns something in six steps

    best = TrainedUnderstander.load(tmp_path)
    tokens = [e.tokens for e in dev]
    first = best.predict(tokens, batch_size=5)
    again = TrainedUnderstander.load(tmp_path).predict(tokens, batch_size=64)
    assert first == again  # reload and batch size do not change predictions
    assert all(len(r.tags) == len(e.tokens) for r, e in zip(first, dev, strict=True))
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("nlu:\n  model: .\n  intents: {}\n", encoding="utf-8")
    served = scenario_understander(scenario)
    assert served is scenario_understander(scenario)  # loaded once per process
    assert served.predict(tokens) == first
    if result.best_epoch == 2:  # the in-memory model is the saved one: same predictions
        trainer.model.eval()
        assert TrainedUnderstander(trainer.model, trainer.tokenizer, {}).predict(tokens) == first


def test_same_seed_same_model_and_resume_continues_exactly(
    tmp_path: Path, splits: tuple[list[NluExample], list[NluExample]]
) -> None:
    train, dev = splits
    uninterrupted = NluTrainer(train, dev, tmp_path / "a", TINY)
    uninterrupted.fit()

    def interrupt(report: EpochReport) -> None:
        raise KeyboardInterrupt  # as if the user pressed ctrl-C once epoch 1 was checkpointed

    with pytest.raises(KeyboardInterrupt):
        NluTrainer(train, dev, tmp_path / "b", TINY).fit(on_epoch=interrupt)
    resumed = NluTrainer(train, dev, tmp_path / "b", TINY)
    assert resumed.resume() and resumed.state.completed_epochs == 1
    resumed.fit()
    expected, actual = _weights(uninterrupted), _weights(resumed)
    assert all(torch.equal(expected[name], actual[name]) for name in expected)


def test_cli_trains_and_evaluates_and_reports_bad_data(tmp_path: Path, splits: tuple[list, list]) -> None:
    train, dev = splits
    write_nlu_dir(train, tmp_path / "data" / "train")
    write_nlu_dir(dev, tmp_path / "data" / "dev")
    runner = CliRunner()
    out = tmp_path / "model"
    trained = runner.invoke(app, [
        "train", "nlu", "--data", str(tmp_path / "data"), "--out", str(out), "--epochs", "1",
        "--max-steps-per-epoch", "2", "--batch-size", "8", "--from-scenario", str(SCENARIO),
        "--industry-share", "0.25", "--threads", "1",
    ])
    assert trained.exit_code == 0, trained.output
    assert "requested industry share 25%" in trained.output and "dev overall" in trained.output
    evaluated = runner.invoke(
        app, ["eval", "nlu", "--model", str(out), "--data", str(tmp_path / "data" / "dev"), "--threads", "1"]
    )
    assert evaluated.exit_code == 0, evaluated.output
    for figure in ("overall accuracy", "intent accuracy", "slot F1", "utterances/second"):
        assert figure in evaluated.output

    (tmp_path / "data" / "dev" / "seq.out").write_text("O O\n" * len(dev), encoding="utf-8")
    broken = runner.invoke(app, ["eval", "nlu", "--model", str(out), "--data", str(tmp_path / "data" / "dev")])
    assert broken.exit_code == 2
    assert "seq.out:1" in broken.output.replace("\n", "")


def test_learning_rate_warms_up_then_decays_to_zero() -> None:
    assert learning_rate_factor(0.0, 0.1) < 0.05
    assert learning_rate_factor(0.1, 0.1) == pytest.approx(1.0)
    assert learning_rate_factor(0.55, 0.1) == pytest.approx(0.5)
    assert learning_rate_factor(1.0, 0.1) == 0.0 and learning_rate_factor(1.2, 0.1) == 0.0
