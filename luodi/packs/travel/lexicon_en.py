"""Reading English hotel messages with a lexicon and the normalizers: the understander that needs no model.

A message is split into clauses; each clause is assigned a domain (hotel, or another travel domain such as
train or restaurant whose numbers and days must not land in hotel slots) from its own words, else from the
previous clause, else from what the last reply talked about. Hotel clauses are then read for constraints,
booking details, questions about an entity, and dialogue moves (yes, no, cancel, a person please).
The plain word lists (areas, price ranges, yes and no…) are data in words/en.yaml; the patterns stay here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from luodi.dialogue.normalizers import NameMatcher, impossible_date, normalize_count, normalize_day
from luodi.packs.travel.reading import DONTCARE, Reading
from luodi.packs.travel.wordlists import alternation, english_hotel_words

_WORDS = english_hotel_words()  # the plain word lists: words/en.yaml
_NOT_NAME_STARTS = frozenset(_WORDS.not_name_starts)

_OTHER_DOMAINS = {
    "restaurant": r"restaurants?|food|eat|dine|dining|dinner|lunch|breakfast place|cuisine|table for|meals?"
                  r"|chinese|italian|indian|korean|thai|french|british|european|asian|mexican|spanish|seafood",
    "train": r"trains?|depart\w*|leav(?:e|ing)|arriv\w* (?:by|at|in|into|before)|station|travel\w*"
             r"|going (?:to|from)|coming from|bus|tickets?",
    "taxi": r"taxi|cab|car to|pick(?:ed)? me up|pickup",
    "attraction": r"attractions?|museums?|college|entertainment|theatre|cinema|swimming|pool|sights?|nightclub"
                  r"|architecture|boat|places? to (?:go|visit)|things to do|something to do|parks?|churche?s?"
                  r"|galler(?:y|ies)|entrance fee|admission|tourist|place i could go|pass a few hours",
    # clock times belong to trains, taxis and restaurant tables, never to a hotel stay
    "other": r"police|hospital|go to|get to|\d{1,2}:\d\d|\d{1,2} ?(?:am|pm)",
}
_HOTEL = (r"hotels?|guest ?houses?|place to stay|somewhere to stay|lodging|accommodations?|rooms?|b ?& ?b"
          r"|bed and breakfast|star|nights?|wifi|wi-fi|internet|parking|stay(?:ing)?")
_DOMAIN_PATTERNS = {"hotel": re.compile(rf"\b(?:{_HOTEL})\b")} | {
    name: re.compile(rf"\b(?:{pattern})(?:s|es)?\b") for name, pattern in _OTHER_DOMAINS.items()
}
_CLAUSE_SPLIT = re.compile(r"(?<=[.?!;])\s+|\s+(?:and )?also\s+|\s+then\s+|\s*,\s*(?:and|but)\s+")

AREA_WORDS: dict[str, str] = _WORDS.area_words
PRICE_WORDS: dict[str, str] = _WORDS.price_words
_TYPE_GUESTHOUSE = re.compile(r"\b(?:guest ?houses?|bed and breakfasts?|b ?& ?b)\b")
_TYPE_HOTEL = re.compile(r"\b(?:(?:type|kind) of hotel|(?:regular|proper|normal|real) hotel"
                         r"|(?:it is|is|it 's|how about) a hotel|^(?:yes ,? )?a hotel\b"
                         r"|(?:be a|be an|an actual|a real|a full) hotel"
                         r"(?! (?:called|named))|hotels? (?:type|rather|instead)|not a guest ?house)\b")
_LOOSE_HOTEL = re.compile(r"\b(?:(?:star|cheap|moderate|moderately priced|expensive|upscale|luxury) hotels?"
                          r"|hotels? (?:in the|with|that|which))\b")
_STAR_COUNT = r"\d|one|two|three|four|five|zero|no"
_STARS = re.compile(rf"\b({_STAR_COUNT})[ -]?stars?\b|\bstars? (?:rating )?(?:of )?({_STAR_COUNT})\b"
                    rf"|\b(?:rated|rating of) ({_STAR_COUNT})\b")
_COUNT = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a couple of|a couple"
_PEOPLE = re.compile(rf"\b({_COUNT})\s+(?:people|peop\w*|persons?|guests?|adults?|of us|ppl|individuals)\b"
                     rf"|\b(?:party|group|family) of ({_COUNT})\b|\bfor ({_COUNT})(?: ?,| and| for| starting| from"
                     rf"| on| beginning| arriving|$)")
_ALONE = re.compile(rf"\b(?:{alternation(_WORDS.alone)})\b")
_STAY = re.compile(rf"\b({_COUNT}|single)\s+(?:nights?|days?)\b")
_BARE_NUMBER = re.compile(rf"^\s*(?:(?:it|that|it 's|it is|make it|just|for|we have|there are|there will be)\s+)?"
                          rf"({_COUNT}|zero)\s*(?:please|,|\.|$)")
_DONTCARE = re.compile(r"\b(?:do n'?t care|don'?t care|doesn'?t matter|does n'?t matter|does not matter|no preference"
                       r"|any(?:thing| one| of them)? (?:is|would be) (?:fine|ok|okay|great)"
                       r"|not picky|either (?:is|one)"
                       r"|whichever|no particular|i don'?t mind|i do n'?t mind|not really|any will do|whatever)\b")
_ANY_SLOT = {"area": re.compile(r"\b(?:any (?:area|part|where|location|side)|anywhere|area does n'?t matter"
                                r"|area doesn'?t matter|(?:area|location|part of town)[^.?!]{0,25}(?:matter|care))"),
             "pricerange": re.compile(r"\b(?:any price|price (?:range )?(?:does n'?t|doesn'?t|does not) matter"
                                      r"|(?:price|cost)[^.?!]{0,25}(?:matter|care)|no particular price)"),
             "stars": re.compile(r"\b(?:any star|star rating[^.?!]{0,20}(?:matter|care)|stars? (?:does n'?t|doesn'?t)"
                                 r" matter)"),
             "type": re.compile(r"\b(?:any type|either a hotel or|hotel or (?:a )?guest ?house[^.?!]{0,15}fine)"),
             "parking": re.compile(r"\bparking[^.?!]{0,20}(?:does n'?t matter|doesn'?t matter|do n'?t care|optional)"),
             "internet": re.compile(r"\b(?:internet|wifi)[^.?!]{0,20}(?:does n'?t matter|doesn'?t matter|optional)")}
_SLOT_WORDS = {"area": r"area|part of (?:town|the city)|location|side of town|where",
               "pricerange": r"price(?: range)?|cost|budget", "stars": r"stars?(?: rating)?|rating",
               "type": r"type|guest ?house or|hotel or", "parking": r"parking", "internet": r"internet|wifi"}
_DONTCARE_PHRASE = (r"(?:no (?:particular )?preference|open to|do n'?t care|don'?t care|doesn'?t matter"
                    r"|does n'?t matter|does not matter|open to any|not picky|do n'?t mind|don'?t mind)")
_DONTCARE_NEAR = {slot: re.compile(rf"\b{_DONTCARE_PHRASE}\b[^.?!,]{{0,30}}\b(?:{words})\b"
                                   rf"|\b(?:{words})\b[^.?!,]{{0,20}}\b{_DONTCARE_PHRASE}\b")
                  for slot, words in _SLOT_WORDS.items()}
_NEGATED = r"(?:\b(?:no|not|without|dont)\b|n't\b)"  # word-bounded: "want" must not read as "n't"
_TYPE_EITHER = re.compile(r"\b(?:hotel or (?:a )?guest ?house|guest ?house or (?:a )?(?:\w+ )?hotel)\b")
_PARKING = re.compile(r"\bparking\b")
_INTERNET = re.compile(r"\b(?:wifi|wi-fi|internet|wireless)\b")
_QUESTION = re.compile(r"\b(?:does|do|is|are|has|have|can you tell|could you tell|tell me|let me know|i need to know"
                       r"|what|whether|if|which|how|get|give me|may i|can i)\b[^.?!]*"
                       r"\b(?:it|they|that|this|there|the)\b")
_ATTRIBUTES = {"address": r"address|where is|located", "phone": r"phone|phone number|telephone|contact number",
               "postcode": r"post ?code|zip", "parking": r"parking", "internet": r"wifi|wi-fi|internet",
               "pricerange": r"price range|how much|cost|price", "stars": r"stars?|rating",
               "area": r"area|part of town",
               "type": r"type|kind of"}
_SANE = 10_000  # counts pass through up to here; the scenario's own bounds are the engine's to explain
_CONTACT = ("address", "phone", "postcode")
_DETAILS = re.compile(r"\b(?:tell me (?:more )?about|information (?:on|about)|info (?:on|about)"
                      r"|details (?:of|on|about)|know more about)\b")
_GENERIC_TAIL = r"(?:Hotel|Guest ?[Hh]ouse|Guesthouse|Lodge|Inn|B&B|Bed and Breakfast)"
_UNKNOWN_NAME = re.compile(rf"\b((?:[A-Z][\w'&-]*\s+){{1,4}}{_GENERIC_TAIL})\b"
                           r"|\b(?:called|named)\s+((?:the\s+)?[A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*){0,4})")
_ABOUT_ONE = re.compile(r"\b(?:does|do|is|are|has|have|if|whether) (?:it|they|that|this|that one|this one|either"
                        r"|there)\b|\b(?:its|their|it 's)\b")
_ATTRIBUTE_PATTERNS = {name: re.compile(rf"\b(?:{pattern})\b") for name, pattern in _ATTRIBUTES.items()}
_REQUEST_CUE = re.compile(r"\b(?:what is|what 's|what are|can i (?:get|have)|could i (?:get|have)|may i have"
                          r"|give me|tell me|i need the|i 'd like the|i would like the|please provide|does it|do they"
                          r"|is it|is there|are they|does that|does the|do you know)\b")
_SHOW = re.compile(
    r"\b(?:show me|find me|find|look(?:ing)? for|search(?:ing)? for|are there any|list)\b.*"
    r"\b(?:hotels?|guest ?houses?|places|options|b and b)\b"
    r"|\bwhat (?:other )?(?:hotels|guest ?houses|places)\b"
)
_BOOK = re.compile(r"\b(?:book|booking|reserve|reservation|make it for|for (?:\d+|one|two|three|four|five) nights?)\b")
_NO_BOOKING = re.compile(r"\b(?:(?:do not|do n't|don't|no) need (?:a |to )?(?:booking|reservation|book)"
                         r"|not (?:to )?book|book (?:it )?myself|(?:do n't|don't|do not) (?:want to )?book"
                         r"|no booking|later point)")
_CANCEL = re.compile(r"\b(?:cancel|never ?mind|forget it|forget about)\b")
_HAND_OFF = re.compile(r"\b(?:human|real person|an agent|live agent|representative|operator|speak to (?:a|someone)"
                       r"|talk to (?:a|someone))\b")
_AFFIRM = re.compile(rf"^\s*(?:{alternation(_WORDS.affirm_starts)})\b")
_DENY = re.compile(rf"^\s*(?:{alternation(_WORDS.deny_starts)})\b")
_OFFERS_BOOKING = re.compile(r"\b(?:book|reserve|reservation)\b[^.?!]*\?|\bshall i\b|\bwould you like me to\b")
_ASKED = {"area": r"area|part of (?:town|the city)|side of town|where", "pricerange": r"price|budget|cost",
          "stars": r"stars?|rating", "type": r"guest ?house|type|kind of|hotel or",
          "parking": r"parking", "internet": r"internet|wifi", "people": r"how many (?:people|guests|persons)|people",
          "stay": r"how many (?:nights|days)|nights|how long", "day": r"what day|which day|when|day"}
_ASKED_PATTERNS = {slot: re.compile(rf"\b(?:{p})\b") for slot, p in _ASKED.items()}


@dataclass
class EnglishHotelLexicon:
    """Reads English hotel messages; `names` knows the database's hotel names."""

    names: NameMatcher
    # annotation policies, chosen by measurement on the tuning split (see luodi.packs.travel.evaluation)
    loose_hotel_type: bool = False  # "a cheap hotel" sets type=hotel, not only "a hotel, not a guesthouse"
    questions_set_constraints: bool = True  # "does it have free parking?" also sets parking=yes
    questions_about_it_ask: bool = False  # "does it have parking?" only asks (MultiWOZ's annotators often add it)
    asked_name_fills_free_slot: bool = True  # "what is the Acorn's postcode?" makes it the hotel, if none is yet
    book_refers_to_shown: bool = True  # "book it" names the hotel the last reply showed
    request_refers_to_shown: bool = False  # "what is the address?" names the hotel the last reply showed

    def read(self, message: str, last_reply: str = "") -> Reading:
        text = _clean(message)
        reply = _clean(last_reply)
        reading = Reading()
        if not re.search(r"[a-z]", text):
            return reading  # empty, digits-only noise or another script: nothing justified here
        reading.hand_off = bool(_HAND_OFF.search(text))
        reading.cancel = bool(_CANCEL.search(text))
        reading.affirm = bool(_AFFIRM.search(text))
        reading.deny = not reading.affirm and bool(_DENY.search(text))
        reply_domain = domain_of(reply) or "hotel"
        domain = reply_domain
        reading.in_domain = False
        reading.details = _DETAILS.search(text) is not None
        for clause in (c for c in _CLAUSE_SPLIT.split(text) if c.strip()):
            names = self.names.find(clause)
            # a hotel named in a taxi or train request is a place, not the hotel the user is after
            cue = domain_of(clause)
            domain = "hotel" if names and cue not in ("taxi", "train") else (cue or domain)
            if domain == "hotel":
                reading.in_domain = True
                self._read_clause(clause, names, reading)
        if reading.in_domain and not reading.entities and reading.subject is None:
            reading.subject = _unknown_name(message)  # the engine can then say it knows no such hotel
        if reading.affirm and not reading.informs and _OFFERS_BOOKING.search(reply) and reply_domain == "hotel":
            reading.book = True
        if (reading.book or reading.declined_booking or reading.requests) and not reading.entities \
                and reading.subject is None:
            reading.refers_to_shown = True  # "book it", "what is the address": the entity the reply showed
            # "I don't need a booking, just the address" still settles on the hotel offered
            chose = reading.book or reading.declined_booking
            reading.adopt_shown = (chose and self.book_refers_to_shown) or (
                bool(reading.requests) and self.request_refers_to_shown)
        self._answer_to_question(text, reply, reply_domain, reading)
        return reading

    def values_anywhere(self, message: str) -> Reading:
        """Every slot value the message's words carry, whatever domain a clause is about, with the loose type
        reading: the candidates a trained understander chooses among (`luodi.packs.travel.trained`)."""
        reading = Reading()
        for clause in (c for c in _CLAUSE_SPLIT.split(_clean(message)) if c.strip()):
            names = self.names.find(clause)
            stripped = _without_names(clause, names)
            _read_constraints(stripped, reading, loose_hotel_type=True)
            _read_booking(stripped, reading)
            reading.entities.extend(n for n in names if n not in reading.entities)
        return reading

    def _read_clause(self, clause: str, names: list[str], reading: Reading) -> None:
        before = len(reading.informs)
        stripped = _without_names(clause, names)  # "alexander bed and breakfast" is a name, not a type
        _read_constraints(stripped, reading, self.loose_hotel_type)
        booked_before = reading.book
        _read_booking(stripped, reading)
        question = bool(_REQUEST_CUE.search(clause) and _QUESTION.search(clause))
        if not question:
            reading.entities.extend(n for n in names if n not in reading.entities)
            # nobody searches by address or phone number: naming one is asking for it
            reading.requests.extend(a for a in _CONTACT if _ATTRIBUTE_PATTERNS[a].search(stripped)
                                    and a not in reading.requests)
            return
        asked = [a for a, p in _ATTRIBUTE_PATTERNS.items() if p.search(stripped)]
        reading.requests.extend(a for a in asked if a not in reading.requests)
        about_one = bool(names) or (self.questions_about_it_ask and _ABOUT_ONE.search(clause) is not None)
        if names and reading.book == booked_before:
            # "does the Lensfield have internet?" asks about it; choosing it is another matter (see Reading)
            reading.subject = names[-1]
            reading.adopt_subject = self.asked_name_fills_free_slot
        else:
            reading.entities.extend(n for n in names if n not in reading.entities)
        if about_one or not self.questions_set_constraints:
            # a question about one hotel does not constrain the search ("does it have parking?")
            kept = [(slot, value) for slot, value in reading.informs[before:] if slot not in asked]
            reading.informs[before:] = kept

    def _answer_to_question(self, text: str, reply: str, reply_domain: str, reading: Reading) -> None:
        """Short answers ("no preference", "4", "any") fill the slot the last reply asked about."""
        if reply_domain != "hotel":
            return
        asked = asked_slots(reply)
        if not asked:
            return
        said = {slot for slot, _ in reading.informs}
        if _DONTCARE.search(text) and (DONTCARE not in {value for _, value in reading.informs}):
            for slot in asked:
                if slot in ("area", "pricerange", "stars", "type", "parking", "internet") and slot not in said:
                    reading.inform(slot, DONTCARE)
                    break
        bare = _BARE_NUMBER.search(text)
        if bare and not said & {"people", "stay", "stars"}:
            for slot in ("people", "stay", "stars"):
                if slot in asked:
                    reading.inform(slot, normalize_count(_as_digits(bare.group(1)), 0 if slot == "stars" else 1,
                                                         5 if slot == "stars" else 30))
                    break


def _read_constraints(clause: str, reading: Reading, loose_hotel_type: bool) -> None:
    start = len(reading.informs)
    reading.inform("area", _first_word_value(clause, AREA_WORDS))
    reading.inform("pricerange", _first_word_value(clause, PRICE_WORDS))
    stars = _STARS.search(clause)
    if stars:
        reading.inform("stars", normalize_count(_as_digits(next(g for g in stars.groups() if g)), 0, 5))
    if not _TYPE_EITHER.search(clause):  # a later clause may change the type ("…guest houses? no, a hotel")
        if _TYPE_GUESTHOUSE.search(clause) and not re.search(
                rf"(?:{_NEGATED}|as opposed to|rather than|instead of|fan of)[^.?!]{{0,12}}guest ?house", clause):
            reading.inform("type", "guesthouse")
        elif _TYPE_HOTEL.search(clause) or (loose_hotel_type and _LOOSE_HOTEL.search(clause)):
            reading.inform("type", "hotel")
    for slot, pattern in (("parking", _PARKING), ("internet", _INTERNET)):
        match = pattern.search(clause)
        if match:
            reading.inform(slot, _amenity_value(clause, match.start(), match.end()))
    # "it doesn't matter, but a 4 star please": a stated value beats an indifference phrase near the slot word
    stated = {slot for slot, _ in reading.informs[start:]}
    for slot, pattern in _ANY_SLOT.items():
        if slot not in stated and (pattern.search(clause) or _DONTCARE_NEAR[slot].search(clause)):
            reading.inform(slot, DONTCARE)


def _amenity_value(clause: str, start: int, end: int) -> str:
    """"free parking" -> yes; "no parking" / "don't need wifi" -> no; "don't care about parking" -> dontcare."""
    before, after = clause[max(0, start - 30) : start], clause[end : end + 30]
    negation = r"(?:do n'?t|don'?t|does n'?t|doesn'?t|do not|does not|no|wo n'?t|won'?t|should n'?t|shouldn'?t)"
    if re.search(rf"\b{negation} (?:really )?(?:care|mind)\b", before) or re.search(
            r"^\s*(?:does n'?t|doesn'?t|does not|is not|is n't|isn'?t) (?:really )?(?:matter|important)", after):
        return DONTCARE
    if re.search(rf"\b{negation} (?:really )?(?:need|require|want)\b|\bnot (?:necessary|needed|required)\b", before) \
            or re.search(r"^\s*(?:does n'?t|doesn'?t|does not|is not|is n't|isn'?t) (?:really )?(?:need|necessary)",
                         after) or re.search(r"\b(?:no|without|not have|n't have)\s+(?:free\s+)?$", before):
        return "no"
    return "yes"


def _read_booking(clause: str, reading: Reading) -> None:
    reading.show = reading.show or _SHOW.search(clause) is not None
    if _BOOK.search(clause):
        declined = _NO_BOOKING.search(clause) is not None
        reading.book = reading.book or not declined
        reading.declined_booking = reading.declined_booking or declined
    day = normalize_day(clause) if re.search(r"\b(?:(?!today)[a-z]+day|mon|tue|wed|thu|fri|sat|sun|tomorrow"
                                             r"|the \d+(?:st|nd|rd|th))\b", clause) else None
    # "the 31st of February" is kept as said, so the engine answers that it is no date instead of asking again
    reading.inform("day", day or impossible_date(clause))
    people = _PEOPLE.search(clause)
    if people:
        reading.inform("people", normalize_count(_as_digits(next(g for g in people.groups() if g)), 0, _SANE))
    elif _ALONE.search(clause):
        reading.inform("people", "1")
    stay = _STAY.search(clause)
    if stay:
        reading.inform("stay", normalize_count(_as_digits(next(g for g in stay.groups() if g)), 0, _SANE))


def _unknown_name(message: str) -> str | None:
    """A capitalised name the database does not know ("the Nonexistent Palace Hotel", "called Ritz")."""
    match = _UNKNOWN_NAME.search(message)
    if match is None:
        return None
    name = (match.group(1) or match.group(2)).strip()
    return None if name.split()[0].lower() in _NOT_NAME_STARTS else name


def _without_names(clause: str, names: list[str]) -> str:
    """The clause without the words of the names in it, so "alexander bed and breakfast" sets no type."""
    words = {w for name in names for w in name.split()}
    if not words:
        return clause
    return re.sub(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b", " ",
                  clause)


def _first_word_value(clause: str, lexicon: dict[str, str]) -> str | None:
    """The value of the earliest lexicon word in the clause that is not negated ("not in the north")."""
    for match in _words_pattern(tuple(lexicon)).finditer(clause):
        if not _looks_negated(clause, match.start()):
            return lexicon[match.group(0)]
    return None


@lru_cache(maxsize=16)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    # one alternation, longest first, instead of a search per word: this runs on every clause of every message
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b")


def _looks_negated(clause: str, position: int) -> bool:
    before = clause[max(0, position - 20) : position]
    return re.search(r"\b(?:not|n't|no|rather than|instead of|other than|as opposed to)\s+(?:\w+\s+)?$",
                     before) is not None


def asked_slots(reply: str) -> list[str]:
    """The hotel slots the reply's (first) question asks about: what a bare "4" or "any" answers."""
    if "?" not in reply:
        return []
    question = reply.split("?")[0][-120:]
    return [slot for slot, pattern in _ASKED_PATTERNS.items() if pattern.search(question)]


def domain_of(text: str) -> str | None:
    """The travel domain a text talks about, the earliest cue winning; None when it names none."""
    best: tuple[int, str] | None = None
    for name, pattern in _DOMAIN_PATTERNS.items():
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), name)
    return best[1] if best else None


def _as_digits(word: str) -> str:
    from luodi.dialogue.normalizers import word_to_int

    word = word.strip()
    if word in ("a couple of", "a couple"):
        return "2"
    if word == "no":
        return "0"
    value = word_to_int(word)
    return str(value) if value is not None else word


def _clean(text: str) -> str:
    text = text.lower().replace("’", "'").replace("\u00a0", " ").replace("n ' t ", "n't ")
    return re.sub(r"\s+", " ", text).strip()
