from datetime import date

import pytest

from luodi.dialogue.normalizers import (
    NameMatcher,
    chinese_to_int,
    impossible_date,
    normalize_count,
    normalize_day,
    normalize_price_range,
    normalize_rating,
    parse_date,
)

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(("text", "expected"), [
    ("两", 2), ("十二", 12), ("二十五", 25), ("一百零五", 105), ("十", 10), ("三千", 3000), ("两万", 20000),
    ("42", 42), ("abc", None), ("", None),
])
def test_chinese_numerals(text: str, expected: int | None) -> None:
    assert chinese_to_int(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("for 3 people", "3"), ("three guests", "3"), ("两个人", "2"), ("十二位", "12"),
    ("0 people", None), ("500 people", None), ("nobody", None),
])
def test_counts_are_checked_against_the_range(text: str, expected: str | None) -> None:
    assert normalize_count(text, 1, 30) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("arriving friday", "friday"),
    ("on Thurs.", "thursday"),
    ("tomorrow", "2026-11-25"),
    ("the day after tomorrow", "2026-11-26"),
    ("next friday", "2026-12-04"),
    ("the 10th", "2026-12-10"),  # the 10th of this month has passed: next month's
    ("the 30th", "2026-11-30"),
    ("December 3rd", "2026-12-03"),
    ("3 march", "2027-03-03"),
    ("2026-12-24", "2026-12-24"),
    ("周五", "friday"),
    ("星期天", "sunday"),
    ("下周一", "2026-11-30"),
    ("明天", "2026-11-25"),
    ("12月5号", "2026-12-05"),
    ("十二月五日", "2026-12-05"),
])
def test_dates(text: str, expected: str) -> None:
    assert normalize_day(text, TODAY) == expected


@pytest.mark.parametrize("text", ["31 February", "february 30th", "2月30日", "2026-13-01", "the 45th"])
def test_impossible_dates_give_nothing(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_plain_words_are_not_dates() -> None:
    assert normalize_day("I need a hotel in the sun", TODAY) is None
    assert normalize_day("", TODAY) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("400-500元", "400-500"), ("四百到五百", "400-500"), ("1000元以上", ">1000"), ("500以下", "<500"),
    ("under 100 pounds", "<100"), ("over 200", ">200"), ("cheap", None),
])
def test_price_ranges(text: str, expected: str | None) -> None:
    assert normalize_price_range(text) == expected


def test_ratings() -> None:
    assert normalize_rating("4.5分以上") == ">4.5"
    assert normalize_rating("评分5分") == "5"
    assert normalize_rating("good") is None


def test_names_match_fuzzily_and_by_their_distinctive_part() -> None:
    names = NameMatcher(["acorn guest house", "the lensfield hotel", "a and b guest house"],
                        generic_words=("guest house", "hotel"))
    assert names.match("Acorn") == "acorn guest house"
    assert names.match("acron guest house") == "acorn guest house"
    assert names.match("the Lensfield") == "the lensfield hotel"
    assert names.match("hilton") is None
    assert names.find("does the Acorn have parking? and the A & B guest house?") == [
        "a and b guest house", "acorn guest house"]
    assert names.find("'; DROP TABLE hotels; --") == []


def test_chinese_names_are_found_as_substrings_longest_first() -> None:
    names = NameMatcher(["北京饭店", "北京饭店二部", "汉庭酒店(北京柳芳店)"])
    assert names.find_substrings("我想住北京饭店二部") == ["北京饭店二部"]
    assert names.find_substrings("汉庭酒店(北京柳芳店)的电话") == ["汉庭酒店(北京柳芳店)"]


@pytest.mark.parametrize(("text", "said"), [("book it for the 31st of february", "31st of february"),
                                            ("on february 30th please", "february 30th"), ("2月30日入住", "2月30日"),
                                            ("2026-02-30, not March 3", "2026-02-30")])
def test_an_impossible_date_is_named_as_said(text: str, said: str) -> None:
    found = impossible_date(text)
    assert found is not None and said in found


@pytest.mark.parametrize("text", ["the 12th of march", "next friday", "a cheap hotel", "2月3日"])
def test_a_real_date_or_none_is_not_impossible(text: str) -> None:
    assert impossible_date(text) is None
