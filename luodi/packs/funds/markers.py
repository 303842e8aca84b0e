"""Sentence-level words of the fund screener, English and Chinese: how a refinement or a correction is marked,
figures the table lacks, promises and forecasts. The lexicon (`lexicon.py`) holds the words for columns and
values; these are the phrases that say what kind of message it is.

The word lists are data, under `markers:` in the word files (`words/en.yaml`, `words/zh.yaml`; see `lexicon.py`
for the format), each tried in the order written. What stays here are the patterns that give a message its shape:
a correction at its start, a refinement's first word, a score of something, a period to come.
"""

from __future__ import annotations

import re

from luodi.packs.funds.lexicon import merged, ordered_alternation

# a correction of the last turn ("no, 3-year", "不对，是0.3%", "I meant bond funds"): it refines and replaces
CORRECTION = (
    r"^\s*(?:no|nope|sorry|oops|wrong|correction|my bad|不对|错了|说错了|不是的?)\s*[,，。.!！:：]"
    r"|(?<![a-z])i meant?(?![a-z])|应该是|我是说|我指的是|我的意思是|更正"
)
# words that make a message's conditions replace the earlier ones on the same figure
REPLACE_MARKERS = (
    r"(?<![a-z])(?:instead|rather|what about|how about|replace|(?:change|switch|make) (?:that|it|this))"
    rf"(?![a-z])|改为|改成|换成|^\s*那.*呢|{CORRECTION}"
)
# how a refinement starts ("and only...", "那...") and words anywhere in it that point at the current results
START_MARKERS = (
    r"^\s*(?:and|but|also|now|then|ok(?:ay)?|so|what about|how about|what if|switch|change|"
    rf"make (?:it|that|this)|rather|just|那么?|好的?|再|换)|{CORRECTION}"
)
REFINE_ANYWHERE = merged(lambda w: w.markers.refine_anywhere)
# a rating or score the database has no column for: any words before "score" / "评分" but the risk level's
MISSING_FIGURES = re.compile(
    r"(?<![a-z])(?:[a-z][a-z0-9-]*\s+)?(?!risk\s|the\s|a\s|an\s)[a-z][a-z0-9-]*\s+(?:scores?|ratings?|grades?|stars?)(?![a-z])"
    r"|(?<!风险)(?:评分|评级|得分|星级|星评)"
    r"|(?:成立以来|自成立|since (?:inception|launch)|inception[- ]to[- ]date|all[- ]time)\s*(?:的)?\s*"
    r"(?:收益率?|回报率?|涨幅|业绩|returns?|performance|gains?)"
    r"|(?:returns?|performance|gains?)\s+since\s+(?:inception|launch)"
    # measures funds are often judged by that the table does not have
    + "|"
    + ordered_alternation(merged(lambda w: w.markers.missing_measures))
)
# a promise or forecast no fund can make: answered with why, never with the funds that happen to fit a figure
PROMISES = re.compile(
    ordered_alternation(merged(lambda w: w.markers.promises))
    # the future: "will go up the most next year", "明年一定涨", "未来一年收益最高"
    + "|"
    + ordered_alternation(merged(lambda w: w.markers.forecasts))
)
# a period to come ("for the next 5 years", "未来3年"): with a ranking or a return word, a forecast (a promise)
FUTURE_SPAN = re.compile(
    r"(?<![a-z])(?:the\s+)?(?:next|coming|upcoming|following)\s+(?:\d+|few|several|couple of)\s*[- ]?"
    r"(?:years?|months?|quarters?)(?![a-z])|未来\s*(?:\d+|几|[一二两三四五六七八九十]+)\s*个?(?:年|月|季度)"
)
FUTURE_RANKING = re.compile(ordered_alternation(merged(lambda w: w.markers.future_ranking)))
