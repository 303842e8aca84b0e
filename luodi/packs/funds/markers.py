"""Sentence-level words of the fund screener, English and Chinese: how a refinement or a correction is marked,
figures the table lacks, promises and forecasts. The lexicon (`lexicon.py`) holds the words for columns and
values; these are the phrases that say what kind of message it is.
"""

from __future__ import annotations

import re

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
REFINE_ANYWHERE = (
    r"only",
    r"instead",
    r"those",
    r"these",
    r"them",
    r"ones",
    r"among",
    r"of which",
    r"as well",
    r"also",
    r"too",
    r"narrow",
    r"further",
    r"keep",
    r"其中",
    r"这些",
    r"它们",
    r"里面",
    r"只要",
    r"只看",
    r"只留",
    r"(?<!\d)只(?=要|看|留|有|显示|保留|选)",
    r"换成",
    r"改成",
    r"改为",
    r"换为",
    r"还要",
    r"再",
    r"加上",
    r"呢\s*[?]?\s*$",
    r"剩下",
    r"保留",
    r"in that case",
    r"exclude",
    r"excluding",
    r"remove",
    r"drop",
    r"去掉",
    r"排除",
    r"剔除",
    r"除去",
    r"不要",
    r"instead",
    r"actually",
)
# a rating or score the database has no column for: any words before "score" / "评分" but the risk level's
MISSING_FIGURES = re.compile(
    r"(?<![a-z])(?:[a-z][a-z0-9-]*\s+)?(?!risk\s|the\s|a\s|an\s)[a-z][a-z0-9-]*\s+(?:scores?|ratings?|grades?|stars?)(?![a-z])"
    r"|(?<!风险)(?:评分|评级|得分|星级|星评)"
    r"|(?:成立以来|自成立|since (?:inception|launch)|inception[- ]to[- ]date|all[- ]time)\s*(?:的)?\s*"
    r"(?:收益率?|回报率?|涨幅|业绩|returns?|performance|gains?)"
    r"|(?:returns?|performance|gains?)\s+since\s+(?:inception|launch)"
    # measures funds are often judged by that the table does not have
    r"|(?<![a-z])(?:alpha|beta|tracking error|information ratio|sortino(?: ratio)?|calmar(?: ratio)?|treynor(?: ratio)?"
    r"|turnover(?: rate| ratio)?|dividend yield|p/?e(?: ratio)?|yield to maturity|duration"
    r"|redemption (?:fees?|charges?)|exit (?:fees?|charges?|loads?)|back[- ]end loads?)(?![a-z])"
    r"|阿尔法|贝塔|跟踪误差|信息比率|索提诺比率|卡玛比率|换手率|股息率|市盈率|到期收益率|久期|赎回费率?"
)
# a promise or forecast no fund can make: answered with why, never with the funds that happen to fit a figure
PROMISES = re.compile(
    r"稳赚不赔|只赚不赔|稳赚|包赚|保本|保证收益|保收益|保证不亏|零风险|无风险|不会亏|不可能亏|"
    r"(?<![a-z])(?:guaranteed?|risk[- ]free|zero[- ]risk|no[- ]risk(?![- ]level)|can'?t (?:ever )?lose|"
    r"never (?:ever )?lose|(?:will|would) never lose|sure[- ](?:thing|profit|win))(?![a-z])"
    # the future: "will go up the most next year", "明年一定涨", "未来一年收益最高"
    r"|明年|下一年|未来一年|未来的?收益|将来|(?:一定|肯定|必然|必定)(?:会)?(?:涨|赚|上涨|盈利)|会涨|会上涨"
    r"|(?<![a-z])(?:next year|in the (?:coming|next) (?:year|months?)|in the future|future returns?|"
    r"(?:will|going to|gonna|is set to|are set to) (?:\w+ )?(?:go up|rise|gain|grow|perform|do (?:best|well)|"
    r"return|make money|earn|beat|outperform|win))(?![a-z])"
)
# a period to come ("for the next 5 years", "未来3年"): with a ranking or a return word, a forecast (a promise)
FUTURE_SPAN = re.compile(
    r"(?<![a-z])(?:the\s+)?(?:next|coming|upcoming|following)\s+(?:\d+|few|several|couple of)\s*[- ]?"
    r"(?:years?|months?|quarters?)(?![a-z])|未来\s*(?:\d+|几|[一二两三四五六七八九十]+)\s*个?(?:年|月|季度)"
)
FUTURE_RANKING = re.compile(
    r"(?<![a-z])(?:best|worst|top|bottom|highest|lowest|most|greatest|perform\w*|returns?|gains?|grow\w*|rise|"
    r"go up|earn\w*|profit\w*|outperform\w*)(?![a-z])|收益|回报|涨|最|表现|排名|赚"
)
