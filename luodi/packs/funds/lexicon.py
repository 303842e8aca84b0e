"""Words for the fund screener, English and Chinese: columns, comparators, categories, flags, sort phrases.

Every entry is a regular-expression alternative; the parser tries the longest alternatives first. Column
words that stand for a family ("return") are resolved to a column by a horizon ("3-year", "近一年") nearby.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# column family -> words. "return" is resolved with a horizon; "fee" alone means the management fee.
COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "return": (
        r"returns?",
        r"up(?= (?:more than|over|at least|by|above)\b)",  # "funds up more than 8% in the last month"
        r"perf",
        r"performance",
        r"gains?",
        r"yield(?:s|ing|ed)?",
        r"returned",
        r"returning",
        r"gained",
        r"performed",
        r"earn(?:s|ed|ing)?",
        r"profit",
        r"收益率",
        r"收益",
        r"回报率",
        r"回报",
        r"涨幅",
        r"业绩",
        r"涨了",
        r"赚了",
        r"表现",
    ),
    "sharpe_3y": (r"sharpe(?:[- ]ratios?)?", r"夏普比率", r"夏普比", r"夏普"),
    "max_drawdown_3y": (
        r"(?:max(?:imum)?\.? )?draw[- ]?downs?",
        r"peak[- ]to[- ]trough(?: (?:loss|drop|fall))?",
        r"(?:dropped|fell|declined|lost)(?= [^,;.]*\bat (?:the )?worst\b)",
        r"最大回撤",
        r"回撤",
        r"最大跌幅",
    ),
    "volatility_3y": (r"volatility", r"volatile", r"standard deviation", r"波动率", r"波动性", r"波动"),
    "size_cny_100m": (
        r"(?:fund |asset )?size",
        r"sized",  # "mixed funds sized between 1 and 3 billion"
        r"aum",
        r"assets under management",
        r"net assets",
        r"assets",
        r"scale",
        r"基金规模",
        r"资产规模",
        r"管理规模",
        r"规模",
        r"资产净值",
        r"体量",
    ),
    "custody_fee": (r"custod(?:y|ian)(?: fees?| charges?)?", r"托管费率", r"托管费"),
    "purchase_fee": (
        r"(?:purchase|subscription|buying|entry|sales?) (?:fees?|charges?|loads?)",
        r"front[- ]end (?:loads?|fees?)",
        r"申购费率",
        r"申购费",
        r"认购费率",
        r"认购费",
        r"买入费率",
        r"买入费",
    ),
    "management_fee": (
        r"management (?:fees?|charges?)",
        r"mgmt\.? fees?",
        r"expense ratios?",
        r"cost(?:s|ing)?(?= (?:at most|at least|less|more|under|over|below|above|no more|up to))",
        r"fees?",
        r"charges?",
        r"charg(?:ing|ed)",
        r"管理费率",
        r"管理费用",
        r"管理费",
        r"费率",
        r"费用",
    ),
    "min_purchase_cny": (
        r"min(?:imum|\.)? (?:purchase|investment|subscription|buy[- ]in|amount|ticket|initial investment)s?",
        r"minimum",
        r"entry amount",
        r"starting amount",
        r"起购金额",
        r"起购",
        r"起投金额",
        r"start(?:ing)? (?:with|from)",
        r"invest(?:ing)? (?:as little as|from|with)",
        r"as little as",
        r"entry level",
        r"起投",
        r"最低申购金额",
        r"最低申购",
        r"最低购买金额",
        r"购买门槛",
        r"门槛",
    ),
    "nav": (
        *(r"nav", r"net asset value", r"unit value", r"单位净值", r"净值", r"份额净值"),
        *(r"(?:unit |share )?price[ds]?", r"每份"),
    ),
    "risk_level": (
        r"risk (?:levels?|ratings?|grades?|class(?:es)?|categor(?:y|ies))",
        r"risk",
        r"风险等级",
        r"风险级别",
        r"风险评级",
        r"风险",
    ),
    "inception_date": (
        r"founded",
        r"inception(?: date)?",
        r"established",
        r"launched",
        r"incepted",
        r"set up",
        r"started",
        r"launch date",
        r"成立日期",
        r"成立时间",
        r"成立",
        r"设立",
        r"发行",
    ),
    "age": (
        *(r"old", r"history", r"track record", r"existed", r"running", r"运作", r"存续"),
        *(r"(?:been )?around", r"in existence", r"operating", r"operated", r"on the market", r"上市"),
    ),
    "company": (r"fund (?:company|house|manager firm)", r"asset manager", r"company", r"基金公司", r"公司"),
    "manager": (r"fund manager", r"manager", r"基金经理", r"经理"),
    "category": (r"categor(?:y|ies)", r"type", r"类型", r"类别"),
}

RETURN_COLUMNS = {"1m": "return_1m", "3m": "return_3m", "6m": "return_6m", "1y": "return_1y", "3y": "return_3y",
                  "5y": "return_5y"}  # fmt: skip
DEFAULT_HORIZON = "1y"

# horizon phrases -> months; a number placeholder {n} is filled with digits (Chinese numerals are converted first)
HORIZON_PATTERNS: tuple[tuple[str, int | None], ...] = (
    (r"(?:half[- ]?(?:a[- ])?year|semi[- ]?annual|半年)", 6),
    (r"(?:quarter(?:ly)?|一季度|季度)", 3),
    (r"(\d+)[- ]?(?:years?|yrs?|y)\b", None),
    (r"(\d+)[- ]?(?:months?|mos?|m)\b", None),
    (r"(\d+)\s*(?:个)?年", None),
    (r"(\d+)\s*个?月", None),
    (
        r"(?:past|last|trailing|previous|prior|recent) (?:twelve months|year)|year[- ]on[- ]year|annual(?:ly)?|yearly|"
        r"(?:a|per|each) year|p\.?a\.?",
        12,
    ),
    (r"(?:past|last|this|previous|recent) month|monthly|近月|本月|最近一月|上个月", 1),
    (r"(?:this|the) year|今年|去年|一年", 12),
    (r"(?:one|a)[- ]year", 12),
    (r"(?:three|3)[- ]month", 3),
)
MONTHS_TO_HORIZON = {1: "1m", 3: "3m", 6: "6m", 12: "1y", 36: "3y", 60: "5y"}
YEARS_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20}  # fmt: skip

CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "money_market": (
        r"money[- ]?market",
        r"mmfs?",
        r"cash funds?",
        r"cash management",
        r"货币市场",
        r"货币型",
        r"货币基金",
        r"货币",
        r"货基",
        r"现金管理",
    ),
    "equity": (r"equity", r"equities", r"stocks?", r"share funds?", r"股票型", r"股票基金", r"股票", r"股基", r"偏股"),
    "bond": (r"bonds?", r"fixed[- ]income", r"债券型", r"债券基金", r"债券", r"债基", r"纯债", r"固收"),
    "mixed": (
        r"mixed",
        r"hybrids?",
        r"balanced funds?",
        r"multi[- ]asset",
        r"allocation funds?",
        r"混合型",
        r"混合基金",
        r"混合",
        r"偏债",
        r"平衡型",
    ),
    "index": (
        r"index",
        r"indices",
        r"indexes",
        r"etfs?",
        r"passive",
        r"tracker",
        r"指数型",
        r"指数基金",
        r"指数",
        r"etf",
        r"被动",
    ),
    "qdii": (r"qdii", r"overseas", r"international", r"global", r"foreign", r"海外", r"境外", r"全球"),
    "fof": (r"fofs?", r"funds? of funds", r"基金中的基金"),
}

# flags: (column, value) -> words
FLAG_WORDS: dict[tuple[str, bool], tuple[str, ...]] = {
    ("purchase_open", False): (
        r"(?:closed|not open|unavailable) (?:for|to) (?:new )?(?:purchases?|subscriptions?|buying)",
        r"purchases? (?:suspended|closed|paused)",
        r"suspended (?:for )?purchases?",
        r"can(?:no|')t (?:be )?b(?:uy|ought)",
        r"暂停申购",
        r"(?:不|未)开放(?:申购)?",
        r"closed(?= ones| funds?)",
        r"不可申购",
        r"不能申购",
        r"不能买",
        r"关闭申购",
        r"申购关闭",
        r"停止申购",
    ),
    ("redemption_open", False): (
        r"(?:closed|not open) (?:for|to) redemptions?",
        r"redemptions? (?:suspended|closed|paused)",
        r"suspended (?:for )?redemptions?",
        r"can(?:no|')t (?:be )?redeem(?:ed)?",
        r"暂停赎回",
        r"不可赎回",
        r"不能赎回",
        r"关闭赎回",
        r"停止赎回",
    ),
    ("redemption_open", True): (
        r"open (?:for|to) redemptions?",
        r"redemptions? (?:is |are )?open",
        r"redeemable",
        r"can (?:be )?redeem(?:ed)?",
        r"accepting redemptions?",
        r"(?:allow|accept|take|permit)(?:s|ing)? redemptions?",
        r"可赎回",
        r"开放赎回",
        r"可以赎回",
        r"能赎回",
        r"赎回开放",
        r"正常赎回",
    ),
    ("purchase_open", True): (
        r"open (?:for|to) (?:new )?(?:purchases?|subscriptions?|buying|investment|investors)",
        r"(?:purchases?|subscriptions?) (?:is |are )?open",
        r"purchasable",
        r"available (?:to|for) (?:buy|purchase)",
        r"can (?:be )?b(?:uy|ought)",
        r"accepting (?:new )?(?:purchases?|subscriptions?|money|investors)",
        r"(?:you|i|we) can (?:still |currently |now |actually )?(?:buy|purchase|invest in|subscribe(?: to)?)",
        r"can still (?:buy|purchase|subscribe(?: to)?)",
        r"subscribable",
        r"open (?:for|to) new money",
        r"still open",
        r"open for business",
        r"buyable",
        r"可申购",
        r"开放申购",
        r"可以申购",
        r"能申购",
        r"可购买",
        r"可以买",
        r"能买",
        r"可买",
        r"申购开放",
        r"正常申购",
        # "only the open ones", "开放的": open with no more said is open for purchase, the usual meaning
        r"open(?:ed)?(?![- ]?end)",  # not "open-ended", a fund's structure
        r"开放(?!式)",  # not 开放式 (open-ended)
    ),
}
BOTH_CLOSED_WORDS = (
    r"closed (?:for|to) (?:both )?(?:purchases?|subscriptions?|buying) and (?:redemptions?|selling)",
    r"(?:both )?(?:purchases?|subscriptions?) and redemptions? (?:are )?(?:both )?(?:closed|suspended|paused)",
    r"(?:neither|not) (?:open (?:for|to) )?(?:purchases?|subscriptions?|buying) (?:n)?or (?:redemptions?|selling)",
    r"暂停申赎", r"申赎(?:都|均)?(?:暂停|关闭|不开放)", r"不可申赎", r"不能申赎",
    r"(?:暂停|关闭|停止|不能|不可)申购(?:和|与|及|、|以及)(?:暂停|关闭|停止|不能|不可)?赎回",
    r"申购(?:和|与|及|、)赎回(?:都|均)?(?:暂停|关闭|不开放)",
)  # fmt: skip
BOTH_OPEN_WORDS = (
    r"open (?:for|to) (?:both )?(?:purchases?|subscriptions?|buying) and (?:redemptions?|selling)",
    r"(?:both )?(?:purchases?|subscriptions?) and redemptions? (?:are )?(?:both )?open",
    r"申赎开放", r"开放申赎", r"可申赎", r"正常申赎", r"申赎都开放", r"申购赎回都开放", r"申赎均开放",
    r"申购和赎回都开放", r"(?:开放|可以?|能)申购(?:和|与|及|、|以及)(?:开放|可以?|能)?赎回",
)  # fmt: skip

# comparators; strict ones (over, 超过) are gt/lt, inclusive ones (at least, 以上, 以下) are ge/le
PREFIX_COMPARATORS: dict[str, tuple[str, ...]] = {
    "ge": (
        r"(?:greater|more|higher|bigger|larger) than or equal to",
        r"at or above",
        r"equal to or (?:greater|more|higher) than",
        r"at least",
        r"no (?:less|lower|fewer) than",
        r"not (?:less|lower|below)(?: than)?",
        r"minimum(?: of)?",
        r"min\.?",
        r">=",
        r"≥",
        r"不低于",
        r"不少于",
        r"不小于",
        r"至少",
        r"最少",
        r"最低",
    ),
    "le": (
        r"(?:less|lower|smaller|fewer) than or equal to",
        r"at or below",
        r"equal to or (?:less|lower|smaller) than",
        r"at most",
        r"no (?:more|higher|greater) than",
        r"not (?:more|higher|greater|above|over)(?: than)?",
        r"not exceeding",
        r"up to",
        r"maximum(?: of)?",
        r"max\.?",
        r"within",
        r"<=",
        r"≤",
        r"不超过",
        r"不高于",
        r"不大于",
        r"不多于",
        r"至多",
        r"最多",
        r"最高",
    ),
    "gt": (
        r"more than",
        r"greater than",
        r"higher than",
        r"larger than",
        r"bigger than",
        r"in excess of",
        r"north of",
        r"over",
        r"above",
        r"exceed(?:s|ed|ing)?",
        r"surpass(?:es|ed|ing)?",
        r"tops",
        r"topping",
        r"topped",
        r"beyond",
        r"better than",
        r"longer than",
        r">",
        r"超过",
        r"不止",
        r"大于",
        r"高于",
        r"高过",
        r"多过",
        r"多于",
        r"超出",
        r"跑赢",
        r"超",
    ),
    "lt": (
        r"less than",
        r"lower than",
        r"smaller than",
        r"fewer than",
        r"cheaper than",
        r"under",
        r"below",
        r"beneath",
        r"south of",
        r"worse than",
        r"shorter than",
        r"<",
        r"低于",
        r"低过",
        r"少过",
        r"小于",
        r"少于",
        r"不足",
        r"不到",
        r"未满",
        r"未达",
        r"跑输",
    ),
    "ne": (r"other than", r"not equal to", r"different from", r"!=", r"≠", r"<>", r"不等于", r"不为", r"不是"),
    "eq": (r"equal to", r"equals?", r"exactly", r"=", r"等于", r"为", r"是", r"of", r"is", r"at"),
}
POSTFIX_COMPARATORS: dict[str, tuple[str, ...]] = {
    "ge": (
        r"or (?:more|higher|above|greater|better|over)",
        r"and (?:above|up|over|more|higher)",
        r"plus",
        r"\+",
        r"及以上",
        r"或以上",
        r"以上",
        r"之上",
        r"起",
    ),
    "le": (
        r"or (?:less|lower|below|under|fewer)",
        r"and (?:below|under|less|lower)",
        r"及以下",
        r"或以下",
        r"以下",
        r"以内",
        r"之内",
    ),
}
BETWEEN = (
    r"between\s+(?P<a>{num})\s*(?P<ua>{unit})?\s*(?:and|to|-)\s*(?P<b>{num})",
    r"from\s+(?P<a>{num})\s*(?P<ua>{unit})?\s*to\s+(?P<b>{num})",
    r"(?:在|介于)\s*(?P<a>{num})\s*(?P<ua>{unit})?\s*(?:到|至|和|与|-|~)\s*(?P<b>{num})",
    r"(?P<a>{num})\s*(?P<ua>{unit})?\s*(?:-|~|到|至|to)\s*(?P<b>{num})",
)

NUMBER = r"-?\d+(?:,\d{3})*(?:\.\d+)?"
UNIT = (
    r"%|percent(?:age points?)?|per cent|pct|bps?\b|basis points?|个百分点|个点|百分点|个基点|基点|万亿|亿元|亿|级|"
    r"\(?100m(?: cny| yuan| rmb)?\)?|billion|bn|million|mn|万元|万|千元|千|k\b|元|yuan|rmb|cny|块|years?|yrs?|年|月|"
    r"个月|months?|x\b|倍"
)

# sort phrases: words that mean "descending" / "ascending", and superlatives tied to a column
DESCENDING_WORDS = (
    r"descending",
    r"high(?:est)? to low(?:est)?",
    r"highest first",
    r"largest first",
    r"从高到低",
    r"从晚到早",
    r"由晚到早",
    r"从新到旧",
    r"newest first",
    r"latest first",
    r"most recent first",
    r"从大到小",
    r"降序",
    r"倒序",
    r"由高到低",
    r"由大到小",
)
ASCENDING_WORDS = (
    r"ascending",
    r"low(?:est)? to high(?:est)?",
    r"lowest first",
    r"smallest first",
    r"从低到高",
    r"从早到晚",
    r"由早到晚",
    r"从旧到新",
    r"oldest first",
    r"earliest first",
    r"从小到大",
    r"升序",
    r"由低到高",
    r"由小到大",
)
HIGH_SUPERLATIVES = (
    r"deepest",
    r"steepest",
    r"heaviest",
    r"sharpest",
    r"most severe",
    r"最深",
    r"最严重",
    r"higher",
    r"更高",
    r"更大",
    r"更好",
    r"highest",
    r"largest",
    r"biggest",
    r"most",
    r"greatest",
    r"top",
    r"strongest",
    r"最高",
    r"最大",
    r"最多",
    r"最强",
    r"领先",
    r"排名靠前",
    r"靠前",
)
LOW_SUPERLATIVES = (
    r"shallowest",
    r"mildest",
    r"lightest",
    r"最浅",
    r"lower",
    r"更低",
    r"更小",
    r"lowest",
    r"smallest",
    r"least",
    r"cheapest",
    r"weakest",
    r"fewest",
    r"最低",
    r"最小",
    r"最少",
    r"最便宜",
    r"最差",
    r"最省",
)
SORT_VERBS = (
    r"(?:sort|sorted|order|ordered|rank|ranked|ranking|arrange|arranged|list)(?: them| it| results)?"
    r" (?:by|on|according to)",
    r"by",
    r"按照?",
    r"根据",
    r"以",
)

# the direction a sort takes when the user does not say: good-when-high columns descend, costs and risks ascend
NATURAL_DESCENDING = {
    "return_1m",
    "return_3m",
    "return_6m",
    "return_1y",
    "return_3y",
    "return_5y",
    "sharpe_3y",
    "size_cny_100m",
    "nav",
    "inception_date",
}
# "best" / "worst" follow the column's natural order: the best return is the highest, the best drawdown the
# smallest
BEST_WORDS = (r"best", r"最好", r"最优", r"最佳")
WORST_WORDS = (r"worst", r"最差", r"最糟")
# superlatives that carry their own column ("cheapest" = lowest management fee)
SUPERLATIVE_COLUMNS: dict[str, tuple[str, bool]] = {
    r"cheapest|least expensive|lowest[- ]cost|最便宜|费率最低|费用最低": ("management_fee", False),
    r"most expensive|priciest|costliest|highest[- ]cost|最贵|费率最高|费用最高": ("management_fee", True),
    r"largest|biggest|规模最大|最大的": ("size_cny_100m", True),
    r"smallest|规模最小|最小的": ("size_cny_100m", False),
    r"best[- ]performing|top[- ]performing|best performers?|performed best|表现最好|业绩最好|收益最好|最赚钱": (
        "return",
        True,
    ),
    r"worst[- ]performing|worst performers?|performed worst|表现最差|业绩最差": ("return", False),
    r"safest|least risky|风险最低|最安全|最稳": ("risk_level", False),
    r"riskiest|most risky|风险最高": ("risk_level", True),
    r"newest|most recent(?:ly launched)?|latest|最新": ("inception_date", True),
    r"oldest|longest[- ]running|最老|成立最早|最早": ("inception_date", False),
    r"most volatile|波动最大": ("volatility_3y", True),
    r"least volatile|most stable|波动最小|最稳定": ("volatility_3y", False),
}

PAGING_WORDS = (
    r"next(?: page| (?P<n>\d+))?(?![- ](?:\d+ )?(?:years?|months?|weeks?|quarters?|days?|time))",  # not "next year"
    r"show (?:me )?more",
    r"more results",
    r"(?:the )?rest",
    r"下一页",
    r"下页",
    r"接下来的?(?P<n2>\d+)?",
    r"再来(?:(?P<n3>\d+)(?:只|个|条|支)?|一些|一页|点)",
    r"再看(?P<n4>\d+)(?:只|个|条|支)?",
    r"(?:再看看?|再)?(?:往后|后面)(?:翻|的)?(?P<n5>\d+)?(?:只|个|条|支)?",
    r"翻页|下一批",
    r"(?:the )?(?P<n7>\d+) after (?:that|those|these)",
    r"another (?P<n8>\d+)",
    r"更多",
)
PREVIOUS_PAGE_WORDS = (
    r"previous(?: page| (?:10|ten|results|ones))?",
    r"go back(?: a page| one page)?",
    r"back (?:a|one) page",
    r"page back",
    r"上一页",
    r"前一页",
    r"上页",
    r"返回上一页",
    r"往前翻",
)
REMOVE_WORDS = (
    r"remove",
    r"drop",
    r"delete",
    r"forget(?: about)?",
    r"ignore",
    r"clear",
    r"without(?: the)?",
    r"no longer (?:need|care about)",
    r"don'?t care about",
    r"never mind",
    r"nevermind",
    r"skip",
    r"no need for",
    r"don'?t need",
    r"算了",
    r"不用管",
    r"get rid of",
    r"take (?:out|off|away)",
    r"lift",
    r"relax",
    r"any",
    r"去掉",
    r"去除",
    r"删除",
    r"删掉",
    r"取消",
    r"不要",
    r"不限",
    r"不管",
    r"不考虑",
    r"放开",
    r"忽略",
    r"拿掉",
)
# said after what is dropped: "申购状态不限了", "费率无所谓", "the fee doesn't matter"
POSTFIX_REMOVE_WORDS = (
    r"不限了?",
    r"不管了?",
    r"无所谓",
    r"随意",
    r"都行",
    r"都可以",
    r"不重要",
    r"不用管了?",
    r"不用了",
    r"不要了",
    r"去掉",
    r"删掉",
    r"取消",
    r"doesn'?t matter",
    r"does not matter",
    r"no longer matters",
    r"is not important",
    r"isn'?t important",
    r"can be anything",
    r"is fine either way",
)
# words for the open flags when a condition on them is dropped ("申购状态不限", "remove the purchase filter")
FLAG_COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "purchase_open": (
        r"purchase (?:status|availability)",
        r"open[- ]for[- ]purchase",
        r"purchasability",
        r"availability",
        r"open",
        r"purchase",
        r"申购状态",
        r"可申购",
        r"开放申购",
        r"能申购",
        r"申购",
    ),
    "redemption_open": (
        r"redemption (?:status|availability)",
        r"open[- ]for[- ]redemption",
        r"redemption",
        r"赎回状态",
        r"可赎回",
        r"开放赎回",
        r"赎回",
    ),
}
COUNT_WORDS = (
    r"how many",
    r"count(?: them)?",
    r"number of",
    r"多少只",
    r"几只",
    r"多少个",
    r"多少支",
    r"一共有多少",
    r"有多少",
)
INCLUDE_WORDS = (
    r"include",
    r"including",
    r"add",
    r"also",
    r"plus",
    r"as well",
    r"too",
    r"加上",
    r"也要",
    r"也看",
    r"还有",
    r"以及",
    r"包括",
    r"加入",
    # "risk level 3 is fine too", "风险等级3也可以": a value that is acceptable as well
    r"(?:is|are) (?:also )?(?:fine|ok(?:ay)?|acceptable|allowed)",
    r"也可以",
    r"也行",
    r"也可",
    r"也没问题",
)
# themes that fund names carry (sectors, tracked indexes, target dates); generic words ("Select", "Value") are left
# out because they are ordinary words in questions
NAME_THEMES = (
    ("Consumer", "消费"), ("Healthcare", "医疗"), ("Technology", "科技"), ("New Energy", "新能源"),
    ("Dividend", "红利"), ("Semiconductor", "半导体"), ("Low Carbon", "低碳"), ("Manufacturing", "先进制造"),
    ("Blue Chip", "蓝筹"), ("Quant", "量化"), ("Core Assets", "核心资产"), ("Convertible Bond", "可转债"),
    ("Credit Bond", "信用债"), ("Rate Bond", "利率债"), ("Short-Term Bond", "短债"), ("Pure Bond", "纯债"),
    ("Treasury", "国债"), ("CSI 300", "沪深300"), ("CSI 500", "中证500"), ("CSI 1000", "中证1000"),
    ("SSE 50", "上证50"), ("ChiNext", "创业板"), ("STAR 50", "科创50"), ("Liquor", "白酒"), ("Securities", "证券"),
    ("New Energy Vehicles", "新能源车"), ("Semiconductors", "半导体芯片"), ("Nasdaq 100", "纳斯达克100"),
    ("S&P 500", "标普500"), ("Hang Seng Tech", "恒生科技"), ("Hang Seng", "恒生"), ("US Treasury", "美国国债"),
    ("Target Date 2035", "养老目标日期2035"), ("Target Date 2045", "养老目标日期2045"),
)  # fmt: skip
REVERSE_WORDS = (
    r"reverse(?: the)? (?:order|sort(?:ing)?|ranking)",
    r"flip the (?:order|sort)",
    r"other way round",
    r"the other way",
    r"倒过来",
    r"反过来",
    r"反向排序",
    r"顺序反过来",
)
RESET_WORDS = (
    r"remove all (?:the )?(?:conditions|filters|criteria)",
    r"clear (?:all )?(?:the )?(?:conditions|filters|criteria)",
    r"去掉所有(?:的)?条件",
    r"清除(?:所有)?条件",
    r"清空条件",
    r"start over",
    r"new search",
    r"reset",
    r"clear (?:all|everything)",
    r"重新开始",
    r"重新来",
    r"清空",
    r"重来",
)
# words of a refinement the markers (`markers.py`) do not list: none of them starts or continues a name
REFINE_WORDS = (r"same", r"filter", r"restrict", r"limit", r"add", r"plus", r"only show", r"except")
COMPARE_WORDS = (
    r"compare",
    r"comparison",
    r"versus",
    r"vs\.?",
    r"side by side",
    r"difference between",
    r"比较(?![大小高低多少好差稳新老便宜贵快慢长短])",  # not the adverb of "规模比较大"
    r"对比",
    r"比一比",
    r"比一下",
    r"pk",
)
SHOWN_REFERENCES = (
    r"these (?:two|2)",
    r"those (?:two|2)",
    r"the (?:two|2)",
    r"(?:these|those|the) (?:two|2) funds",
    r"them",
    r"these",
    r"the first (?:two|2)",
    r"top (?:two|2)",
    r"这(?:两|2)只",
    r"这(?:两|2)个",
    r"这(?:两|2)支",
    r"(?:两|2)只",
    r"它们",
    r"这几只",
    r"前(?:两|2)只",
    r"前(?:两|2)个",
)
NEGATIONS = (
    r"not counting",
    r"don'?t|doesn'?t|do not|does not|won'?t|can'?t|cannot",
    r"leave out",
    r"leaving out",
    r"left out",
    r"omit(?:ting)?",
    r"filter(?:ing)? out",
    r"rule out",
    r"ruling out",
    r"take out",
    r"not including",
    r"avoid(?:ing)?",
    r"drop(?:ping)?",
    r"remove",
    r"removing",
    r"get rid of",
    r"except for",
    r"aside from",
    r"skip(?:ping)?",
    r"excl\.?",
    r"不包括",
    r"不包含",
    r"除开",
    r"刨除",
    r"去除",
    r"not",
    r"no",
    r"non",
    r"except",
    r"excluding",
    r"exclude",
    r"minus",
    r"without",
    r"other than",
    r"besides",
    r"apart from",
    r"but not",
    r"除了",
    r"不是",
    r"非",
    r"不要",
    r"排除",
    r"剔除",
    r"不含",
    r"去掉",
    r"除去",
)
# said after what is excluded: "money market aside", "货币基金除外"
POSTFIX_NEGATIONS = (r"aside", r"excluded", r"not included", r"left out", r"除外", r"以外", r"之外", r"不要", r"不算")
SUPERLATIVE_ONLY = (
    *(r"best", r"top", r"greatest", r"最好", r"最优", r"最佳", r"最牛", r"最强"),
    # "good funds" asks for a judgement on no stated measure, like "the best fund"
    *(r"good funds?", r"great funds?", r"worth (?:buying|investing in)", r"好基金", r"好的基金", r"优质基金"),
    *(r"值得(?:买|购买|投资)", r"靠谱的?基金"),
)
FUND_NOUNS = (r"funds?", r"基金", r"产品")


@cache
def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """One regex alternative for a list of words, longest first so "management fee" beats "fee"."""
    return _alternation(tuple(words))


def column_family(column: str) -> str:
    """The family a column's words belong to: every return column is "return" (its horizon picks the column)."""
    return "return" if column.startswith("return_") else column


@cache
def column_words() -> re.Pattern[str]:
    """Every column word, one named group per family (group name = the family), earlier families first."""
    groups = "|".join(f"(?P<{family}>{alternation(words)})" for family, words in COLUMN_WORDS.items())
    return re.compile(rf"(?<![a-z])(?:{groups})(?![a-z])")


def bounded(words: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """Matches the words on word boundaries for Latin text; Chinese words match anywhere (even next to "QDII")."""
    return _bounded(tuple(words))


@cache
def _bounded(words: tuple[str, ...]) -> re.Pattern[str]:
    chinese = [w for w in words if re.search(r"[\u4e00-\u9fff]", w)]
    latin = [w for w in words if w not in chinese]
    parts = [rf"(?<![a-z0-9])(?:{alternation(latin)})(?![a-z0-9])"] if latin else []
    parts += [f"(?:{alternation(chinese)})"] if chinese else []
    return re.compile("|".join(parts))


@dataclass(frozen=True)
class Label:
    en: str
    zh: str
    unit: str = ""  # "%" or "" ; how a value of this column is written


COLUMN_LABELS: dict[str, Label] = {
    "code": Label("code", "代码"),
    "name": Label("name", "名称"),
    "name_zh": Label("Chinese name", "中文名称"),
    "category": Label("category", "类型"),
    "risk_level": Label("risk level", "风险等级"),
    "company": Label("company", "基金公司"),
    "manager": Label("manager", "基金经理"),
    "inception_date": Label("inception date", "成立日期"),
    "size_cny_100m": Label("size (100m CNY)", "规模(亿元)"),
    "nav": Label("NAV", "单位净值"),
    "return_1m": Label("1-month return", "近1月收益", "%"),
    "return_3m": Label("3-month return", "近3月收益", "%"),
    "return_6m": Label("6-month return", "近6月收益", "%"),
    "return_1y": Label("1-year return", "近1年收益", "%"),
    "return_3y": Label("3-year return", "近3年收益", "%"),
    "return_5y": Label("5-year return", "近5年收益", "%"),
    "volatility_3y": Label("3-year volatility", "近3年波动率", "%"),
    "max_drawdown_3y": Label("3-year max drawdown", "近3年最大回撤", "%"),
    "sharpe_3y": Label("3-year Sharpe ratio", "近3年夏普比率"),
    "management_fee": Label("management fee", "管理费率", "%"),
    "custody_fee": Label("custody fee", "托管费率", "%"),
    "purchase_fee": Label("purchase fee", "申购费率", "%"),
    "min_purchase_cny": Label("minimum purchase (CNY)", "起购金额(元)"),
    "purchase_open": Label("open for purchase", "开放申购"),
    "redemption_open": Label("open for redemption", "开放赎回"),
}
CATEGORY_LABELS = {"equity": ("equity", "股票型"), "bond": ("bond", "债券型"), "mixed": ("mixed", "混合型"),
                   "money_market": ("money market", "货币型"), "index": ("index", "指数型"), "qdii": ("QDII", "QDII"),
                   "fof": ("FOF", "FOF")}  # fmt: skip


# negations of a verb ("haven't lost money", "没有亏钱"): only right before the verb, never across a gap to a name
VERB_NEGATIONS = (r"haven'?t", r"hasn'?t", r"have not", r"has not", r"didn'?t", r"did not", r"never", r"没有", r"没",
                  r"未", r"不")  # fmt: skip
# what may stand between a verb's negation and the verb: "did not go up", "haven't been down"
NEGATION_GAP = r"\s*(?:(?:been|gone|go|went)\s+)?"
# what may stand between an exclusion and the figure it excludes: "exclude the ones with a 1-year loss"
THOSE_WITH = (
    r"\s*(?:(?:the\s+)?(?:those|ones|funds?)\s+)?(?:(?:with|having|that (?:have|charge)|that|charging|of|at)\s+)?"
    r"(?:(?:an?|any|the)\s+)?(?:\d+[- ]?(?:years?|months?)\s+)?"
)


@cache
def _negated_before(gap: str, verbs: bool) -> re.Pattern[str]:
    words = alternation(NEGATIONS + VERB_NEGATIONS if verbs else NEGATIONS)
    return re.compile(rf"(?<![a-z])(?<!有)(?:{words})(?![a-z])(?:{gap})$")  # "有没有" asks "is there", not "no"


def negation_before(before: str, gap: str = "", verbs: bool = False) -> re.Match[str] | None:
    """The negation word that `before` ends with, followed only by text that `gap` matches: the one test of "is
    this negated" for names, categories, flags, comparisons, losses and fees, which differ only in what may stand
    between the negation and the thing ("not from X", "non-equity", "exclude those with risk level 5") and whether
    a verb's negation counts ("haven't lost money")."""
    return _negated_before(gap, verbs).search(before)


def negated_before(before: str, gap: str = "", verbs: bool = False) -> bool:
    return negation_before(before, gap, verbs) is not None
