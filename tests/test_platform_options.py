"""An option no assistant of that kind reads stops the platform at start, named, instead of being ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from luodi.assistants.base import Turn
from luodi.config import Settings, load_settings
from luodi.contracts import Answer, Message
from luodi.gateway.tenants import create_key, create_tenant
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


@pytest.mark.parametrize(("options", "named"), [
    ({"skills": ["passages", "fortune_telling"]}, r"unknown skill.*fortune_telling"),
    ({"extractors": ["statments"]}, r"unknown extractor.*statments"),
])
def test_a_misspelt_skill_or_extractor_stops_the_platform_at_start(tmp_path: Path, options: dict[str, object],
                                                                     named: str) -> None:
    grounded = {"kind": "grounded", "base_model": "smollm2-135m", "options": options}
    settings = load_settings(write_config(tmp_path / "luodi.yaml", tmp_path, extra_assistants={"notes": grounded}))
    with pytest.raises(ValueError, match=r"assistant 'notes' \(kind grounded\): " + named):
        Platform(settings)


def test_a_scenario_no_pack_provides_stops_the_platform_at_start(tmp_path: Path) -> None:
    odd = {"kind": "scenario", "base_model": "smollm2-135m", "options": {"scenario": "fundz"}}
    settings = load_settings(write_config(tmp_path / "luodi.yaml", tmp_path, extra_assistants={"odd": odd}))
    with pytest.raises(ValueError, match=r"scenario 'fundz' is neither a scenario a pack provides \(funds\)"):
        Platform(settings)


def test_a_missing_spec_file_or_an_understander_the_scenario_lacks_stops_the_platform_at_start(tmp_path: Path) -> None:
    for options, named in [({"scenario": "travel/hotel_enn.yaml"}, r"scenario file .*hotel_enn.yaml does not exist"),
                           ({"scenario": "travel/hotel_en.yaml", "understander": "traned"},
                            r"has no 'traned' understander; it offers rules, trained, llm"),
                           ({"scenario": "funds", "understander": "traned"},
                            r"scenario 'funds' has no 'traned' understander")]:
        odd = {"kind": "scenario", "base_model": "smollm2-135m", "options": options}
        settings = load_settings(write_config(tmp_path / "luodi.yaml", tmp_path, extra_assistants={"odd": odd}))
        with pytest.raises(ValueError, match=named):
            Platform(settings)


def test_an_assistant_that_fails_unexpectedly_leaves_no_call_open(tmp_path: Path) -> None:
    from sqlalchemy import select

    from luodi.assistants.base import assistant_kind
    from luodi.ledger.usage import UsageRecord

    class Broken:
        name = "broken"

        def respond(self, turn: Turn) -> Answer:
            raise RuntimeError("a bug in an assistant")

        def stream(self, turn: Turn):  # type: ignore[no-untyped-def]
            raise RuntimeError("a bug in an assistant")

    assistant_kind("test-broken")(lambda name, config, context: Broken())
    settings = Settings(data_dir=tmp_path, base_models=load_settings().base_models,
                        assistants={"broken": {"kind": "test-broken", "base_model": "smollm2-135m"}})
    platform = Platform(settings)
    with platform.store.transaction() as session:
        _, secret = create_key(session, create_tenant(session, "bugs"))
    caller = platform.authenticate(secret)
    admission = platform.admit(caller, "broken", stream=False)
    with pytest.raises(RuntimeError):
        platform.complete(admission, Turn([Message(role="user", content="hi")], caller.tenant_id))
    with platform.store.transaction() as session:
        record = session.scalar(select(UsageRecord).where(UsageRecord.request_id == admission.request_id))
    assert record is not None and record.outcome == "internal_error" and record.finished_at is not None
