"""The rules understander's entity stages: names and entities, what a message is about.

Fund codes and fund names (matched against the database's own names, spacing forgiven), sector and index themes
("CSI 300", "新能源": a condition on the fund name), managers and companies (exact names, with a negation before
or after excluding them; text where a name should stand that no exact name claims is resolved by the `NameBook`
or asked back about), and fund categories (included, or excluded by a negation). Each stage is a method of
`EntityStages`, a part of `understanding.RuleUnderstander`; it consumes the words it reads from the `Text`.
"""

from __future__ import annotations

import re
from functools import cached_property

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.database import Directory
from luodi.packs.funds.names import NameBook, name_slots
from luodi.packs.funds.normalize import CJK, Text
from luodi.packs.funds.query import Condition
from luodi.packs.funds.reading import (
    Reading,
    add_name,
    add_once,
    bounded,
    negated_items,
)

THEME_PATTERNS = {rf"{re.escape(en.lower())}|{re.escape(zh)}": en for en, zh in lx.NAME_THEMES} | {
    r"tech": "Tech",
    r"health ?care|medical": "Healthcare",
    r"nasdaq": "Nasdaq",
}


class EntityStages:
    """The stages that read fund codes, fund names, themes, managers, companies and categories."""

    directory: Directory
    names: NameBook

    @cached_property
    def _managers(self) -> tuple[re.Pattern[str], dict[str, str]]:
        names: dict[str, str] = {}
        for english, chinese in self.directory.managers.items():
            surname, given = english.lower().split(" ", 1)
            names[f"{surname} {given}"] = english
            names[f"{given} {surname}"] = english
            names[chinese] = english
        return bounded([re.escape(n) for n in names]), names

    @cached_property
    def _companies(self) -> tuple[re.Pattern[str], dict[str, str]]:
        names: dict[str, str] = {}
        for english, chinese in self.directory.companies.items():
            brand = english.lower().removesuffix(" fund")
            for suffix in ("", *(f" {suffix}" for suffix in lx.COMPANY_SUFFIXES)):
                names[brand + suffix] = english
            names[chinese] = english
            names[chinese.removesuffix("基金") + "基金公司"] = english
        # a bare Chinese brand ("和信") could be part of another word ("和信用债"): it needs a context word
        brands_zh = {chinese.removesuffix("基金"): english for english, chinese in self.directory.companies.items()}
        zh_bare = "|".join(re.escape(b) for b in brands_zh)
        pattern = rf"{bounded([re.escape(n) for n in names]).pattern}|(?:{zh_bare})(?=旗下|家|的|发行|管理|公司)"
        names.update(brands_zh)
        return re.compile(pattern), names

    @cached_property
    def _fund_names(self) -> dict[str, list[str]]:
        """Fund names by their first word (English) or first two characters (Chinese), longest first, so a
        message is only compared with the names of the brands it mentions."""
        by_key: dict[str, list[str]] = {}
        for name in sorted(self.directory.fund_names, key=len, reverse=True):
            by_key.setdefault(_name_key(name), []).append(name)
        return by_key

    def _funds(self, text: Text, reading: Reading) -> None:
        keys = set(re.findall(r"[a-z]+", text.value)) | {text.value[i : i + 2] for i in range(len(text.value) - 1)}
        candidates = [name for key in keys & self._fund_names.keys() for name in self._fund_names[key]]
        found: list[tuple[int, str]] = []
        for name in sorted(candidates, key=len, reverse=True):
            span = _name_span(text.value, name)
            if span is not None:
                found.append((span[0], self.directory.fund_names[name]))
                text.consume(*span)
        for match in text.finditer(r"(?<![\d.])\d{6}(?![\d%亿万元])"):
            if match.group() in self.directory.codes:
                found.append((match.start(), match.group()))
                text.consume(*match.span())
        reading.codes = [code for _, code in sorted(found)]  # in the order the user named them
        reading.codes = list(dict.fromkeys(reading.codes))

    def _themes(self, text: Text, reading: Reading) -> None:
        """Sector and index themes ("CSI 300", "healthcare", "新能源") are in fund names: a name condition."""
        for match in text.take(bounded(list(THEME_PATTERNS))):
            english = next(name for pattern, name in THEME_PATTERNS.items() if re.fullmatch(pattern, match.group()))
            reading.conditions.append(Condition(column="name", op="contains", value=english))
            reading.subject = True

    def _people(self, text: Text, reading: Reading) -> None:
        for pattern, names, column in (
            (*self._managers, "manager"),
            (*self._companies, "company"),
        ):
            matches = text.take(pattern)
            negations = negated_items(text.value, [m.span() for m in matches], reach=32)
            for match, negated in zip(matches, negations, strict=True):
                if negated:  # "excluding anything from Haina Fund", "除了华盛基金和鼎元基金"
                    add_once(reading, Condition(column=column, op="ne", value=names[match.group()]))
                else:
                    add_name(reading, column, names[match.group()])
            if matches:
                # the column word next to a name ("manager Zhang Wei", "基金经理") is spent, not an unknown
                spent = lx.COLUMN_WORDS[column] + (r"managed by", r"run by", r"由", r"管理(?!费)的?", r"旗下")
                text.take(bounded(spent))

    def _named(self, text: Text, message: str, reading: Reading) -> None:
        """Text where a manager or company name is said to stand ("managed by ...", "...旗下") that the exact
        names did not claim: a close spelling of one name becomes its condition, anything else a question back
        naming that text, never a condition that quietly matches nothing or a filter without it."""
        for slot in name_slots(text.value, message):
            found = self.names.resolve(slot.name, slot.kind)
            text.consume(slot.start, slot.end)
            if found is None:
                reading.unknown_names.append(slot.name.title() if slot.name.isascii() else slot.name)
                reading.suggestions += self.names.suggestions(slot.name)
                continue
            if negated_items(text.value, [(slot.start, slot.end)], reach=32)[0]:
                add_once(reading, Condition(column=found.column, op="ne", value=found.value))
            else:
                add_name(reading, found.column, found.value)
            reading.subject = True

    def _categories(self, text: Text, reading: Reading) -> None:
        original = text.value  # before the category words are blanked: a negation reaches only the next one
        found = sorted(
            (match.span(), category)
            for category, words in lx.CATEGORY_WORDS.items()
            for match in text.take(bounded(words))
        )
        included: list[str] = []
        excluded: list[str] = []
        for ((_start, _end), category), negated in zip(
            found, negated_items(original, [span for span, _ in found], reach=14, words=1), strict=True
        ):
            (excluded if negated else included).append(category)
        included = [c for c in dict.fromkeys(included) if c not in excluded]
        if len(included) == 1:
            reading.conditions.append(Condition(column="category", op="eq", value=included[0]))
        elif included:
            reading.conditions.append(Condition(column="category", op="in", value=included))
        for category in dict.fromkeys(excluded):
            reading.conditions.append(Condition(column="category", op="ne", value=category))
        if included or excluded or bounded(lx.FUND_NOUNS).search(text.value):
            reading.subject = True


def _name_span(text: str, name: str) -> tuple[int, int] | None:
    """Where a fund name stands in the text, exactly or with its spacing changed ("CSI300", "csi 300 index a")."""
    index = text.find(name)
    if index >= 0:
        return index, index + len(name)
    compact = name.replace(" ", "")
    if compact not in text.replace(" ", ""):
        return None
    match = re.search(r"\s*".join(re.escape(char) for char in compact), text)
    return match.span() if match else None


def _name_key(name: str) -> str:
    return name[:2] if CJK.match(name) else name.split(" ", 1)[0]
