"""Reading Chinese hotel messages (CrossWOZ's Beijing hotels) with the database's own values as the lexicon.

Chinese has no spaces and CrossWOZ users type database values almost verbatim (hotel names, facility names,
nearby attractions), so exact substring matching against the database's value sets, longest first, is precise;
numbers and ranges go through the shared normalizers (四百到五百 -> "400-500", 4.5分以上 -> ">4.5").
A sentence belongs to the domain whose head noun comes last (…的酒店 / …的景点), since Chinese puts the head
noun at the end of the phrase that describes it. The plain word lists (head nouns, hotel types, cue words…) are
data in words/zh.yaml; the patterns stay here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from luodi.dialogue.normalizers import (
    CHINESE_NUMERAL,
    NameMatcher,
    normalize_count,
    normalize_day,
    normalize_price_range,
    normalize_rating,
)
from luodi.packs.travel.reading import Reading
from luodi.packs.travel.wordlists import alternation, chinese_hotel_words

_WORDS = chinese_hotel_words()  # the plain word lists: words/zh.yaml

_SENTENCE_SPLIT = re.compile(r"[。！？!?；;]|另外|然后|还有")
_HEADS = [(domain, re.compile(alternation(nouns))) for domain, nouns in _WORDS.head_nouns.items()]
_TYPE = re.compile(rf"({alternation(_WORDS.hotel_types)})型?")
_RATING = re.compile(
    r"(?:评分|评价|分数)[^，。,]{0,6}?([0-9.一二三四五]+(?:\.\d)?)\s*(?:分(以上|及以上|上)?|(以上|及以上))"
)
_PRICE_CUE = re.compile(alternation(_WORDS.price_cues))
_NEARBY_CUE = re.compile(r"周边|附近|旁边|周围|离.{1,12}近")
_REQUEST = re.compile(alternation(_WORDS.request_cues))
_BOOK = re.compile(r"预订|预定|订(?:一|个|两|间|房|下|了)|帮我订|订这|订那")
_STAYING = re.compile(r"入住|住")
_DAY = re.compile(rf"(?:周|星期|礼拜)[一二三四五六日天]|今天|今晚|明天|明晚|后天"
                  rf"|[0-9{CHINESE_NUMERAL}]+月[0-9{CHINESE_NUMERAL}]+[日号]|[0-9{CHINESE_NUMERAL}]+[日号]")
_PEOPLE = re.compile(rf"([0-9{CHINESE_NUMERAL}]+)\s*(?:个人|人|位|口人|个大人)")
_NIGHTS = re.compile(rf"([0-9{CHINESE_NUMERAL}]+)\s*(?:晚|夜|个晚上)")
_SEARCH = re.compile(alternation(_WORDS.search_cues))
_CHOICE = re.compile(r"就去|就选|就住|就定|就它|那就|决定|选择|我觉得.{0,20}(?:不错|挺好|可以)|听你的")
_THIS_ONE = re.compile(alternation(_WORDS.this_one))
_ASKS_ONE = re.compile(alternation(_WORDS.asks_one))
_HAND_OFF = re.compile(alternation(_WORDS.hand_off))
_AFFIRM = re.compile(rf"^(?:{alternation(_WORDS.affirm_starts)})")
_DENY = re.compile(rf"^(?:{alternation(_WORDS.deny_starts)})")
_ATTRIBUTES = {"地址": r"地址|在哪", "电话": r"电话|联系方式", "酒店类型": r"什么类型|哪种类型|类型",
               "价格": r"多少钱|价格|价位", "评分": r"评分|几分", "酒店设施": r"设施|wifi|早餐|停车",
               "周边景点": r"周边.{0,4}景点|附近.{0,4}景点", "周边餐馆": r"周边.{0,4}餐|附近.{0,4}餐",
               "地铁": r"地铁"}
_ATTRIBUTE_PATTERNS = {name: re.compile(p) for name, p in _ATTRIBUTES.items()}


@dataclass
class ChineseHotelLexicon:
    names: NameMatcher
    facilities: list[str]  # longest first, so 所有房间提供wifi wins over wifi
    attractions: NameMatcher
    restaurants: NameMatcher
    # annotation policies, chosen by measurement on the tuning split (see luodi.packs.travel.evaluation)
    name_from_questions: bool = False  # "X酒店的地址在哪" also makes X the hotel in focus (名称)
    requests_fresh_search: bool = True  # "帮我找一个…酒店" with new conditions starts a new search
    refers_to_shown: bool = False  # "它家的地址" makes the recommended hotel the one in focus (名称)
    facility_questions_ask: bool = True  # "有早餐服务吗" asks about one hotel, it sets no condition

    @classmethod
    def from_database(cls, path: Path | None) -> ChineseHotelLexicon:
        return _lexicon(path)

    @property
    def facility_forms(self) -> dict[str, str]:
        """How users write each facility -> the database's: 洗衣 / 洗衣服务 -> 洗衣服务, 接待外宾服务 -> 接待外宾."""
        return _facility_forms(tuple(self.facilities))

    def canonical_facility(self, text: str) -> str:
        return self.facility_forms.get(text.lower(), text)

    def read(self, message: str, last_reply: str = "") -> Reading:
        text = re.sub(r"\s+", "", message or "")
        reading = Reading()
        if not re.search(r"[\u4e00-\u9fff]", text):
            return reading  # no Chinese at all: gibberish or another language; nothing is justified
        reading.hand_off = bool(_HAND_OFF.search(text))
        # 不用了 / 算了 inside a sentence are usually polite closings; only 取消 or a bare 算了 cancels
        reading.cancel = "取消" in text or bool(re.fullmatch(r"(?:算了|不要了)。?", text))
        reading.affirm = bool(_AFFIRM.search(text))
        reading.deny = not reading.affirm and bool(_DENY.search(text))
        domain = domain_of(last_reply) or "hotel"
        in_domain = False
        for sentence in (s for s in _SENTENCE_SPLIT.split(text) if s):
            names = self.names.find_substrings(sentence)
            domain = domain_of(sentence) or ("hotel" if names else domain)
            if domain == "hotel":
                in_domain = True
                self._read_sentence(sentence, names, reading)
        reading.in_domain = in_domain
        return reading

    def values_anywhere(self, message: str) -> Reading:
        """What every sentence says read as if about hotels: the candidates a trained understander chooses
        among (`luodi.packs.travel.trained`)."""
        reading = Reading()
        for sentence in (s for s in _SENTENCE_SPLIT.split(re.sub(r"\s+", "", message or "")) if s):
            self._read_sentence(sentence, self.names.find_substrings(sentence), reading)
        return reading

    def _read_sentence(self, sentence: str, names: list[str], reading: Reading) -> None:
        _read_booking(sentence, reading)
        question = bool(_REQUEST.search(sentence))
        if names:
            reading.entities.extend(n for n in names if n not in reading.entities)
        elif question and _THIS_ONE.search(sentence):
            reading.refers_to_shown = True  # 它家 / 这家酒店: the hotel the last reply recommended
            reading.adopt_shown = self.refers_to_shown or _CHOICE.search(sentence) is not None
            reading.requests.extend(a for a, p in _ATTRIBUTE_PATTERNS.items() if p.search(sentence))
        if question and names:
            reading.requests.extend(a for a, p in _ATTRIBUTE_PATTERNS.items() if p.search(sentence))
            if not self.name_from_questions and not _CHOICE.search(sentence):
                reading.subject = names[-1]
                reading.entities = [e for e in reading.entities if e not in names]
            return
        before = len(reading.informs)
        if (kind := _TYPE.search(sentence)) is not None and "类型" not in sentence[kind.end() : kind.end() + 3]:
            reading.inform("酒店类型", kind.group(1) + "型")
        if (rating := _RATING.search(sentence)) is not None:
            reading.inform("评分", normalize_rating(rating.group(0)[rating.group(0).find(rating.group(1)):]))
        if _PRICE_CUE.search(sentence):
            reading.inform("价格", normalize_price_range(sentence))
        lowered = sentence.lower()
        forms = [form for form in self.facility_forms if form in lowered]
        forms = [f for f in forms if not any(f != g and f in g for g in forms)]  # 早餐 inside 早餐服务 is one
        facilities = list(dict.fromkeys(self.facility_forms[f] for f in sorted(forms, key=lowered.find)))
        if facilities and self.facility_questions_ask and _ASKS_ONE.search(sentence) and not _SEARCH.search(sentence):
            facilities = []  # 这家酒店有早餐服务吗: a question about one hotel, not a search condition
        if facilities:
            reading.inform("酒店设施", " ".join(facilities))
        if _NEARBY_CUE.search(sentence):
            spots = [s for s in self.attractions.find_substrings(sentence) if s not in names]
            if spots:
                reading.inform("周边景点", spots[0])
            eateries = [r for r in self.restaurants.find_substrings(sentence) if r not in names]
            if eateries:
                reading.inform("周边餐馆", eateries[0])
        if self.requests_fresh_search and len(reading.informs) > before and _SEARCH.search(sentence):
            reading.new_search = True


def _read_booking(sentence: str, reading: Reading) -> None:
    """预订 / 订一间 with the check-in day (周五, 下周一, 12月5号), people (两个人, 3位) and nights (住三晚)."""
    if _BOOK.search(sentence):
        reading.book = True
    if not (reading.book or _STAYING.search(sentence)):
        return  # a day or a count outside a booking is about something else (游玩3天)
    if _DAY.search(sentence):
        reading.inform("day", normalize_day(sentence))
    if (people := _PEOPLE.search(sentence)) is not None:
        reading.inform("people", normalize_count(people.group(1), 0, 10_000))  # bounds: the engine's to explain
    if (nights := _NIGHTS.search(sentence)) is not None:
        reading.inform("stay", normalize_count(nights.group(1), 0, 10_000))


def domain_of(text: str) -> str | None:
    """The domain whose head noun occurs last in the text."""
    best: tuple[int, str] | None = None
    for domain, pattern in _HEADS:
        for match in pattern.finditer(text):
            if best is None or match.start() >= best[0]:
                best = (match.start(), domain)
    return best[1] if best else None


@lru_cache(maxsize=4)
def _facility_forms(facilities: tuple[str, ...]) -> dict[str, str]:
    forms = {f.lower(): f for f in facilities}
    for facility in facilities:
        for variant in (facility.removesuffix("服务"), facility + "服务"):
            if len(variant) >= 2 and variant.lower() not in forms:
                forms[variant.lower()] = facility
    return dict(sorted(forms.items(), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=4)
def _lexicon(path: Path | None) -> ChineseHotelLexicon:
    records = [entry[1] if isinstance(entry, list) else entry
               for entry in (json.loads(path.read_text(encoding="utf-8")) if path else [])]
    names = [r["名称"] for r in records]
    facilities = sorted({f for r in records for f in r.get("酒店设施") or []}, key=len, reverse=True)
    attractions = sorted({a for r in records for a in r.get("周边景点") or []})
    restaurants = sorted({a for r in records for a in r.get("周边餐馆") or []})
    return ChineseHotelLexicon(NameMatcher(names), facilities, NameMatcher(attractions), NameMatcher(restaurants))
