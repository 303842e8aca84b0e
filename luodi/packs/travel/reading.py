"""What one user message says about hotels, before it becomes commands: the shared middle of every understander.

Each understander (lexicon rules, trained tagger, base model with constrained JSON) produces a `Reading`;
`commands_for` turns a Reading into commands the same way for all of them, so the three differ only in how they
read text. Keeping the state-dependent decisions (set or correct, which entity "it" is) in one place is what
makes their measured differences comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from luodi.dialogue.commands import (
    Affirm,
    AskEntity,
    CancelTask,
    Command,
    CorrectSlot,
    Deny,
    HandOff,
    SetSlot,
    StartTask,
)
from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.state import DialogueState
from luodi.dialogue.tracker import apply_commands

DONTCARE = "dontcare"


@dataclass
class Reading:
    """Slots are (slot, canonical value) pairs in the order they were said; the last one of a slot wins."""

    informs: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # attributes asked about an entity (address, parking…)
    entities: list[str] = field(default_factory=list)  # database names mentioned that become the name slot
    subject: str | None = None  # the entity a question is about when it is named but not chosen
    adopt_subject: bool = False  # …which becomes the name slot while no hotel is settled yet
    in_domain: bool = True  # some part of the message is about this scenario's domain (not a train, a taxi…)
    new_search: bool = False  # the conditions start a fresh search: earlier search conditions are dropped
    refers_to_shown: bool = False  # "it", "that one", "the first one": an entity the last reply showed
    adopt_shown: bool = False  # …and that entity becomes the name slot ("book it"), not only asked about
    book: bool = False
    show: bool = False  # "show me / find / what hotels are there": the user wants search results now
    declined_booking: bool = False  # "no need to book": a booking was talked about and refused
    details: bool = False
    cancel: bool = False
    hand_off: bool = False
    affirm: bool = False
    deny: bool = False

    def inform(self, slot: str, value: str | None) -> None:
        if value:
            self.informs.append((slot, value))

    def intent_only(self) -> Reading:
        """The same reading of what the user wants done, without the slot values and entities: for an
        understander that finds the values its own way (a trained tagger, the base model)."""
        return Reading(
            requests=self.requests,
            book=self.book,
            cancel=self.cancel,
            hand_off=self.hand_off,
            affirm=self.affirm,
            deny=self.deny,
            refers_to_shown=self.refers_to_shown,
            adopt_shown=self.adopt_shown,
            subject=self.subject,
            adopt_subject=self.adopt_subject,
            details=self.details,
            new_search=self.new_search,
        )

    @property
    def empty(self) -> bool:
        return not (
            self.informs
            or self.requests
            or self.entities
            or self.subject
            or self.book
            or self.details
            or self.cancel
            or self.hand_off
            or self.affirm
            or self.deny
        )


def commands_for(reading: Reading, state: DialogueState, spec: ScenarioSpec, name_slot: str = "name") -> list[Command]:
    """The commands a reading carries, given the state so far (set a new slot, correct a filled one)."""
    commands: list[Command] = []
    if reading.hand_off:
        return [HandOff(reason="user asked for a person")]
    if reading.cancel:
        commands.append(CancelTask())
    tasks = spec.tasks
    searching = state.find(spec.default_task)
    if reading.new_search and searching is not None and searching.slots:
        commands += [CancelTask(task=spec.default_task), StartTask(task=spec.default_task)]
        state = apply_commands(state, commands[-2:], spec)  # what follows is decided against the fresh search
    named = reading.entities[-1] if reading.entities else None
    shown = state.shown[0] if reading.refers_to_shown and state.shown else None
    chosen = named or (shown if reading.adopt_shown else None)
    settled = state.slot_view()
    if chosen is None and reading.subject and reading.adopt_subject and not settled.get(name_slot):
        chosen = reading.subject  # asking about one hotel while none is chosen: that is the hotel in question
    book_slots = set(tasks["book_hotel"].slots) - {name_slot} if "book_hotel" in tasks else set()
    booking = "book_hotel" in tasks and (reading.book or any(slot in book_slots for slot, _ in reading.informs))
    if booking and (state.active is None or state.active.name != "book_hotel"):
        commands.append(StartTask(task="book_hotel"))
    elif (reading.informs and state.active is None) or (
        reading.show and (state.active is None or state.active.name != spec.default_task)
    ):
        # "…no, show me hotels on the 11th" in the middle of a booking: the search comes back to the top
        commands.append(StartTask(task=spec.default_task))
    if chosen is not None and settled.get(name_slot) != chosen:
        commands.append(_set_or_correct(name_slot, chosen, settled))
        settled = {**settled, name_slot: chosen}
    for slot, value in _last_per_slot(reading.informs):
        if slot in spec.slots and settled.get(slot) != value:
            commands.append(_set_or_correct(slot, value, settled))
    # a question about "it" when the last reply showed nothing: the entity the conversation is about. Only
    # questions fall back so: choosing the focus for "book it" measured worse on MultiWOZ (the reply of
    # a booking offer names the hotel when it matters)
    asked_about = reading.subject or named or shown or (state.focus if reading.refers_to_shown else None)
    if (reading.requests or reading.details) and asked_about is not None:
        commands.append(AskEntity(entity=asked_about, attributes=reading.requests))
    if reading.affirm:
        commands.append(Affirm())
    elif reading.deny:
        commands.append(Deny())
    return commands


def _set_or_correct(slot: str, value: str, settled: dict[str, str]) -> Command:
    if settled.get(slot) not in (None, value):
        return CorrectSlot(slot=slot, value=value)
    return SetSlot(slot=slot, value=value)


def _last_per_slot(informs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last = dict(informs)
    return list(last.items())
