"""Names of managers and companies that the exact patterns did not find: typo-tolerant resolution, and the
"name slots" ("managed by ...", "基金经理...", "...旗下") whose text, when it names nobody in the database,
becomes a question back naming that text instead of a guessed (or silently dropped) condition.

Fuzzy matching is deliberately narrow for managers: 600 two-syllable pinyin names sit one or two letters
apart ("Zhang Wei" is 89% like "Huang Wei"), so a manager is only matched through spacing, order, case and
one swap of adjacent letters in one part ("Zhang Jnig"); anything looser is offered as a suggestion, never
applied. Company brands are few and long, so an ordinary similarity score with a margin is safe for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds import markers
from luodi.packs.funds.database import Directory
from luodi.packs.funds.vague import vague_words

COMPANY_SCORE = 85.0  # rapidfuzz ratio for a company brand typo ("Huasehng")
SUGGESTION_SCORE = 70.0
# words that end a name: articles, pronouns, auxiliaries and question words a question wraps a name in
FILLER = lx.NAME_FILLER
EN_NAME = r"(?P<name>[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*){0,2})"
# slots that say a name follows: any text there that names nobody is asked about
EN_EXPLICIT_SLOTS = (
    rf"(?<![a-z])(?:managed|run|handled|overseen|operated|helmed|led|steered) by\s+(?:manager\s+)?{EN_NAME}",
    rf"(?<![a-z])(?:fund )?manager(?:'s name)?\s+(?:is\s+|named\s+|called\s+|=\s*|:\s*)?{EN_NAME}",
    rf"(?<![a-z])(?:company|fund house|asset manager|issuer|provider|sponsor)\s+(?:(?:is|named|called)\s+)?{EN_NAME}",
    rf"(?<![a-z])(?:issued|offered|launched|sponsored|provided|sold) by\s+{EN_NAME}",
    rf"(?<![a-z])(?:does|did) {EN_NAME}\s+(?:manage|run|handle|oversee)",
)
# slots where the name comes before the word that marks it: the name is the last words before it
EN_NAME_BEFORE = (rf"(?<![a-z]){EN_NAME}'s?\s+(?:funds?|etfs?|products?|portfolios?)",)
# slots where only a capitalized word is taken for a name ("funds from Vanguard", "Fidelity funds")
EN_CAPITALIZED_SLOTS = (rf"(?<![a-z])(?:from|by|of|at)\s+{EN_NAME}",)
EN_CAPITALIZED_BEFORE = (
    rf"(?<![a-z]){EN_NAME}\s+(?:funds?|fund (?:company|management)|asset management|amc|etfs?)(?![a-z])",
)
# the common Chinese surnames: where a name starts when nothing else marks its beginning ("找一下张三管理的")
ZH_SURNAMES = lx.SURNAME_CHARACTERS
ZH_NAME_PREFIX = r"(?:基金经理|经理)(?:是|为|叫|名叫)?"
ZH_SLOTS = (
    rf"{ZH_NAME_PREFIX}(?P<name>[\u4e00-\u9fff]{{2,3}}?)(?=管理|负责|掌管|执掌|在管|的|旗下|$|\s|[,，。?？])",
    rf"(?P<name>[{ZH_SURNAMES}][\u4e00-\u9fff]{{1,2}})(?=(?:管理|负责|掌管|执掌|在管|打理)的)",
    r"(?P<name>[\u4e00-\u9fff]{2,6}?)(?=(?:基金管理公司|基金公司|资产管理公司|资管|公司|旗下))",
)
# characters a Chinese name slot may have picked up from the words around it
ZH_AFFIXES = lx.NAME_AFFIX_CHARACTERS
# ordinary words a Chinese slot picks up before the word that marks it ("推荐几家大公司", "哪家公司旗下",
# "由哪位经理管理"): what is left after them is the name, and nothing left (or one character) is no name
ZH_ORDINARY = re.compile(
    r"^(?:推荐|介绍|找找?|看看?|查查?|列出|给我|帮我|我想|想要|有没有|几家|哪几家|哪家|哪位|哪个|这家|那家|各家|"
    r"每家|所有|一些|一下|大型?|小型?|头部|知名|优秀|好的?|公司|管理|基金|经理|资管|旗下|家|位)+"
)
# English words that describe a manager or company rather than name one ("run by Experienced managers"), and
# the endings of English adjectives and nouns that no pinyin name has
EN_ORDINARY = lx.ORDINARY_NAME_WORDS
EN_ORDINARY_ENDINGS = lx.ORDINARY_NAME_ENDINGS


@dataclass(frozen=True)
class NameMatch:
    column: str  # "manager" or "company"
    value: str  # the value stored in funds.manager / funds.company


@dataclass(frozen=True)
class Slot:
    start: int
    end: int
    name: str
    kind: str  # "manager" / "company" / "any"


def compact(text: str) -> str:
    return re.sub(r"[\s'’\-_.·]", "", text.lower())


class NameBook:
    """Resolves a piece of text to one manager or company, or says it names nobody (with close suggestions)."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    @cached_property
    def _managers(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        for english, chinese in self.directory.managers.items():
            surname, given = english.lower().split(" ", 1)
            keys[compact(surname + given)] = english
            keys[compact(given + surname)] = english
            keys[chinese] = english
        return keys

    @cached_property
    def _companies(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        for english, chinese in self.directory.companies.items():
            brand = english.lower().removesuffix(" fund")
            for suffix in ("", *lx.RESOLVED_COMPANY_SUFFIXES):
                keys[compact(brand + suffix)] = english
            keys[chinese] = english
            keys[chinese.removesuffix("基金")] = english
        return keys

    def resolve(self, text: str, kind: str = "any") -> NameMatch | None:
        key = compact(text)
        if not key:
            return None
        if kind in ("manager", "any") and key in self._managers:
            return NameMatch("manager", self._managers[key])
        if kind in ("company", "any", "manager") and key in self._companies:
            return NameMatch("company", self._companies[key])  # "managed by Huasheng": a company manages too
        if kind in ("manager", "any"):
            manager = self._swapped_manager(text)
            if manager:
                return NameMatch("manager", manager)
        company = self._fuzzy_company(key)
        return NameMatch("company", company) if company else None

    def _swapped_manager(self, text: str) -> str | None:
        """ "Zhang Jnig": one part exact, the other one adjacent-letter swap away, and only one such manager."""
        parts = text.lower().split()
        if len(parts) != 2:
            return None
        found = {
            english
            for english in self.directory.managers
            for order in (english.lower().split(), english.lower().split()[::-1])
            if _one_part_swapped(parts, order)
        }
        return found.pop() if len(found) == 1 else None

    def _fuzzy_company(self, key: str) -> str | None:
        from rapidfuzz import fuzz, process

        if len(key) < 5:
            return None
        best = process.extract(key, list(self._companies), scorer=fuzz.ratio, limit=5)
        if not best or best[0][1] < COMPANY_SCORE:
            return None
        winner = self._companies[best[0][0]]
        rivals = [b for b in best[1:] if self._companies[b[0]] != winner and b[1] > best[0][1] - 5]
        return None if rivals else winner

    def suggestions(self, text: str, limit: int = 3) -> list[str]:
        """Close names to offer in the question back ("did you mean ...?"), never applied on their own."""
        from rapidfuzz import fuzz, process

        key = compact(text)
        pool = {**self._managers, **self._companies}
        found = process.extract(key, list(pool), scorer=fuzz.ratio, limit=limit * 4, score_cutoff=SUGGESTION_SCORE)
        return list(dict.fromkeys(pool[k] for k, _score, _index in found))[:limit]


def _one_part_swapped(said: list[str], known: list[str]) -> bool:
    same = [a == b for a, b in zip(said, known, strict=True)]
    if all(same) or not any(same):
        return False
    a, b = next((x, y) for x, y, s in zip(said, known, same, strict=True) if not s)
    return len(a) == len(b) >= 3 and any(a == b[:i] + b[i + 1] + b[i] + b[i + 2 :] for i in range(len(b) - 1))


@cache
def known_words() -> frozenset[str]:
    """Every word the lexicon and the vague words use: none of them starts or continues a name."""
    sources: list[str] = [lx.UNIT, *lx.SUPERLATIVE_COLUMNS]
    for table in (lx.COLUMN_WORDS, lx.CATEGORY_WORDS, lx.PREFIX_COMPARATORS, lx.POSTFIX_COMPARATORS):
        sources += [w for words in table.values() for w in words]
    sources += [w for words in lx.FLAG_WORDS.values() for w in words]
    for listed in (lx.DESCENDING_WORDS, lx.ASCENDING_WORDS, lx.HIGH_SUPERLATIVES, lx.LOW_SUPERLATIVES, lx.SORT_VERBS,
                  lx.PAGING_WORDS, lx.REMOVE_WORDS, lx.COUNT_WORDS, lx.INCLUDE_WORDS, lx.REVERSE_WORDS,
                  lx.RESET_WORDS, lx.REFINE_WORDS, lx.COMPARE_WORDS, lx.SHOWN_REFERENCES, lx.NEGATIONS,
                  lx.SUPERLATIVE_ONLY, lx.BEST_WORDS, lx.WORST_WORDS, lx.POSTFIX_NEGATIONS, lx.POSTFIX_REMOVE_WORDS,
                  lx.PREVIOUS_PAGE_WORDS,
                  *lx.FLAG_COLUMN_WORDS.values()):  # fmt: skip
        sources += listed
    sources += [*markers.REFINE_ANYWHERE, markers.START_MARKERS]
    sources += [pattern for pattern, _months in lx.HORIZON_PATTERNS]
    sources += [en for en, _zh in lx.NAME_THEMES]
    sources += [p for word in vague_words() for p in word.phrases]
    found = {w for source in sources for w in re.findall(r"[a-z]{2,}", source.lower())}
    return frozenset(found | FILLER | set(lx.YEARS_WORDS))


def name_slots(text: str, original: str) -> list[Slot]:
    """Places in the (partly consumed) text where a manager or company name is said to follow, with the words
    that stand there; the words the lexicon knows end a name, so "funds from the last year" has none."""
    slots: list[Slot] = []
    for patterns, capitalized, before in (
        (EN_EXPLICIT_SLOTS, False, False),
        (EN_NAME_BEFORE, False, True),
        (EN_CAPITALIZED_SLOTS, True, False),
        (EN_CAPITALIZED_BEFORE, True, True),
    ):
        for pattern in patterns:
            for match in re.finditer(pattern, text):
                words = match.group("name").split()
                if before:  # "Hua Sheng Fund bond funds": the brand's own "Fund" is part of the name
                    while words and words[-1] in ("fund", "funds"):
                        words.pop()
                taken = _name_words(words[::-1])[::-1] if before else _name_words(words)
                if not capitalized and not before:  # "managed by A Low": a proper noun even of common words
                    taken = _proper_run(words, original) or taken
                name = " ".join(taken)
                if _could_be_name(name) and (not capitalized or _capitalized(name, original)):
                    slots.append(Slot(match.start("name"), match.end("name"), name, _kind(match.group())))
    for pattern in ZH_SLOTS:
        for match in re.finditer(pattern, text):
            name = ZH_ORDINARY.sub("", match.group("name").lstrip(ZH_AFFIXES))
            if len(name) >= 2 and not ZH_ORDINARY.fullmatch(name):
                start = match.end("name") - len(name)
                slots.append(Slot(start, match.end("name"), name, _kind(match.group() + text[match.end() :][:4])))
    return _outermost(slots)


def _could_be_name(name: str) -> bool:
    """Not a name: a letter or two ("Q1"), or only ordinary English words ("Experienced")."""
    words = re.findall(r"[a-z][a-z'-]*", name.lower())
    if sum(len(w) for w in words) < 3:
        return False
    return not all(w in EN_ORDINARY or (len(w) > 5 and w.endswith(EN_ORDINARY_ENDINGS)) for w in words)


def _name_words(words: list[str]) -> list[str]:
    """The words from the slot's side up to one the lexicon knows: "john smith with" -> "john smith"."""
    taken: list[str] = []
    for word in words:
        bare = word.removesuffix("'s").strip("'-")
        if not bare or bare in known_words():
            break
        taken.append(bare)
    return taken


def _proper_run(words: list[str], original: str) -> list[str]:
    taken: list[str] = []
    for word in words:
        bare = word.removesuffix("'s").strip("'-")
        if not bare or not _capitalized(bare, original) or bare in FILLER - {"a", "an"}:
            break
        taken.append(bare)
    return taken


def _capitalized(name: str, original: str) -> bool:
    """A proper noun in the user's own writing: "Vanguard" in "funds from Vanguard", not "funds from home"."""
    return all(
        re.search(rf"(?<![A-Za-z]){re.escape(word[0].upper())}{re.escape(word[1:])}(?![a-z])", original) is not None
        for word in name.split()
    )


def _kind(context: str) -> str:
    if re.search(r"manag|run |handled|overseen|operated|helmed|led |steered|经理|负责|掌管|执掌|在管|打理", context):
        return "manager"
    if re.search(r"company|house|issuer|provider|sponsor|issued|offered|公司|旗下|资管|amc|asset", context):
        return "company"
    return "any"


def _outermost(slots: list[Slot]) -> list[Slot]:
    """Overlapping slots ("managed by John Smith's"): the earliest, longest one."""
    kept: list[Slot] = []
    for slot in sorted(slots, key=lambda s: (s.start, -(s.end - s.start))):
        if not any(slot.start < k.end and k.start < slot.end for k in kept):
            kept.append(slot)
    return kept
