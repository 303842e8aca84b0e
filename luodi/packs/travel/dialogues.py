"""Real hotel dialogues with gold states (MultiWOZ, CrossWOZ): reading them, splitting them, and the context a
replay gives the state between turns. Used to train the trained understander (`luodi.packs.travel.trained`)
and to score understanders (`luodi.packs.travel.evaluation`); no scoring here.

Gold conventions
- MultiWOZ (2.1 `data.json` format): the gold of user turn i is the hotel `metadata` of the system turn i+1,
  slots `semi` name, area, parking, pricerange, stars, internet, type and `book` day, people, stay. "not
  mentioned", "" and "none" are empty; "don't care" / "dont care" / "do n't care" / "any" are `dontcare`;
  "guest house" is "guesthouse", "center" is "centre", "free" (parking, internet) is "yes"; names compare by
  their database name when they fuzzy-match one (so "the cambridge belfry" = "cambridge belfry"), else by
  their simplified text. Dialogues whose goal has a hotel part count ("involving hotel"); "hotel only" are
  those whose goal has no other domain.
- CrossWOZ: dialogues whose goal has a 酒店 sub-goal; the gold of user turn i is `sys_state_init["酒店"]` of the
  system message that follows it (the first database query, which records the user's constraints faithfully),
  slots 名称 酒店类型 酒店设施 价格 评分 周边景点 周边餐馆 周边酒店 (`selectedResults` is not a slot). "" is empty;
  价格 "400-500元" is "400-500", "1000元以上" is ">1000"; 评分 "4.5分以上" is ">4.5", "5分" is "5"; 酒店类型
  "经济" is "经济型" (stray punctuation dropped); 酒店设施 compares as the sorted set of its space-separated
  facilities, each written as the database's facility it names (早餐 / 早餐服务 -> 早餐服务, 接待外宾服务 -> 接待外宾;
  `ChineseHotelLexicon.facility_forms`); a few gold values are spelt character by character ("早 餐  吹 风 机")
  and are joined back.

Replay context: between turns the state gets what the engine gives it after replying: the text of the reply
(`extras["last_reply"]`, here the real system utterance) and the entity names it showed (`shown`, here the
database names found in that utterance, in order); a reply naming exactly one entity also sets `focus`, as the
engine does when it talks about one hotel (`remember_reply`).

How to add a data format: a `<format>_dialogues(raw)` reader returning `Dialogue`s with normalized gold, a
branch in `load_dialogues`, and a `hotel_run` branch saying its slots, normalizer and names finder.
"""

from __future__ import annotations

import json
import random
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from luodi.dialogue.normalizers import NameMatcher, normalize_price_range, normalize_rating, simplify_name
from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.state import DialogueState, Task
from luodi.packs.travel.lexicon_zh import ChineseHotelLexicon
from luodi.packs.travel.specs import LAST_REPLY, NameLexicon, database_path, default_spec, english_names

DataFormat = Literal["multiwoz", "crosswoz"]
MULTIWOZ_SLOTS = ("name", "area", "parking", "pricerange", "stars", "internet", "type", "day", "people", "stay")
CROSSWOZ_SLOTS = ("名称", "酒店类型", "酒店设施", "价格", "评分", "周边景点", "周边餐馆", "周边酒店")
HELDOUT_SHARE = 0.2
SPLIT_SEED = 13
_MULTIWOZ_DOMAINS = ("hotel", "restaurant", "attraction", "train", "taxi", "police", "hospital")
_EMPTY = {"", "not mentioned", "none", "not given"}
_DONTCARE = {"dontcare", "don't care", "dont care", "do n't care", "do not care", "any", "dont't care"}
_EN_VALUES = {"guest house": "guesthouse", "center": "centre", "free": "yes"}


@dataclass(frozen=True)
class Turn:
    user: str
    reply: str  # the system utterance that answered this user turn
    gold: dict[str, str]  # normalized; empty slots absent


@dataclass(frozen=True)
class Dialogue:
    id: str
    turns: tuple[Turn, ...]
    single_domain: bool  # the goal has only the evaluated domain


def read_json(path: str | Path) -> Any:
    """A JSON file, or the single JSON file inside a .zip."""
    path = Path(path)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            member = next(n for n in archive.namelist() if n.endswith(".json"))
            return json.loads(archive.read(member).decode("utf-8"))
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- reading the data sets


def load_dialogues(path: str | Path, data_format: DataFormat, domain: str = "hotel",
                   names: NameMatcher | None = None) -> list[Dialogue]:
    raw = read_json(path)
    if data_format == "multiwoz":
        return multiwoz_dialogues(raw, domain, names)
    if data_format == "crosswoz":
        return crosswoz_dialogues(raw, domain)
    raise ValueError(f"unknown format {data_format!r}: multiwoz or crosswoz")


def multiwoz_dialogues(raw: dict[str, Any], domain: str = "hotel", names: NameMatcher | None = None) -> list[Dialogue]:
    dialogues = []
    for dialogue_id, dialogue in raw.items():
        goal = dialogue.get("goal", {})
        if not goal.get(domain):
            continue
        log = dialogue["log"]
        turns = tuple(
            Turn(log[i]["text"], log[i + 1]["text"], multiwoz_gold(log[i + 1]["metadata"][domain], names))
            for i in range(0, len(log) - 1, 2)
        )
        single = not any(goal.get(other) for other in _MULTIWOZ_DOMAINS if other != domain)
        dialogues.append(Dialogue(dialogue_id, turns, single))
    return dialogues


def multiwoz_gold(metadata: dict[str, Any], names: NameMatcher | None = None) -> dict[str, str]:
    values = {**metadata.get("semi", {}), **{k: v for k, v in metadata.get("book", {}).items() if k != "booked"}}
    gold = {slot: normalize_en_value(slot, str(values.get(slot, "")), names) for slot in MULTIWOZ_SLOTS}
    return {slot: value for slot, value in gold.items() if value}


def normalize_en_value(slot: str, value: str, names: NameMatcher | None = None) -> str:
    value = re.sub(r"\s+", " ", value.lower().strip())
    if value in _EMPTY:
        return ""
    if value in _DONTCARE:
        return "dontcare"
    value = _EN_VALUES.get(value, value)
    if slot == "name":
        return (names.match(value) if names else None) or simplify_name(value)
    return value


def crosswoz_dialogues(raw: dict[str, Any], domain: str = "hotel") -> list[Dialogue]:
    zh_domain = {"hotel": "酒店"}.get(domain, domain)
    dialogues = []
    for dialogue_id, dialogue in raw.items():
        goal_domains = {entry[1] for entry in dialogue.get("goal", [])}
        if zh_domain not in goal_domains:
            continue
        messages = dialogue["messages"]
        turns = tuple(
            Turn(messages[i]["content"], messages[i + 1]["content"],
                 crosswoz_gold(messages[i + 1].get("sys_state_init", {}).get(zh_domain, {})))
            for i in range(len(messages) - 1)
            if messages[i]["role"] == "usr" and messages[i + 1]["role"] == "sys"
        )
        dialogues.append(Dialogue(str(dialogue_id), turns, goal_domains == {zh_domain}))
    return dialogues


def crosswoz_gold(state: dict[str, Any]) -> dict[str, str]:
    gold = {slot: normalize_zh_value(slot, str(state.get(slot) or "")) for slot in CROSSWOZ_SLOTS}
    return {slot: value for slot, value in gold.items() if value}


def normalize_zh_value(slot: str, value: str, facility: Callable[[str], str] = str) -> str:
    value = value.strip()
    if not value:
        return ""
    if slot == "价格":
        return normalize_price_range(value) or value.replace("元", "")
    if slot == "评分":
        return normalize_rating(value) or value.replace("分", "")
    if slot == "酒店类型":
        value = re.sub(r"[^\u4e00-\u9fff]", "", value)
        return value if value.endswith("型") or value not in ("经济", "舒适", "高档", "豪华") else value + "型"
    if slot == "酒店设施":
        if len(value.split()) > 3 and all(len(part) == 1 for part in value.split()):
            # spelt out character by character, facilities apart by more than one space
            value = " ".join(part.replace(" ", "") for part in re.split(r"\s{2,}", value))
        return " ".join(sorted({facility(part) for part in value.split()}))
    return value


# ---------------------------------------------------------------- splitting and replaying


def split_dialogues(dialogues: Sequence[Dialogue], heldout_share: float = HELDOUT_SHARE,
                    seed: int = SPLIT_SEED) -> tuple[list[Dialogue], list[Dialogue]]:
    """(tuning part, held-out part), by dialogue, seeded; the held-out part is what results are reported on."""
    ids = sorted(d.id for d in dialogues)
    random.Random(seed).shuffle(ids)
    heldout = set(ids[: round(len(ids) * heldout_share)])
    return [d for d in dialogues if d.id not in heldout], [d for d in dialogues if d.id in heldout]


def remember_reply(state: DialogueState, reply: str, shown: list[str]) -> None:
    """What the engine records after replying: the reply text and the entities it showed; a reply about a single
    entity also puts that entity in focus, so that a later "book it" still finds it."""
    state.extras[LAST_REPLY] = reply
    state.shown = shown
    if len(shown) == 1:
        state.focus = shown[0]


def teacher_states(dialogue: Dialogue, spec: ScenarioSpec,
                   shown_in: Callable[[str], list[str]]) -> Iterator[tuple[str, DialogueState, dict[str, str]]]:
    """(user message, state before the turn with the gold slots, gold slots after) for every turn: the replay a
    model learns from, where the state before each turn is the gold one, not what an understander made of it."""
    gold_before: dict[str, str] = {}
    last_reply = ""
    shown: list[str] = []
    focus: str | None = None
    for turn in dialogue.turns:
        state = DialogueState(scenario=spec.name, stack=[Task(name=spec.default_task or "search",
                                                              slots=dict(gold_before))],
                              shown=shown, focus=focus, extras={LAST_REPLY: last_reply})
        yield turn.user, state, turn.gold
        gold_before = {slot: value for slot, value in turn.gold.items() if value}
        last_reply, shown = turn.reply, shown_in(turn.reply)
        focus = shown[0] if len(shown) == 1 else focus


# ---------------------------------------------------------------- one replay set-up per data set


@dataclass
class DstRun:
    """Everything a replay of one data format needs: scenario, scored slots, value normalizer, names finder."""

    spec: ScenarioSpec
    slots: tuple[str, ...]
    normalize: Callable[[str, str], str]
    shown_in: Callable[[str], list[str]]
    names: NameMatcher | None = None


def hotel_run(data_format: DataFormat, spec: ScenarioSpec | None = None) -> DstRun:
    if data_format == "crosswoz":
        spec = spec or default_spec("zh")
        lexicon = ChineseHotelLexicon.from_database(database_path(spec))
        return DstRun(spec, CROSSWOZ_SLOTS,
                      lambda slot, value: normalize_zh_value(slot, value, lexicon.canonical_facility),
                      lexicon.names.find_substrings, lexicon.names)
    spec = spec or default_spec("en")
    names = english_names(database_path(spec), NameLexicon.of(spec))
    return DstRun(spec, MULTIWOZ_SLOTS, lambda slot, value: normalize_en_value(slot, value, names), names.find, names)
