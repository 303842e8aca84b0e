"""Message normalization for the rules understander: NFKC, lower case, Chinese and English number words as
digits, currencies as units; and the `Text` whose recognized spans are blanked as the stages read them."""

from __future__ import annotations

import re
import unicodedata

from luodi.packs.funds import lexicon as lx

CJK = re.compile(r"[\u4e00-\u9fff]")


ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


ZH_NUMBER = re.compile(
    r"(?<![\d.])[零一二两三四五六七八九十百千]+(?=\s*(?:年|个|月|只|支|名|款|%|亿|万|元|块|倍|成|位|条|星|级|以|$))"
    # a rank or page needs no unit after it: "排名前五的", "倒数第三", "第二页"
    r"|(?:(?<=前)|(?<=后)|(?<=倒数)|(?<=第))[一二两三四五六七八九十]+"
)


CURRENCY = r"(?:(?<![a-z])(?:rmb|cny)|[¥￥])"


# "5千万" = 5000万, "3百万" = 300万: the compound units become plain 万
ZH_COMPOUND_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*(千|百)万")


EN_NUMBERS = re.compile(
    r"\b(?:(" + "|".join(w for w in lx.YEARS_WORDS if w != "one") + r")|(one)(?=[- ]?(?:years?|months?|percent|%)))\b"
)


EN_LIMIT_WORDS = re.compile(r"\b(?:top|first|best|next)\s+(" + "|".join(lx.YEARS_WORDS) + r")\b")


def zh_to_int(text: str) -> int:
    """Chinese numerals below 10000: 三 -> 3, 十五 -> 15, 二十 -> 20, 一百二十 -> 120, 五千 -> 5000."""
    total, current = 0, 0
    for char in text:
        if char in ZH_DIGITS:
            current = ZH_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "千":
            total += (current or 1) * 1000
            current = 0
    return total + current


def _fraction(match: re.Match[str]) -> str:
    """百分之五 -> 5%, 千分之五 -> 0.5%."""
    digits = match.group(2)
    number = float(digits) if re.fullmatch(r"[\d.]+", digits) else float(zh_to_int(digits))
    return f"{number / (10 if match.group(1) == '千' else 1):g}%"


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"(百|千)分之([\d.]+|[零一二两三四五六七八九十]+)", _fraction, text)
    # "doubled" is a gain of 100% or more, "翻两番" (quadrupled) 300%
    text = re.sub(r"(?<![a-z])doubled(?![a-z])", "returned 100% or more", text)
    text = re.sub(r"(?<![a-z])tripled(?![a-z])", "returned 200% or more", text)
    text = re.sub(r"翻倍|翻了一番|翻了1番|翻一番", "涨了100%以上", text)
    text = re.sub(r"翻了两番|翻两番", "涨了300%以上", text)
    # half a year is 6 months, whether it is a return's horizon ("近半年") or an age ("成立不到半年")
    text = re.sub(r"(?<![上下前后])半年", "6个月", text)  # not 上半年 / 下半年, the halves of a calendar year
    text = re.sub(r"(?<![a-z])half[- ]?(?:a[- ])?year(?![a-z])", "6 months", text)
    text = ZH_COMPOUND_UNIT.sub(lambda m: f"{float(m.group(1)) * (1000 if m.group(2) == '千' else 100):g}万", text)
    text = ZH_NUMBER.sub(lambda m: str(zh_to_int(m.group())), text)
    text = re.sub(r"(?<=than )an? (?=years?|months?)|(?<=than )one (?=years?|months?)", "1 ", text)
    text = EN_NUMBERS.sub(lambda m: str(lx.YEARS_WORDS[m.group(1) or m.group(2)]), text)
    text = EN_LIMIT_WORDS.sub(lambda m: m.group().replace(m.group(1), str(lx.YEARS_WORDS[m.group(1)])), text)
    text = re.sub(r"(?<![a-z])r([1-5])(?![0-9])", r"risk level \1", text)
    # "RMB 5bn", "¥1,000": the currency said before the number becomes the unit after it
    text = re.sub(
        rf"{CURRENCY}\s*(\d[\d,]*(?:\.\d+)?)(?![\d.,])(?!\s*(?:billion|bn|million|mn|万|亿|k\b))", r"\1 yuan", text
    )
    text = re.sub(rf"{CURRENCY}\s*(\d)", r"\1", text)
    return re.sub(r"(\d),(\d{3})", r"\1\2", text)


class Text:
    """The normalized message, with recognized spans blanked so later rules do not read them again."""

    def __init__(self, text: str) -> None:
        self.value = text
        self.original = text  # as normalized, before any blanking

    def intact(self, start: int, end: int) -> bool:
        """Whether no stage has read text[start:end] yet."""
        return self.value[start:end] == self.original[start:end]

    def consume(self, start: int, end: int) -> None:
        self.value = self.value[:start] + " " * (end - start) + self.value[end:]

    def finditer(self, pattern: re.Pattern[str] | str) -> list[re.Match[str]]:
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        return list(compiled.finditer(self.value))

    def take(self, pattern: re.Pattern[str] | str) -> list[re.Match[str]]:
        found = self.finditer(pattern)
        for match in found:
            self.consume(*match.span())
        return found
