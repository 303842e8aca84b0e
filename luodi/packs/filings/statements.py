"""Extract line items from the primary financial statements of 10-K/10-Q style filings.

A statement page is recognised by its title (within the first lines of a page) and by being mostly rows of
numbers. Each row is a label followed by one value per column; the columns are periods, read from the
header years when the page prints them and otherwise counted back from the document's fiscal year. Scale
("in millions", "in thousands") is read from the page. Labels are mapped to canonical line items by
ordered patterns, most specific first, so that "Total net revenues" wins over a segment's "Revenues".
Every fact keeps the page and character span of its row, so an answer built on it can cite the row.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from luodi.knowledge.extractors import Fact

# matched against a title line with its spaces removed
STATEMENT_TITLES: dict[str, re.Pattern[str]] = {
    "income": re.compile(r"statements?of(?:consolidated)?(?:income|operations|earnings)|incomestatements?"),
    "balance": re.compile(r"balancesheets?|statements?of(?:consolidated)?financial(?:position|condition)"),
    "cashflow": re.compile(r"statements?of(?:consolidated)?cashflows?|cashflows?statements?"),
}
_ONLY_COMPREHENSIVE = re.compile(r"statements?of(?:consolidated)?comprehensive")
# 52- and 53-week fiscal years are annual; 12, 13, 16, 24, 26, 36 or 39 weeks are interim periods. Columns
# headed "Q3 Q4 FULL YEAR" are quarters, and "Amount | Percent to Sales" columns alternate amounts with shares
# of sales: neither kind is one fiscal year per column (an earnings release's quarter would pass for the year)
_INTERIM = re.compile(
    r"three\s+months|six\s+months|nine\s+months|quarter\s+ended|\b(?:1[236]|2[46]|3[69])\s+weeks"
    r"|\bq[1-4]\b|\b[1-4]q\d\d\b|(?:first|second|third|fourth)\s+quarter|\bpercent\b", re.I
)
_SCALES = [
    (re.compile(r"in\s+billions|\(billions|billions\s+of\s+(?:u\.s\.\s+)?dollars", re.I), 1e9, "billions"),
    (re.compile(r"in\s+millions|\(millions|millions\s+of\s+(?:u\.s\.\s+)?dollars|\$\s*millions", re.I), 1e6,
     "millions"),
    (re.compile(r"in\s+thousands|\(thousands|thousands\s+of\s+(?:u\.s\.\s+)?dollars|\$\s*thousands", re.I),
     1e3, "thousands"),
]
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_NUMBER = re.compile(r"^\(?-?\$?\(?\d[\d,]*(?:\.\d+)?\)?$")
_NAME_AFTER_PREPOSITION = re.compile(r"\b(?:to|of|for|by)\s+[A-Z&.]{2,}$")
_ROW_BREAK = re.compile(
    r"(?<=[\d)—–]) (?=[A-Z][a-z]|[A-Z]{2,}|\([A-Za-z])"  # a number, then the next row's label
    r"|(?<=[A-Z]{2}) (?=[A-Z][a-z])"  # a section heading in capitals, then a label
)
_DASHES = {"—", "–", "-", "—-", "$—", "$-"}

def _section_total(activity: str) -> list[str]:
    """Label patterns of a cash-flow section's total, worded every way filings word it."""
    verbs = (r"provided by|from|generated (?:by|from)|used (?:in|for|by)|\(used (?:in|for|by)\)|provided \(used\) by"
             r"|provided by \(used (?:in|for|by)\)|\(?used in\)? provided by|provided by/\(used in\)|from \(used in\)"
             r"|\(used (?:in|for|by)\)/? ?provided by")
    return [rf"(?:net |total )?cash (?:flows? )?(?:{verbs}) (?:continuing )?{activity} activities.*",
            rf"net cash (?:from|used in|provided by) {activity}.*"]


# canonical line item -> (statement, label patterns, most specific first); labels are normalised first
LINE_ITEMS: dict[str, tuple[str, list[str]]] = {
    "revenue": ("income", [
        r"total net revenues?", r"total revenues?(?: and other income)?", r"net revenues?", r"total net sales",
        r"net sales", r"revenues?", r"sales", r"net sales and revenues?", r"(?:total )?operating revenues?",
        r"total revenues?, net",
        r"revenues?, net", r"sales to customers", r"net operating revenues",
    ]),
    "cogs": ("income", [
        r"total cost of (?:revenues?|sales|goods sold)", r"cost of (?:revenues?|sales|goods sold)",
        r"cost of products sold", r"cost of goods sold(?: \(excluding .*\))?", r"cost of sales(?: \(.*\))?",
        r"cost of (?:goods|products) sold.*", r"cost of sales.*", r"cost of revenues?.*", r"merchandise costs",
    ]),
    "gross_profit": ("income", [r"gross (?:profit|margin)"]),
    "operating_income": ("income", [
        r"operating income(?: \(loss\))?", r"income(?: \(loss\))? from operations", r"operating profit",
        r"total operating income", r"operating (?:income|profit) \(loss\)", r"earnings from operations",
        r"operating loss", r"loss from operations", r"(?:income|loss) \((?:loss|income)\) from operations",
    ]),
    "net_income": ("income", [
        r"(?:consolidated )?net (?:income|earnings)(?: \(loss\))? attributable to "
        r"(?!.*(?:non(?: - |-)?controlling|minority|redeemable)).*",
        r"(?:consolidated )?net (?:income|earnings)(?: \(loss\))?", r"net (?:loss|income) \(income\)", r"net loss",
        r"net (?:income )?\(?loss\)? attributable to (?!.*(?:non(?: - |-)?controlling|minority|redeemable)).*",
    ]),
    "pretax_income": ("income", [
        r"(?:income|earnings)(?: \(loss\))? before (?:provision for )?income tax(?:es)?.*",
        r"(?:income|earnings)(?: \(loss\))? from continuing operations before (?:provision for )?income tax.*",
        r"(?:income|earnings)(?: \(loss\))?(?: from continuing operations)? before (?:the )?(?:provision|benefit)"
        r"(?: \((?:benefit|provision)\))? for taxes on income.*",
    ]),
    "interest_expense": ("income", [r"interest expense(?:, net)?", r"interest expense.*"]),
    "sga": ("income", [r"selling, general and administrative(?: expenses?)?", r"selling, general.*"]),
    "income_tax": ("income", [
        r"(?:provision for|benefit from)? ?income tax(?:es)?(?: expense| provision)?.*",
        r"(?:provision|benefit)(?: \((?:benefit|provision)\))? for (?:income )?taxes(?: on income)?.*",
    ]),
    "total_current_assets": ("balance", [r"total current assets"]),
    "total_assets": ("balance", [r"total assets"]),
    "total_current_liabilities": ("balance", [r"total current liabilities"]),
    "total_liabilities": ("balance", [r"total liabilities"]),
    "ppe_net": ("balance", [
        r"property,? plant,? and equipment,? (?:- )?net", r"property and equipment,? (?:- )?net",
        r"net property,? plant,? and equipment", r"property,? plant,? and equipment \(net\)",
        r"property,? plant,? and equipment, net of .*", r"property and equipment, net of .*",
        r"net property(?:,? plant)? and equipment", r"land, buildings,? and equipment(?:, net)?",
        r"property,? plant and equipment(?:, at cost)?, net", r"property,? (?:plant,? )?and equipment",
    ]),
    "inventory": ("balance", [r"(?:total |merchandise )?inventor(?:y|ies)(?:, net)?"]),
    "accounts_receivable": ("balance", [
        r"(?:trade )?accounts receivable.*", r"(?:trade )?receivables?,? net.*", r"receivables?",
        r"trade (?:accounts )?receivables?(?: \(net.*)?",
        r"accounts and notes receivable.*",
    ]),
    "accounts_payable": ("balance", [r"(?:trade )?accounts payable", r"trade payables?", r"accounts payable.*"]),
    "cash": ("balance", [r"cash and cash equivalents", r"cash and equivalents", r"cash"]),
    "short_term_investments": ("balance", [r"short-term investments", r"marketable securities.*",
                                           r"short-term marketable securities"]),
    "total_equity": ("balance", [r"total (?:share|stock)(?:holders|owners)'? equity.*", r"total equity"]),
    "operating_cash_flow": ("cashflow", [
        r"(?:net |total )?cash (?:flows? )?(?:provided by|from|generated (?:by|from)|provided \(used\) by|"
        r"provided by \(used (?:in|for)\)|\(used in\) provided by) (?:operating activities|operations).*",
        r"cash provided by (?:\(used in\) )?operating activities", r"net cash (?:provided|generated) by operations",
        r"cash flows? from operating activities", r"net cash (?:used in|provided by) operating activities",
    ]),
    # the section totals, for questions that compare where a year's cash came from or went
    "investing_cash_flow": ("cashflow", _section_total("investing")),
    "financing_cash_flow": ("cashflow", _section_total("financing")),
    "capex": ("cashflow", [
        r"purchases? of property,? plant,? and equipment.*", r"capital expenditures?", r"capital spending",
        r"capital expenditures?.*",
        r"(?:payments|expenditures) for (?:acquisition of )?property,? (?:plant )?and equipment.*",
        r"additions to property,? (?:plant )?and equipment.*", r"purchases? of property and equipment.*",
        r"property,? plant,? and equipment additions.*",
        r"acquisitions? of property,? plant,? and equipment.*",
        r"(?:purchases?|acquisitions?|additions?|payments?|expenditures?) (?:of|to|for|to acquire) "
        r"(?:land|buildings|property|premises|fixed assets).*",
    ]),
    "depreciation_amortization": ("cashflow", [
        r"depreciation and amortization.*", r"depreciation, amortization.*", r"depreciation, depletion and .*",
        r"depreciation",
    ]),
    "dividends_paid": ("cashflow", [r"(?:cash )?dividends paid.*", r"dividends paid to .*",
                                    r"payments? of (?:cash )?dividends.*", r"dividends.*"]),
}
_COMPILED = {key: (st, [re.compile(rf"^{p}$") for p in pats]) for key, (st, pats) in LINE_ITEMS.items()}


@dataclass(frozen=True)
class Row:
    label: str
    values: list[float]
    start: int
    end: int


def normalise_label(label: str) -> str:
    label = label.lower().replace("’", "'").replace("—", "-").replace("–", "-")
    label = re.sub(r"\(notes? \d+(?:(?:,| and) \d+)*\)|\bnote \d+\b|\(\d\)$|\*+", "", label)
    label = re.sub(r"\s*/\s*\(", " (", label)  # "income/(loss)", "provided/(used)"
    # a section heading fused to the row: "cash flows - investing activities purchases of land, ..."
    label = re.sub(r"^cash flows? (?:- )?(?:from |used (?:in|for) )?(?:operating|investing|financing) activities:? ",
                   "", label)
    label = re.sub(r"\s*-\s*", " - ", label)
    label = re.sub(r"[\s$]+", " ", label)
    label = re.sub(r"\.{2,}.*$", "", label).strip(" :.")  # dot leaders
    return label.replace(" - net", ", net").replace(", - net", ", net")


def _value(token: str) -> float | None:
    if token in _DASHES:
        return 0.0
    if not _NUMBER.match(token):
        return None
    negative = "(" in token or token.startswith("-")
    digits = re.sub(r"[^\d.]", "", token)
    try:
        number = float(digits)
    except ValueError:
        return None
    return -number if negative else number


def _split_values(line: str) -> tuple[str, list[float]]:
    """A text line as its label and the numbers that end it."""
    tokens = line.split()
    values: list[float] = []
    while tokens:
        token = tokens[-1]
        if token == "$":
            tokens.pop()
            continue
        if token == ")" and len(tokens) > 1:  # "(28,107 )": a negative number printed with a space inside
            tokens.pop()
            tokens[-1] += ")"
            continue
        if token.endswith(")") and "(" not in token:  # "(Note 6)", "(Notes 11 and 15)": part of the label
            break
        number = _value(token)
        if number is None:
            break
        values.append(number)
        tokens.pop()
    values.reverse()
    if len(values) == 1 and line.split()[-1] in _DASHES:  # "net of accumulated depreciation -": a label that goes on
        return line.strip(), []
    return " ".join(tokens), values


# a label line ending this way goes on in the next line ("..., net of accumulated depreciation of\n$13,663 ...")
_DANGLING = re.compile(r"(?:\b(?:of|and|for|to|in|from|by|on)|[,–-])$", re.I)
# "Benefit (provision) for income taxes" prints an expense in parentheses: its amounts are negated so that a
# tax expense is positive whichever way the row is worded
_BENEFIT_FIRST = re.compile(r"^benefit \(provision\)")


def printed_sign(label: str) -> int:
    """-1 for a row whose label puts the benefit first, so that its expense in parentheses reads positive."""
    return -1 if _BENEFIT_FIRST.match(normalise_label(label)) else 1


_FRAGMENT_WORDS = 3  # some PDFs print a label one word per line ("Property\nand\nequipment,\nnet 20,729")


def _pending_run(lines: list[tuple[str, int]]) -> tuple[str, int]:
    """The label text lines before a row continue: the last line, or the whole trailing run of short
    fragments when the label was printed a word or two per line."""
    if not lines:
        return "", 0
    first = len(lines) - 1
    while first > 0 and len(lines[first][0].split()) <= _FRAGMENT_WORDS \
            and len(lines[first - 1][0].split()) <= _FRAGMENT_WORDS:
        first -= 1
    return " ".join(text for text, _ in lines[first:]), lines[first][1]


def _heading_groups(lines: list[tuple[str, int]]) -> list[str]:
    """Label-only lines before a row with a label of its own are section headings, outermost first: each
    line one, except that fragments printed a word per line join up, and a run in capitals ("ASSETS")
    stands apart from the one after it ("Current assets")."""
    groups: list[list[str]] = []
    for text, _ in lines:
        fragment = len(text.split()) <= _FRAGMENT_WORDS
        if groups and fragment and len(groups[-1][-1].split()) <= _FRAGMENT_WORDS \
                and groups[-1][-1].isupper() == text.isupper():
            groups[-1].append(text)
        else:
            groups.append([text])
    return [" ".join(group).rstrip(": ") for group in groups]


def _row_break(match: re.Match[str]) -> str:
    """A line break where `_ROW_BREAK` found one, except inside a name in capitals that a preposition leads
    into: "Net income attributable to MGM Resorts International" is one label, not a heading and a row."""
    before = match.string[max(0, match.start() - 40) : match.start()]
    return " " if _NAME_AFTER_PREPOSITION.search(before) else "\n"


def _closes(label: str, heading: str) -> bool:
    """"Total current assets" closes the section headed "Current assets:"."""
    return normalise_label(label) == f"total {normalise_label(heading)}"


def parse_rows(page_text: str) -> list[Row]:
    """Label-and-numbers rows; a line of numbers only completes the label on the line before it.

    A line of numbers with no label at all under a section heading ("Revenues", three rows, then the sum)
    is that section's total, labelled "Total <heading>"; a labelled "Total <heading>" row closes it instead.
    """
    # some PDFs run several rows into one text line ("... 636 604 582 Deferred income taxes 230 ..."): break
    # a line where a number is followed by a capitalised word; one character for one keeps the spans exact
    page_text = _ROW_BREAK.sub(_row_break, page_text)
    rows: list[Row] = []
    pending: list[tuple[str, int]] = []  # label-only lines since the last row, with their offsets
    headings: list[str] = []  # open sections, innermost last
    position = 0
    for line in page_text.splitlines(keepends=True):
        start, end = position, position + len(line.rstrip("\n"))
        position += len(line)
        label, values = _split_values(line)
        if not values:
            if label:
                pending.append((label, start))
            continue
        pending_label, pending_start = _pending_run(pending)
        if not label and pending_label:
            label, start = pending_label, pending_start
        elif label and pending_label and (label[:1].islower() or _DANGLING.search(pending_label)):
            label, start = f"{pending_label} {label}", pending_start
        elif pending_label:  # label-only lines before a row of its own: a section heading
            headings.extend(_heading_groups(pending))
        pending = []
        if not label and headings:
            label = f"Total {headings.pop()}"
        elif headings and _closes(label, headings[-1]):
            headings.pop()
        if label and re.search(r"[A-Za-z]", label):
            rows.append(Row(label=label, values=values, start=start, end=end))
    return rows


def classify_page(page_text: str) -> str | None:
    """The statement a page presents, judged by a short title line near its top.

    Spaces are removed before matching because PDF text often splits words ("Incom e"); a long line that
    merely mentions a statement (a table of contents, an auditor's report) is not a title.
    """
    lines = page_text.splitlines()[:12]
    for first in range(len(lines)):
        # a title may be broken over a few short lines ("CONSOLIDATED\nBALANCE\nSHEETS")
        for width in range(1, 5):
            window = lines[first : first + width]
            if len(window) < width or any(len(line) > 100 or re.search(r"\s\d{1,3}$", line.strip()) for line in window):
                break
            statement = _title_statement(re.sub(r"\s+", "", "".join(window).lower()))
            if statement:
                return statement
    return None


def _title_statement(squeezed: str) -> str | None:
    if _ONLY_COMPREHENSIVE.search(squeezed) and not re.search(r"(?:operations|earnings|income)andcomp", squeezed):
        return None
    for statement, title in STATEMENT_TITLES.items():
        if title.search(squeezed):
            return statement
    return None


def page_scale(text: str) -> tuple[float, str] | None:
    for pattern, multiplier, name in _SCALES:
        if pattern.search(text[:1500]):
            return multiplier, name
    return None


def header_years(page_text: str) -> list[int]:
    """Years printed as column headings: the first line among the top ones that holds two or more years."""
    for line in page_text.splitlines()[:15]:
        years = [int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", line)]
        if len(years) >= 2 and len(set(years)) == len(years):
            return years
    return []


def _columns(rows: list[Row]) -> int:
    counts = Counter(len(r.values) for r in rows if not all(_YEAR.match(str(int(v))) for v in r.values))
    return counts.most_common(1)[0][0] if counts else 0


def _heading_text(page_text: str) -> str:
    """The top lines of a page without its rows of amounts: where "Three Months Ended March 31," marks an
    interim statement, and a row such as "More than three months - proceeds 1,969" does not."""
    kept = []
    for line in page_text.splitlines()[:12]:
        _, values = _split_values(line)
        if all(_YEAR.match(f"{v:g}") or 0 < v <= 31 for v in values):  # years and days of a date
            kept.append(line)
    return "\n".join(kept)


@dataclass(frozen=True)
class PageLayout:
    """A statement page read as rows of amounts, the fiscal year of each column, and the page's scale."""

    rows: list[Row]
    years: list[int]
    multiplier: float

    def facts(self, row: Row, statement: str, key: str, number: int) -> list[Fact]:
        """One fact per column of a row; none when the row has fewer amounts than the page has columns.
        Numbers inside a label ("net of allowances of $95") come first, so the columns are the last values."""
        if len(row.values) < len(self.years):
            return []
        sign = printed_sign(row.label)
        return [Fact(statement, key, row.label, year, sign * value, self.multiplier, number, row.start, row.end)
                for year, value in zip(self.years, row.values[-len(self.years):], strict=True)]


_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_DATE_MONTH = re.compile(rf"\b({_MONTHS})[a-z]*\.?\s+\d{{1,2}},?\s+(?:19|20)\d\d"
                         r"|\b(\d{1,2})/\d{1,2}/(?:19|20)\d\d", re.I)


def _months_of_dates(heading: str) -> set[int]:
    """The months (1-12) the column dates of a heading end in ("June 30, 2023", "3/25/2023")."""
    names = _MONTHS.split("|")
    return {names.index(m.group(1).lower()[:3]) + 1 if m.group(1) else int(m.group(2))
            for m in _DATE_MONTH.finditer(" ".join(heading.split()))}


def _mixed_period_ends(heading: str) -> bool:
    """Column dates more than a month apart in the year (June 30 | December 31) are not all fiscal year ends;
    a 52/53-week year may end on November 27 one year and December 2 the next."""
    months = sorted(_months_of_dates(heading))
    return any(min(abs(a - b), 12 - abs(a - b)) > 1 for a in months for b in months)


def page_layout(text: str, fiscal_year: int | None, default_scale: float) -> PageLayout | None:
    """The layout of an annual statement page; None for an interim one or a page too short to be a statement.
    Columns dated in different months (a 10-Q's "June 30, 2023 | December 31, 2022") are not all year ends."""
    rows = parse_rows(text)
    heading = _heading_text(text)
    if len(rows) < 8 or _INTERIM.search(heading) or _mixed_period_ends(heading):
        return None
    columns = _columns(rows)
    years = header_years(text)
    if len(years) < columns:
        if fiscal_year is None:
            return None
        years = [fiscal_year - i for i in range(columns)]
    return PageLayout(rows, years[:columns], (page_scale(text) or (default_scale, ""))[0])


def page_rows(number: int, text: str, statement: str, fiscal_year: int | None, default_scale: float) -> list[Fact]:
    """Every labelled row of a statement page as facts keyed by its normalised label, canonical or not: what a
    question naming a line item the canonical list does not hold ("restructuring") is answered from."""
    layout = page_layout(text, fiscal_year, default_scale)
    if layout is None:
        return []
    return [fact for row in layout.rows for fact in layout.facts(row, statement, normalise_label(row.label), number)]


def _page_facts(number: int, text: str, statement: str, fiscal_year: int | None,
                default_scale: float) -> dict[tuple[str, int], tuple[int, Fact]]:
    layout = page_layout(text, fiscal_year, default_scale)
    if layout is None:
        return {}
    found: dict[tuple[str, int], tuple[int, Fact]] = {}
    for row in layout.rows:
        match = match_line_item(row.label, statement)
        if match is None:
            continue
        key, rank = match
        for fact in layout.facts(row, statement, key, number):
            # the most specific label wins, among equals the first row
            if (key, fact.year) not in found or rank < found[(key, fact.year)][0]:
                found[(key, fact.year)] = (rank, fact)
    return found


def document_scale(pages: list[str]) -> float:
    """The scale the first page stating one prints ("in millions"), for pages that state none; else millions."""
    return next((s for s in (page_scale(p) for p in pages) if s), (1e6, "millions"))[0]


def extract_annual_facts(pages: list[str], fiscal_year: int | None, default_scale: float) -> list[Fact]:
    """The canonical line items of each primary statement of one document, for its fiscal-year columns.

    Many pages carry statement-like tables (MD&A summaries, notes); for each statement the page whose rows
    name the most line items is taken as the statement itself, plus the page after it when the statement
    continues there (balance sheets often do).
    """
    chosen: dict[str, tuple[tuple[bool, int], int, dict[tuple[str, int], tuple[int, Fact]]]] = {}
    for number, text in enumerate(pages, start=1):
        statement = classify_page(text)
        if statement is None:
            continue
        found = _page_facts(number, text, statement, fiscal_year, default_scale)
        # primary statements show at most three periods; wider tables are consolidating schedules
        # (parent, guarantors, eliminations) or quarterly data, whose columns are not fiscal years
        few_columns = len({year for _, year in found}) <= 3
        score = (few_columns, len({key for key, _ in found}))
        if score[1] and (statement not in chosen or score > chosen[statement][0]):
            chosen[statement] = (score, number, found)
    merged: dict[tuple[str, int], tuple[int, Fact]] = {}
    for statement, (_, number, found) in chosen.items():
        if number < len(pages) and classify_page(pages[number]) in (None, statement):
            continuation = _page_facts(number + 1, pages[number], statement, fiscal_year, default_scale)
            found = {**continuation, **found}
        merged.update(found)
    return [fact for _, fact in merged.values()]


def match_line_item(label: str, statement: str) -> tuple[str, int] | None:
    """The canonical line item a row's label names, and how specific the matching pattern is (0 = most)."""
    normalised = normalise_label(label)
    # a section heading may be fused to the first row's label: "current liabilities: accounts payable"
    candidates = {normalised, normalised.rsplit(":", 1)[-1].strip()}
    best: tuple[str, int] | None = None
    for key, (item_statement, patterns) in _COMPILED.items():
        if item_statement != statement:
            continue
        for rank, pattern in enumerate(patterns):
            if any(pattern.match(candidate) for candidate in candidates):
                if best is None or rank < best[1]:
                    best = (key, rank)
                break
    return best
