"""An option no assistant of that kind reads stops the platform at start, named, instead of being ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from luodi.config import load_settings
from luodi.platform import Platform
from tests.conftest import write_config


def test_a_renamed_option_is_named_at_start(tmp_path: Path) -> None:
    hotel = {"kind": "scenario", "base_model": "smollm2-135m",
             "options": {"scenario": "travel/hotel_en.yaml", "understander": "trained", "model_dir": "runs/old"}}
    settings = load_settings(write_config(tmp_path / "luodi.yaml", tmp_path, extra_assistants={"old-hotel": hotel}))
    with pytest.raises(ValueError, match=r"'old-hotel' \(kind scenario\) has unknown option\(s\) model_dir; it reads "
                                         r"copilot, database, model, scenario, understander"):
        Platform(settings)


def test_the_shipped_defaults_pass(tmp_path: Path) -> None:
    Platform(load_settings(write_config(tmp_path / "luodi.yaml", tmp_path)))


def test_an_option_of_the_wrong_type_is_named_at_start(tmp_path: Path) -> None:
    hotel = {"kind": "scenario", "base_model": "smollm2-135m",
             "options": {"scenario": "travel/hotel_en.yaml", "copilot": "sometimes"}}
    settings = load_settings(write_config(tmp_path / "luodi.yaml", tmp_path, extra_assistants={"odd": hotel}))
    with pytest.raises(ValueError, match=r"assistant 'odd' \(kind scenario\): option copilot: Input should be a valid "
                                         r"boolean"):
        Platform(settings)


def test_the_funds_kind_is_an_alias_of_the_scenario_kind(tmp_path: Path) -> None:
    old = {"kind": "funds", "base_model": "smollm2-135m", "options": {"understander": "rules", "scenario": "funds"}}
    settings = load_settings(write_config(tmp_path / "luodi.yaml", tmp_path, extra_assistants={"old-funds": old}))
    with pytest.raises(ValueError, match=r"'old-funds' \(kind funds\) has unknown option\(s\) scenario; it reads "
                                         r"database, understander"):
        Platform(settings)
