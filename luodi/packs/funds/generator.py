"""A deterministic synthetic fund database in the style of Chinese public-fund data (~3,000 funds).

Everything comes from one seeded `random.Random`, so two builds give identical rows. Each fund gets a monthly
return path (a shared monthly market factor per category plus its own drift and noise) and every performance
column is computed from that path, so returns, volatility, drawdown and Sharpe agree with each other. Funds
younger than a horizon have NULL for it. Companies and managers are fictional.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

SEED = 20261124
AS_OF = date(2026, 11, 20)
MONTHS = 60
RISK_FREE = 1.5  # percent a year, for the Sharpe ratio

COMPANIES = [
    ("Huasheng Fund", "华盛基金"), ("Dingyuan Fund", "鼎元基金"), ("Taihe Fund", "泰和基金"),
    ("Jiahe Fund", "嘉禾基金"), ("Yongan Fund", "永安基金"), ("Ruifeng Fund", "瑞丰基金"),
    ("Boyuan Fund", "博远基金"), ("Hengxin Fund", "恒信基金"), ("Antai Fund", "安泰基金"),
    ("Chengda Fund", "诚达基金"), ("Yuanjing Fund", "远景基金"), ("Jinqiao Fund", "金桥基金"),
    ("Tianhe Fund", "天和基金"), ("Zhonghe Fund", "中和基金"), ("Xinyuan Fund", "新元基金"),
    ("Huitong Fund", "汇通基金"), ("Changqing Fund", "长青基金"), ("Mingde Fund", "明德基金"),
    ("Tongsheng Fund", "同盛基金"), ("Guangyuan Fund", "广源基金"), ("Dongsheng Fund", "东升基金"),
    ("Xiling Fund", "西岭基金"), ("Nanshan Fund", "南山基金"), ("Beichen Fund", "北辰基金"),
    ("Qingsong Fund", "青松基金"), ("Haina Fund", "海纳基金"), ("Yunfan Fund", "云帆基金"),
    ("Xinghe Fund", "星河基金"), ("Hongtu Fund", "宏图基金"), ("Runze Fund", "润泽基金"),
    ("Zhengyuan Fund", "正源基金"), ("Qihang Fund", "启航基金"), ("Hongyun Fund", "鸿运基金"),
    ("Hongyi Fund", "弘毅基金"), ("Zhiyuan Fund", "致远基金"), ("Desheng Fund", "德盛基金"),
    ("Hexin Fund", "和信基金"), ("Juyuan Fund", "聚源基金"), ("Ronghui Fund", "融汇基金"),
    ("Jincheng Fund", "锦程基金"),
]  # fmt: skip

SURNAMES = [
    ("Zhang", "张"), ("Wang", "王"), ("Li", "李"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"), ("Zhao", "赵"),
    ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴"), ("Xu", "徐"), ("Sun", "孙"), ("Hu", "胡"), ("Zhu", "朱"),
    ("Gao", "高"), ("Lin", "林"), ("He", "何"), ("Guo", "郭"), ("Ma", "马"), ("Luo", "罗"), ("Song", "宋"),
    ("Tang", "唐"), ("Han", "韩"), ("Feng", "冯"), ("Deng", "邓"), ("Cao", "曹"), ("Peng", "彭"), ("Xie", "谢"),
]  # fmt: skip
GIVEN = [
    ("Wei", "伟"), ("Fang", "芳"), ("Min", "敏"), ("Jing", "静"), ("Lei", "磊"), ("Qiang", "强"), ("Jun", "军"),
    ("Yang", "洋"), ("Yong", "勇"), ("Yan", "艳"), ("Jie", "杰"), ("Tao", "涛"), ("Ming", "明"), ("Chao", "超"),
    ("Hui", "慧"), ("Xin", "鑫"), ("Bin", "斌"), ("Hao", "浩"), ("Kai", "凯"), ("Peng", "鹏"), ("Rui", "睿"),
    ("Ning", "宁"), ("Lu", "璐"), ("Dan", "丹"), ("Yu", "宇"), ("Xuan", "轩"), ("Chen", "晨"), ("Fei", "飞"),
]  # fmt: skip

THEMES = [
    ("Growth", "成长"), ("Value", "价值"), ("Consumer", "消费"), ("Healthcare", "医疗"), ("Technology", "科技"),
    ("New Energy", "新能源"), ("Dividend", "红利"), ("Select", "优选"), ("Balanced", "均衡"),
    ("Innovation", "创新"), ("Blue Chip", "蓝筹"), ("Quant", "量化"), ("Manufacturing", "先进制造"),
    ("Semiconductor", "半导体"), ("Low Carbon", "低碳"), ("Pioneer", "先锋"), ("Prosperity", "景气"),
    ("Core Assets", "核心资产"), ("Smart Select", "智选"), ("Flexible", "灵活配置"),
]  # fmt: skip
BOND_THEMES = [
    ("Pure Bond", "纯债"), ("Enhanced Bond", "增强债券"), ("Short-Term Bond", "短债"), ("Credit Bond", "信用债"),
    ("Rate Bond", "利率债"), ("Convertible Bond", "可转债"), ("Stable Income", "稳健收益"), ("Treasury", "国债"),
]  # fmt: skip
INDEXES = [
    ("CSI 300", "沪深300"), ("CSI 500", "中证500"), ("CSI 1000", "中证1000"), ("SSE 50", "上证50"),
    ("ChiNext", "创业板"), ("STAR 50", "科创50"), ("CSI Dividend", "中证红利"), ("CSI Liquor", "中证白酒"),
    ("CSI Healthcare", "中证医疗"), ("CSI Securities", "证券公司"), ("CSI New Energy Vehicles", "新能源车"),
    ("CSI Semiconductors", "半导体芯片"),
]  # fmt: skip
QDII_THEMES = [
    ("Nasdaq 100", "纳斯达克100"), ("S&P 500", "标普500"), ("Hang Seng Tech", "恒生科技"), ("Hang Seng", "恒生"),
    ("Global Tech", "全球科技"), ("Global Healthcare", "全球医疗"), ("Asia Pacific Select", "亚太精选"),
    ("US Treasury", "美国国债"),
]  # fmt: skip
FOF_THEMES = [
    ("Target Date 2035", "养老目标日期2035"), ("Target Date 2045", "养老目标日期2045"),
    ("Target Risk Steady", "养老目标风险稳健"), ("Balanced Allocation", "均衡配置"), ("Steady Allocation", "稳健配置"),
]  # fmt: skip
MONEY_THEMES = [("Cash", "现金宝"), ("Money Market", "货币"), ("Daily Income", "日日盈"), ("Wealth", "添利")]


@dataclass(frozen=True)
class CategoryProfile:
    count: int
    label: tuple[str, str]
    drift: tuple[float, float]  # mean and spread of the fund's expected annual return, percent
    volatility: tuple[float, float]  # range of annual volatility, percent
    risk_levels: tuple[tuple[int, float], ...]
    management_fees: tuple[float, ...]
    purchase_fee: float
    market_volatility: float  # of the category's shared monthly factor, percent a year


PROFILES: dict[str, CategoryProfile] = {
    "equity": CategoryProfile(600, ("Equity", "股票"), (6, 9), (18, 32), ((4, 0.4), (5, 0.6)),
                              (1.2, 1.2, 1.5, 1.0, 0.8), 1.5, 18),
    "bond": CategoryProfile(750, ("Bond", "债券"), (3.2, 1.2), (0.8, 4.5), ((1, 0.2), (2, 0.7), (3, 0.1)),
                            (0.3, 0.3, 0.2, 0.4, 0.5, 0.6, 0.7), 0.8, 1.5),
    "mixed": CategoryProfile(800, ("Mixed", "混合"), (5, 8), (10, 26), ((3, 0.55), (4, 0.45)),
                             (1.2, 1.2, 1.5, 1.0, 0.8, 0.6), 1.5, 13),
    "money_market": CategoryProfile(250, ("Money Market", "货币"), (1.9, 0.3), (0.05, 0.15), ((1, 1.0),),
                                    (0.15, 0.2, 0.25, 0.3, 0.33), 0.0, 0.05),
    "index": CategoryProfile(350, ("Index", "指数"), (5, 6), (17, 30), ((4, 0.5), (5, 0.5)),
                             (0.15, 0.15, 0.5, 0.5, 0.5, 0.8, 1.0), 1.2, 20),
    "qdii": CategoryProfile(120, ("QDII", "QDII"), (7, 9), (14, 30), ((4, 0.6), (5, 0.4)),
                            (0.8, 1.0, 1.2, 1.5, 1.8), 1.5, 17),
    "fof": CategoryProfile(130, ("FOF", "FOF"), (4, 3), (4, 12), ((2, 0.3), (3, 0.5), (4, 0.2)),
                           (0.5, 0.6, 0.8, 1.0), 1.0, 7),
}  # fmt: skip


@dataclass
class FundDatabaseRows:
    funds: list[dict[str, Any]]
    companies: list[dict[str, Any]]
    managers: list[dict[str, Any]]
    meta: list[dict[str, Any]]


def generate(seed: int = SEED) -> FundDatabaseRows:
    rng = random.Random(seed)
    managers = _managers(rng)
    market = {category: _market_path(rng, profile) for category, profile in PROFILES.items()}
    codes = rng.sample(range(1, 999_999), sum(p.count for p in PROFILES.values()))
    funds: list[dict[str, Any]] = []
    taken_names: set[str] = set()
    for category, profile in PROFILES.items():
        for _ in range(profile.count):
            code = f"{codes[len(funds)]:06d}"
            manager = rng.choice(managers)
            fund = _fund(rng, code, category, profile, manager, market[category], taken_names)
            funds.append(fund)
    funds.sort(key=lambda row: row["code"])
    return FundDatabaseRows(
        funds=funds,
        companies=[{"company": en, "company_zh": zh} for en, zh in COMPANIES],
        managers=managers,
        meta=[{"key": "as_of", "value": AS_OF.isoformat()}, {"key": "seed", "value": str(seed)}],
    )


def _managers(rng: random.Random) -> list[dict[str, Any]]:
    """600 managers with distinct names in both scripts, each at one company."""
    pairs = [(s, g) for s in SURNAMES for g in GIVEN if s[0] != g[0]]
    chosen = rng.sample(pairs, 600)
    return [
        {"manager": f"{s[0]} {g[0]}", "manager_zh": s[1] + g[1], "company": rng.choice(COMPANIES)[0]} for s, g in chosen
    ]


def _market_path(rng: random.Random, profile: CategoryProfile) -> list[float]:
    monthly = profile.market_volatility / 100 / math.sqrt(12)
    return [rng.gauss(0.0, monthly) for _ in range(MONTHS)]


def _fund(
    rng: random.Random,
    code: str,
    category: str,
    profile: CategoryProfile,
    manager: dict[str, Any],
    market: list[float],
    taken_names: set[str],
) -> dict[str, Any]:
    inception = AS_OF - timedelta(days=int(_age_years(rng) * 365.25))
    months_alive = min(MONTHS, _full_months(inception, AS_OF))
    path = _return_path(rng, profile, market)[MONTHS - months_alive :]
    share_class = rng.choice("AAC") if category not in ("money_market", "fof") else rng.choice("AB")
    name, name_zh = _names(rng, category, profile, manager["company"], share_class, taken_names)
    management_fee = rng.choice(profile.management_fees)
    return {
        "code": code,
        "name": name,
        "name_zh": name_zh,
        "category": category,
        "risk_level": _weighted(rng, profile.risk_levels),
        "company": manager["company"],
        "manager": manager["manager"],
        "inception_date": inception,
        "size_cny_100m": _size(rng, category),
        "nav": 1.0 if category == "money_market" else round(max(0.3, math.exp(sum(path)) * rng.uniform(0.9, 1.6)), 4),
        **_performance(path),
        "management_fee": management_fee,
        "custody_fee": _custody_fee(management_fee),
        "purchase_fee": 0.0 if share_class == "C" else profile.purchase_fee,
        "min_purchase_cny": rng.choice((1.0, 10.0, 10.0, 100.0, 1000.0, 10000.0)),
        "purchase_open": rng.random() < 0.9,
        "redemption_open": rng.random() < 0.97,
    }


def _full_months(start: date, end: date) -> int:
    """Calendar months completed, so "return_5y is not NULL" is exactly "founded on or before 5 years ago"."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def _age_years(rng: random.Random) -> float:
    """About a quarter of funds younger than 3 years, a further sixth between 3 and 5."""
    draw = rng.random()
    if draw < 0.25:
        return rng.uniform(0.2, 3.0)
    if draw < 0.42:
        return rng.uniform(3.0, 5.0)
    return rng.uniform(5.0, 20.0)


def _return_path(rng: random.Random, profile: CategoryProfile, market: list[float]) -> list[float]:
    """Monthly log returns: the fund's drift and noise plus its exposure to the category's market factor."""
    drift = rng.gauss(*profile.drift) / 100 / 12
    own = rng.uniform(*profile.volatility) / 100 / math.sqrt(12) * 0.6
    beta = rng.uniform(0.7, 1.2)
    return [drift + beta * factor + rng.gauss(0.0, own) for factor in market]


def _performance(path: list[float]) -> dict[str, float | None]:
    horizons = {"1m": 1, "3m": 3, "6m": 6, "1y": 12, "3y": 36, "5y": 60}
    row: dict[str, float | None] = {
        f"return_{name}": _percent(math.exp(sum(path[-months:])) - 1) if len(path) >= months else None
        for name, months in horizons.items()
    }
    if len(path) < 36:
        return {**row, "volatility_3y": None, "max_drawdown_3y": None, "sharpe_3y": None}
    window = path[-36:]
    mean = sum(window) / 36
    volatility = math.sqrt(sum((m - mean) ** 2 for m in window) / 35) * math.sqrt(12) * 100
    annual = (math.exp(sum(window) / 3) - 1) * 100
    return {
        **row,
        "volatility_3y": round(volatility, 2),
        "max_drawdown_3y": round(_max_drawdown(window), 2),
        "sharpe_3y": round((annual - RISK_FREE) / max(volatility, 0.05), 2),
    }


def _max_drawdown(window: list[float]) -> float:
    level, peak, worst = 0.0, 0.0, 0.0
    for monthly in window:
        level += monthly
        peak = max(peak, level)
        worst = max(worst, 1 - math.exp(level - peak))
    return worst * 100


def _percent(fraction: float) -> float:
    return round(fraction * 100, 2)


def _size(rng: random.Random, category: str) -> float:
    median = {"money_market": 60.0, "bond": 12.0, "index": 8.0}.get(category, 5.0)
    return round(min(3000.0, max(0.05, rng.lognormvariate(math.log(median), 1.2))), 2)


def _custody_fee(management_fee: float) -> float:
    if management_fee <= 0.2:
        return 0.05
    return 0.1 if management_fee <= 0.6 else (0.2 if management_fee <= 1.0 else 0.25)


def _weighted(rng: random.Random, choices: tuple[tuple[int, float], ...]) -> int:
    values, weights = zip(*choices, strict=True)
    return int(rng.choices(values, weights=weights)[0])


def _names(
    rng: random.Random, category: str, profile: CategoryProfile, company: str, share_class: str, taken: set[str]
) -> tuple[str, str]:
    brand_en = company.removesuffix(" Fund")
    brand_zh = dict(COMPANIES)[company].removesuffix("基金")
    label_en, label_zh = profile.label
    themes = {"bond": BOND_THEMES, "index": INDEXES, "qdii": QDII_THEMES, "fof": FOF_THEMES}.get(category)
    themes = themes or (MONEY_THEMES if category == "money_market" else THEMES)
    for attempt in range(50):
        theme_en, theme_zh = rng.choice(themes)
        serial_en, serial_zh = ("", "") if attempt < 3 else (f" {attempt}", str(attempt))
        if category == "index":
            name = f"{brand_en} {theme_en} Index{serial_en} {share_class}"
            name_zh = f"{brand_zh}{theme_zh}指数{serial_zh}{share_class}"
        else:
            label = "" if label_en in theme_en else f" {label_en}"
            name = f"{brand_en} {theme_en}{serial_en}{label} {share_class}"
            suffix_zh = "" if label_zh in theme_zh else label_zh
            name_zh = f"{brand_zh}{theme_zh}{serial_zh}{suffix_zh}{share_class}"
        if name not in taken:
            taken.add(name)
            return name, name_zh
    raise RuntimeError("could not find a free fund name")
