"""Deterministic normalizers from what users type to a scenario's canonical slot values.

Reusable by every scenario: dates ("the 10th", "tomorrow", "next friday", "周五", "下周一"), numbers (digits,
English words, Chinese numerals such as 两 / 十二 / 二十五), prices and ratings as range strings ("400-500",
">500", "<100"), and fuzzy matching of names to database values. Every function returns None when the text
does not justify a value (an impossible date such as 31 February, a count outside the allowed range), so an
understander can leave the slot empty and the engine asks instead.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ALIASES = {
    **{day: i for i, day in enumerate(WEEKDAYS)},
    **{day[:3]: i for i, day in enumerate(WEEKDAYS)},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}
_CHINESE_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                   "七": 7, "八": 8, "九": 9}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_ENGLISH_NUMBERS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "single": 1, "two": 2, "couple": 2, "pair": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100,
}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30, "thirty-first": 31,
}
CHINESE_NUMERAL = "零〇一二两俩三四五六七八九十百千万"
_CHINESE_NUMBER_RUN = re.compile(f"[{CHINESE_NUMERAL}]+")


# ---------------------------------------------------------------- numbers


def chinese_to_int(text: str) -> int | None:
    """二十五 -> 25, 两 -> 2, 十二 -> 12, 一百零五 -> 105, 2三 -> None; digit strings pass through."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CHINESE_DIGITS and ch not in _CHINESE_UNITS for ch in text):
        return None
    if all(ch in _CHINESE_DIGITS for ch in text) and len(text) > 1:  # read digit by digit: 二零二六
        return int("".join(str(_CHINESE_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CHINESE_DIGITS:
            digit = _CHINESE_DIGITS[ch]
            continue
        unit = _CHINESE_UNITS[ch]
        if unit == 10000:
            total += (section + (digit or 0)) * unit
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * unit  # a leading 十 means 一十
            digit = None
    return total + section + (digit or 0)


def word_to_int(word: str) -> int | None:
    """A single token: "3", "three", "两", "二十五", "3rd" -> the integer, else None."""
    word = word.lower().strip(".,!?;:")
    if word.isdigit():
        return int(word)
    if word in _ENGLISH_NUMBERS:
        return _ENGLISH_NUMBERS[word]
    ordinal = re.fullmatch(r"(\d+)(st|nd|rd|th)", word)
    if ordinal:
        return int(ordinal.group(1))
    if word in _ORDINALS:
        return _ORDINALS[word]
    return chinese_to_int(word)


def normalize_count(text: str, minimum: int = 1, maximum: int = 50) -> str | None:
    """A count of people, nights or rooms as an integer string; None when out of range ("0", "500")."""
    match = re.search(r"\d+", text)
    if match:
        value: int | None = int(match.group())
    else:
        run = _CHINESE_NUMBER_RUN.search(text)
        value = chinese_to_int(run.group()) if run else None
        if value is None:
            value = next((v for v in (word_to_int(w) for w in text.split()) if v is not None), None)
    if value is None or not minimum <= value <= maximum:
        return None
    return str(value)


# ---------------------------------------------------------------- dates


@dataclass(frozen=True)
class DateValue:
    """A weekday the user named ("friday") or a calendar date; `text` is the canonical slot value."""

    weekday: int | None = None
    day: date | None = None

    @property
    def text(self) -> str:
        if self.day is not None:
            return self.day.isoformat()
        return WEEKDAYS[self.weekday or 0]


def _checked_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # 31 February, month 13: an impossible date justifies no value
        return None


def _next_weekday(today: date, weekday: int, weeks_ahead: int) -> date:
    """The given weekday in the current week (weeks_ahead=0, today or later) or a later week."""
    if weeks_ahead == 0:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return monday + timedelta(days=weekday)


def _day_of_month(today: date, day: int, month: int | None) -> date | None:
    """"the 10th": this month if still ahead, else next month; with a month: this year if ahead, else next."""
    if month is not None:
        candidate = _checked_date(today.year, month, day)
        if candidate is not None and candidate < today:
            candidate = _checked_date(today.year + 1, month, day)
        return candidate
    candidate = _checked_date(today.year, today.month, day)
    if candidate is not None and candidate >= today:
        return candidate
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return _checked_date(year, month, day)


_RELATIVE_EN = {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2}
_RELATIVE_ZH = {"今天": 0, "今晚": 0, "明天": 1, "明晚": 1, "后天": 2, "大后天": 3}
_ORDINAL_WORDS = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_WORDS = "|".join(sorted(_WEEKDAY_ALIASES, key=len, reverse=True))
_EN_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_EN_MONTH_DAY = re.compile(
    rf"\b(?:({_MONTH_WORDS})\.?\s+(?:the\s+)?(\d{{1,2}}|{_ORDINAL_WORDS})(?:st|nd|rd|th)?"
    rf"|(?:the\s+)?(\d{{1,2}}|{_ORDINAL_WORDS})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_WORDS}))\b"
)
_EN_THE_NTH = re.compile(rf"\bthe\s+(\d{{1,2}}(?:st|nd|rd|th)|{_ORDINAL_WORDS})\b")
_EN_WEEKDAY = re.compile(rf"\b(?:(this|next|coming|following)\s+)?({_WEEKDAY_WORDS})\b")
_ZH_MONTH_DAY = re.compile(rf"([0-9{CHINESE_NUMERAL}]{{1,3}})月([0-9{CHINESE_NUMERAL}]{{1,3}})[日号]")
_ZH_DAY = re.compile(rf"([0-9{CHINESE_NUMERAL}]{{1,3}})[日号]")
_ZH_WEEKDAY = re.compile(r"(下下|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天七])")


def parse_date(text: str, today: date | None = None) -> DateValue | None:
    """The first date expression in `text`, or None (also for impossible dates such as 31 February)."""
    today = today or date.today()
    lowered = text.lower()
    for parse in (_parse_zh_date, _parse_en_date):
        found, value = parse(lowered, today)
        if found:
            return value
    return None


def impossible_date(text: str, today: date | None = None) -> str | None:
    """The words of a date expression that names no day ("the 31st of February", "2月30日"), so that a reply can
    say so instead of silently asking for the day again; None when the text has no such expression."""
    today = today or date.today()
    lowered = text.lower()
    # each parser with its calendar patterns in the order it tries them, so the words named are the ones it read
    for parse, patterns in ((_parse_zh_date, (_ZH_MONTH_DAY, _ZH_DAY)),
                            (_parse_en_date, (_EN_ISO, _EN_MONTH_DAY, _EN_THE_NTH))):
        found, value = parse(lowered, today)
        if found:
            if value is not None:
                return None
            match = next((m for p in patterns if (m := p.search(lowered))), None)
            return match.group(0) if match else None
    return None


def _parse_en_date(text: str, today: date) -> tuple[bool, DateValue | None]:
    if (iso := _EN_ISO.search(text)) is not None:
        year, month, day = (int(g) for g in iso.groups())
        return True, _date_value(_checked_date(year, month, day))
    for phrase, offset in sorted(_RELATIVE_EN.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{phrase}\b", text):
            return True, DateValue(day=today + timedelta(days=offset))
    if (month_day := _EN_MONTH_DAY.search(text)) is not None:
        month_word, day_word = month_day.group(1) or month_day.group(4), month_day.group(2) or month_day.group(3)
        number = word_to_int(day_word)
        return True, _date_value(_day_of_month(today, number or 0, _MONTHS[month_word]))
    if (weekday := _EN_WEEKDAY.search(text)) is not None and not _is_ambiguous_weekday(weekday.group(2), text):
        modifier, index = weekday.group(1), _WEEKDAY_ALIASES[weekday.group(2)]
        if modifier in ("next", "following"):
            return True, DateValue(day=_next_weekday(today, index, 1))
        return True, DateValue(weekday=index)
    if (nth := _EN_THE_NTH.search(text)) is not None:
        return True, _date_value(_day_of_month(today, word_to_int(nth.group(1)) or 0, None))
    return False, None


def _is_ambiguous_weekday(word: str, text: str) -> bool:
    """"sat" and "sun" are English words too; only the full names and unambiguous abbreviations count alone."""
    return word in ("sat", "sun", "wed", "mon") and not re.search(rf"\b{word}\.", text)


def _parse_zh_date(text: str, today: date) -> tuple[bool, DateValue | None]:
    for phrase, offset in sorted(_RELATIVE_ZH.items(), key=lambda kv: -len(kv[0])):
        if phrase in text:
            return True, DateValue(day=today + timedelta(days=offset))
    if (weekday := _ZH_WEEKDAY.search(text)) is not None:
        modifier, index = weekday.group(1), _CHINESE_WEEKDAY[weekday.group(2)]
        if modifier and modifier.startswith("下下"):
            return True, DateValue(day=_next_weekday(today, index, 2))
        if modifier and modifier.startswith("下"):
            return True, DateValue(day=_next_weekday(today, index, 1))
        return True, DateValue(weekday=index)
    if (month_day := _ZH_MONTH_DAY.search(text)) is not None:
        month, day = word_to_int(month_day.group(1)), word_to_int(month_day.group(2))
        if month is None or day is None:
            return True, None
        return True, _date_value(_day_of_month(today, day, month) if 1 <= month <= 12 else None)
    if (day_only := _ZH_DAY.search(text)) is not None:
        day = word_to_int(day_only.group(1))
        return True, _date_value(_day_of_month(today, day, None) if day else None)
    return False, None


def _date_value(day: date | None) -> DateValue | None:
    return DateValue(day=day) if day is not None else None


def normalize_day(text: str, today: date | None = None) -> str | None:
    """The canonical `day` slot value: a weekday name ("friday") or an ISO date ("2026-12-10")."""
    value = parse_date(text, today)
    return value.text if value else None


# ---------------------------------------------------------------- prices and ratings

_NUMBER = r"(\d+(?:\.\d+)?)"
_ABOVE = r"(?:以上|及以上|起|多|往上|上|\+)"
_BELOW = r"(?:以下|以内|之内|及以下|内)"


def normalize_price_range(text: str) -> str | None:
    """A price condition as "400-500", ">500" or "<100" (CrossWOZ's query syntax); None when there is none.

    "400-500元" / "400到500" -> "400-500", "1000元以上" / "over 1000" -> ">1000", "500以下" / "under 500" -> "<500".
    """
    compact = _arabic_numbers(text.lower().replace(" ", ""))
    if (between := re.search(rf"{_NUMBER}[元块]?(?:-|~|到|至|—|to|and)[元块]?{_NUMBER}", compact)) is not None:
        low, high = sorted((float(between.group(1)), float(between.group(2))))
        return f"{_plain(low)}-{_plain(high)}"
    if (above := re.search(rf"(?:over|above|morethan|atleast|超过|高于|大于)[£$¥]?{_NUMBER}", compact)) or (
        above := re.search(rf"{_NUMBER}(?:元|块|分|pounds?|gbp)?{_ABOVE}", compact)
    ):
        return f">{_plain(float(above.group(1)))}"
    if (below := re.search(rf"(?:under|below|lessthan|atmost|cheaperthan|不超过|低于|小于|少于)[£$¥]?{_NUMBER}",
                           compact)) or (below := re.search(rf"{_NUMBER}(?:元|块|分|pounds?|gbp)?{_BELOW}", compact)):
        return f"<{_plain(float(below.group(1)))}"
    return None


def normalize_rating(text: str) -> str | None:
    """A rating condition: "4.5分以上" -> ">4.5", "5分" -> "5", "at least 4" -> ">4"."""
    ranged = normalize_price_range(text)
    if ranged is not None:
        return ranged
    exact = re.search(rf"{_NUMBER}\s*分", _arabic_numbers(text))
    return _plain(float(exact.group(1))) if exact else None


def _arabic_numbers(text: str) -> str:
    """Chinese numeral runs replaced by digits, so that 四百到五百 reads as 400到500."""
    return _CHINESE_NUMBER_RUN.sub(lambda m: str(chinese_to_int(m.group())) if chinese_to_int(m.group()) is not None
                                   else m.group(), text)


def _plain(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


# ---------------------------------------------------------------- names


def simplify_name(text: str) -> str:
    """A comparison key for names: lower case, "&" as "and", no punctuation, "the", or repeated spaces."""
    text = text.lower().replace("&", " and ").replace(" 's", "s").replace("'s", "s")
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"\b(the)\b", " ", text)
    return re.sub(r"\s+", " ", text).strip()


class NameMatcher:
    """Fuzzy matching of typed names to a database's names ("acorn" -> "acorn brake pad").

    Aliases map extra surface forms to a name; a name is also known by its distinctive part (the name without
    generic words such as "pad" or "brake pad") so that users can say "the Acorn".
    """

    def __init__(self, names: Iterable[str], aliases: dict[str, str] | None = None,
                 generic_words: Sequence[str] = (), min_score: float = 88.0, ambiguous: Sequence[str] = ()):
        self.names = list(dict.fromkeys(names))
        self.min_score = min_score
        self._keys: dict[str, str] = {}
        generic = sorted({simplify_name(w) for w in generic_words if simplify_name(w)}, key=len, reverse=True)
        self._generic = re.compile(r"\b(?:" + "|".join(re.escape(g) for g in generic) + r")\b") if generic else None
        for name in self.names:
            self._keys.setdefault(simplify_name(name), name)
            short = self._short(simplify_name(name))
            if len(short) >= 4 and short not in ambiguous:  # "worth" (house) is also an everyday word
                self._keys.setdefault(short, name)
        for alias, name in (aliases or {}).items():
            self._keys[simplify_name(alias)] = name
        self._compact = {key.replace(" ", ""): name for key, name in self._keys.items()}
        self._key_list = list(self._keys)
        self._all_words = {w for key in self._keys for w in key.split()}
        self._first_words = {key.split()[0] for key in self._keys if key}
        self._distinctive = sorted(w for w in self._all_words if len(w) >= 5 and w not in generic)
        self._repairs: dict[str, str] = {}
        self._longest = max((len(k.split()) for k in self._keys), default=1)

    def match(self, text: str) -> str | None:
        """The database name `text` means, or None when nothing is close enough."""
        from rapidfuzz import fuzz, process

        key = simplify_name(text)
        if not key:
            return None
        if key in self._keys:
            return self._keys[key]
        short = self._short(key)  # "finches b and b" -> "finches", "el shaddia guesthouse" -> "el shaddia"
        if short in self._keys:
            return self._keys[short]
        best = process.extractOne(key, self._key_list, scorer=fuzz.ratio, score_cutoff=self.min_score)
        if best is None and short != key and len(short) >= 4:
            best = process.extractOne(short, self._key_list, scorer=fuzz.ratio, score_cutoff=self.min_score - 8)
        return self._keys[best[0]] if best else None

    def _short(self, key: str) -> str:
        if self._generic is None:
            return key
        return re.sub(r"\s+", " ", self._generic.sub(" ", key)).strip()

    def find(self, text: str) -> list[str]:
        """Database names mentioned in free English text, longest mentions first, each at most once.

        Typos are repaired word by word first ("acron" -> "acorn", against the words of the names, cached), then
        word n-grams are looked up exactly: far cheaper than fuzzy-matching every n-gram, which matters at
        thousands of messages per second.
        """
        words = [self._repaired(w) for w in simplify_name(text).split()]
        found: list[str] = []
        taken = [False] * len(words)
        for size in range(min(self._longest, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if words[start] not in self._first_words or True in taken[start : start + size]:
                    continue
                name = self._keys.get(" ".join(words[start : start + size]))
                if name is not None:
                    taken[start : start + size] = [True] * size
                    if name not in found:
                        found.append(name)
        return found

    def _repaired(self, word: str) -> str:
        if word in self._all_words or len(word) < 5:
            return word
        if word not in self._repairs:
            from rapidfuzz import fuzz, process

            best = process.extractOne(word, self._distinctive, scorer=fuzz.ratio, score_cutoff=self.min_score)
            self._repairs[word] = best[0] if best else word
            if len(self._repairs) > 100_000:  # unbounded user vocabulary: start over rather than grow forever
                self._repairs.clear()
        return self._repairs[word]

    def find_substrings(self, text: str) -> list[str]:
        """Names that occur verbatim in text without word boundaries (Chinese), longest first, none that is only
        part of a longer name found in the same place."""
        compact = simplify_name(text).replace(" ", "")
        hits = sorted((k for k in self._compact if len(k) >= 2 and k in compact), key=len, reverse=True)
        found: list[str] = []
        for key in hits:
            if any(key in longer for longer in hits if len(longer) > len(key) and self._compact[longer] in found):
                continue
            if self._compact[key] not in found:
                found.append(self._compact[key])
        return found
