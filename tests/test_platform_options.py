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
