"""Answers in English or Chinese: the filter as readable conditions (with the definitions of vague words),
the count, the matching funds with the columns the question is about, and a citation per listed row."""

from __future__ import annotations

from datetime import date
from typing import Any

from luodi.contracts import Citation, Evidence
from luodi.packs.funds.dialogue import TurnOutcome
from luodi.packs.funds.lexicon import CATEGORY_LABELS, COLUMN_LABELS
from luodi.packs.funds.query import Condition, FundFilter, SortKey
from luodi.packs.funds.vague import definition

BASE_COLUMNS = ("code", "name", "category", "risk_level")
COMPARE_COLUMNS = ("company", "manager", "inception_date", "size_cny_100m", "nav", "return_1y", "return_3y",
                   "return_5y", "volatility_3y", "max_drawdown_3y", "sharpe_3y", "management_fee", "custody_fee",
                   "purchase_fee", "min_purchase_cny", "purchase_open", "redemption_open")  # fmt: skip
SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}
CLARIFICATIONS = {
    "unknown_name": (
        "I found no fund manager or fund company called “{words}” in the database, so I did not filter on it.{hint}",
        "数据库中没有名为“{words}”的基金经理或基金公司，所以没有按它筛选。{hint}",
    ),
    "best_without_measure": (
        "“Best” depends on what you value. Best by which measure: 1-year or 3-year return, Sharpe ratio, lowest "
        "drawdown, lowest fees, or size? For example: “bond funds with the highest 3-year Sharpe ratio”.",
        "“最好”要看标准：按近1年或近3年收益、夏普比率、最大回撤最小、费率最低还是规模？例如：“近3年夏普比率最高的债券基金”。",
    ),
    "unknown_words": (
        "I could not tell which figure you mean by “{words}”.{hint} I can filter on: {columns}.",
        "我不确定“{words}”指的是哪项数据。{hint}可以筛选的有：{columns}。",
    ),
    "unsupported": (
        "The database has no figure for “{words}”. Returns are available over 1 month, 3 and 6 months, 1, 3 and 5 "
        "years.",
        "数据库中没有“{words}”这一项。收益只有近1月、近3月、近6月、近1年、近3年、近5年。",
    ),
    "promise": (
        "No fund can promise “{words}”: every fund can lose money, and no one knows future returns; past figures "
        "do not guarantee future ones. "
        "I can look for funds that have been steady instead, for example “low-risk funds with a 3-year maximum "
        "drawdown under 2%”.",
        "没有基金能保证“{words}”：任何基金都可能亏损，未来收益无人能预知，过往业绩也不代表未来。可以改为筛选一直比较稳的基金，例如"
        "“近三年最大回撤小于2%的低风险基金”。",
    ),
    "column_comparison": (
        "I can compare a figure with a number, not yet two figures with each other (“{words}”). For example: "
        "“equity funds with a 3-year return above 30%”.",
        "目前只能把一项数据和一个数值比较，还不能比较两项数据（“{words}”）。例如：“近三年收益超过30%的股票型基金”。",
    ),
    "nothing_understood": (
        "I screen funds. Ask for example: “low-risk bond funds with a 3-year return above 5%”, “top 5 index funds "
        "by size”, “funds managed by Zhang Jing open for purchase”, or “compare 000309 and 000412”.",
        "我可以帮您筛选基金，例如：“近一年收益超过10%的股票型基金，按夏普比率排序”、“规模最大的5只指数基金”、"
        "“基金经理张静管理的可申购基金”。",
    ),
    "nothing_shown": (
        "Which funds should I compare? Name them by code or name, e.g. “compare 000309 and 000412”.",
        "要比较哪几只基金？请给出代码或名称，例如“比较000309和000412”。",
    ),
}


def _zh(language: str) -> bool:
    return language == "zh"


def column_label(column: str, language: str) -> str:
    label = COLUMN_LABELS[column]
    return label.zh if _zh(language) else label.en


def format_value(column: str, value: Any, language: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if _zh(language) else ("yes" if value else "no")
    if column == "category":
        labels = CATEGORY_LABELS.get(str(value))
        return (labels[1] if _zh(language) else labels[0]) if labels else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(format_value(column, v, language) for v in value)
    if isinstance(value, float):
        text = f"{value:,.4f}".rstrip("0").rstrip(".")
        return text + COLUMN_LABELS[column].unit
    return str(value)


def describe_condition(
    condition: Condition, language: str, medians: dict[str, dict[str, float]], category: str | None = None
) -> str:
    label = column_label(condition.column, language)
    if condition.op in ("below_category_median", "above_category_median"):
        word = (condition.vague or "").replace("_", " ")
        text = f"“{word}” = {definition(condition.vague or '', language)}" if condition.vague else label
        values = medians.get(condition.column, {})
        values = {category: values[category]} if category in values else values
        if values:
            listed = ", ".join(f"{format_value('category', k, language)} {format_value(condition.column, v, language)}"
                               for k, v in sorted(values.items()))  # fmt: skip
            text += f"（中位数：{listed}）" if _zh(language) else f" (median: {listed})"
        return text
    if condition.op == "between":
        lower = format_value(condition.column, condition.value, language)
        upper = format_value(condition.column, condition.upper, language)
        text = f"{label} {lower} – {upper}"
    elif condition.op == "contains":
        text = f"名称包含“{condition.value}”" if _zh(language) else f"name contains “{condition.value}”"
    elif condition.op == "in":
        text = f"{label} ∈ {{{format_value(condition.column, condition.value, language)}}}"
    else:
        text = f"{label} {SYMBOLS[condition.op]} {format_value(condition.column, condition.value, language)}"
    if condition.vague:
        word = condition.vague.replace("_", " ")
        text += (
            f"（“{word}” = {definition(condition.vague, language)}）"
            if _zh(language)
            else (f" (“{word}” = {definition(condition.vague, language)})")
        )
    if condition.said:  # words a trained model read as this figure: shown, so a wrong reading can be corrected
        text += f"（“{condition.said}”理解为{label}）" if _zh(language) else f" (“{condition.said}” read as {label})"
    return text


def describe_sort(key: SortKey, language: str) -> str:
    if _zh(language):
        return f"{column_label(key.column, 'zh')}{'从高到低' if key.descending else '从低到高'}"
    return f"{column_label(key.column, 'en')}, {'highest' if key.descending else 'lowest'} first"


def readable_filter(fund_filter: FundFilter, language: str, medians: dict[str, dict[str, float]]) -> list[str]:
    ordered = sorted(fund_filter.conditions, key=lambda c: c.column != "category")  # the category first
    lines = [describe_condition(c, language, medians, fund_filter.category()) for c in ordered]
    if fund_filter.codes:
        lines.append(("基金代码 ∈ " if _zh(language) else "code ∈ ") + ", ".join(fund_filter.codes))
    return lines


def shown_columns(outcome: TurnOutcome) -> list[str]:
    assert outcome.fund_filter is not None
    asked = [c for c in outcome.fund_filter.columns() if c not in BASE_COLUMNS]
    extra = list(COMPARE_COLUMNS) if outcome.compare else ["return_1y", "size_cny_100m"]
    return list(dict.fromkeys([*BASE_COLUMNS, *asked, *extra]))


def _row_line(position: int, row: dict[str, Any], columns: list[str], language: str) -> str:
    name = row["name_zh"] if _zh(language) else row["name"]
    details = " · ".join(
        f"{column_label(c, language)} {format_value(c, row[c], language)}" for c in columns if c not in ("code", "name")
    )
    return f"{position}. {row['code']} {name} — {details} [funds:{row['code']}]"


def _suggestion_hint(names: list[str], zh: bool) -> str:
    if not names:
        return ""
    listed = "、".join(names) if zh else ", ".join(names)
    return f"您是不是指：{listed}？" if zh else f" Did you mean: {listed}?"


def render(outcome: TurnOutcome) -> tuple[str, list[Evidence], list[Citation], dict[str, Any]]:
    language = outcome.language
    zh = _zh(language)
    if outcome.clarification is not None:
        template = CLARIFICATIONS[outcome.clarification][1 if zh else 0]
        reading = outcome.reading
        said = reading.unknown_names or reading.unknown or reading.unsupported or reading.promises
        words = "; ".join(said or reading.column_comparison)
        columns = "、".join(column_label(c, language) for c in COLUMN_LABELS if c not in ("code", "name_zh"))
        text = template.format(words=words, columns=columns if zh else columns.replace("、", ", "),
                               hint=_suggestion_hint(reading.suggestions, zh))  # fmt: skip
        return text, [], [], {"clarification": outcome.clarification}
    assert outcome.fund_filter is not None and outcome.result is not None
    fund_filter, result = outcome.fund_filter, outcome.result
    medians = result.medians
    lines = readable_filter(fund_filter, language, medians)
    parts = [("筛选条件：" if zh else "Filter applied:")]
    parts += [f"  • {line}" for line in lines] or [("  • （无，全部基金）" if zh else "  • (none: all funds)")]
    if fund_filter.sort:
        sorts = "; ".join(describe_sort(k, language) for k in fund_filter.sort)
        parts.append(f"排序：{sorts}" if zh else f"Sorted by: {sorts}")
    if outcome.contradictory:
        columns = ", ".join(column_label(c, language) for c in outcome.contradictory)
        parts.append(f"注意：{columns}的条件互相矛盾，不可能同时满足。" if zh else
                     f"Note: the conditions on {columns} contradict each other; none can meet them all.")  # fmt: skip
    if outcome.dropped:
        dropped = "; ".join(describe_condition(c, language, medians) for c in outcome.dropped)
        parts.append(f"已去掉新类型下无法满足的条件：{dropped}" if zh else
                     f"Dropped because no fund of the new category meets it: {dropped}")  # fmt: skip
    first = fund_filter.offset + 1
    if result.count == 0 or not result.rows:
        parts.append("没有符合条件的基金（数据库中无匹配记录）。" if zh else
                     "No fund in the database matches these conditions.")  # fmt: skip
    else:
        last = fund_filter.offset + len(result.rows)
        window = min(result.count, fund_filter.limit) if fund_filter.limit and not fund_filter.offset else result.count
        parts.append(f"共 {result.count} 只基金符合条件，显示第 {first}–{last} 只：" if zh else
                     f"{result.count} funds match; showing {first}–{last}"
                     + (f" of the top {window}" if window != result.count else "") + ":")  # fmt: skip
        listed = shown_columns(outcome)
        parts += [_row_line(first + i, row, listed, language) for i, row in enumerate(result.rows)]
    evidence = [_evidence(row, shown_columns(outcome)) for row in result.rows]
    citations = [Citation(evidence_id=e.id, source="funds", quote=e.text[:200]) for e in evidence]
    state = {
        "filter": fund_filter.model_dump(),
        "conditions": lines,
        "sort": [describe_sort(k, language) for k in fund_filter.sort],
        "count": result.count,
        "shown": [row["code"] for row in result.rows],
        "contradictory": outcome.contradictory,
    }
    return "\n".join(parts), evidence, citations, state


def _evidence(row: dict[str, Any], columns: list[str]) -> Evidence:
    values = {c: (row[c].isoformat() if isinstance(row[c], date) else row[c]) for c in [*columns, "name_zh"]}
    text = "; ".join(f"{c}={values[c]}" for c in values)
    return Evidence(id=f"funds:{row['code']}", kind="record", text=text, source="funds", metadata=values)
