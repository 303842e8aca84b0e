"""How well Luodi reads a document's company, type and fiscal year from its first page, on a set written by an
independent writer who never saw the code (`bench/data/covers/heldout.jsonl`: 40 invented 10-K, 10-Q, 8-K, 20-F
and earnings-release first pages, as a PDF text extractor returns them, with the gold answers).

    python bench/cover_reading.py [--set FILE] [--show]

Each field is correct, wrong (a value that is not the gold one: the silent error), or abstained (nothing read
where the page prints it). A company is correct when the two names are the same once case, punctuation, line
breaks and legal forms are set aside (stricter than bench/document_metadata.py, whose catalogue uses short names);
where the gold is null (a logo), reading nothing is correct and reading a name is wrong. The baseline, measured in
the same run, is the first line of the page taken as the company: what a reader knowing nothing of these
documents would do.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.document_metadata import plain  # noqa: E402
from luodi.knowledge.extractors import SourceDocument, read_metadata  # noqa: E402
from luodi.knowledge.readers import detect_periods  # noqa: E402
from luodi.pack import installed_components  # noqa: E402

HELDOUT = Path(__file__).with_name("data") / "covers" / "heldout.jsonl"


def agrees(read: str, gold: str) -> bool:
    return bool(plain(read)) and plain(read) == plain(gold)


def verdict(read: object, gold: object, same: bool) -> str:
    if not read:
        return "correct" if gold in (None, "") else "abstained"
    return "correct" if same else "wrong"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=HELDOUT)
    parser.add_argument("--show", action="store_true", help="print every item that is not correct")
    args = parser.parse_args()
    items = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    extractors = installed_components().extractors
    tally: dict[str, Counter[str]] = {f: Counter() for f in ("company", "document_type", "fiscal_year", "baseline")}
    for item in items:
        pages = [item["text"]]
        periods = detect_periods(item["text"])
        found = read_metadata(extractors, SourceDocument(title="", pages=pages, company="",
                                                         period_year=periods.get("period_year"), metadata=periods))
        company, kind = found.company, str(found.values.get("document_type", ""))
        year = found.period_year or periods.get("period_year")
        gold_company = item["company"] or ""
        first_line = next((line.strip() for line in item["text"].splitlines() if line.strip()), "")
        results = {
            "company": verdict(company, gold_company, agrees(company, gold_company)),
            "document_type": verdict(kind, item["document_type"], kind == item["document_type"]),
            "fiscal_year": verdict(year, item["fiscal_year"], year == item["fiscal_year"]),
            "baseline": verdict(first_line, gold_company, agrees(first_line, gold_company)),
        }
        for field, outcome in results.items():
            tally[field][outcome] += 1
        if args.show and any(v != "correct" for f, v in results.items() if f != "baseline"):
            print(f"{item['id']}: company {company!r} (gold {item['company']!r}) {results['company']}; type {kind!r} "
                  f"(gold {item['document_type']!r}) {results['document_type']}; year {year} "
                  f"(gold {item['fiscal_year']}) {results['fiscal_year']}  [{item['note'][:60]}]")
    print(f"{len(items)} first pages; correct / wrong / abstained")
    for field, counts in tally.items():
        label = "company (baseline: first line)" if field == "baseline" else field
        print(f"  {label:32} {counts['correct']:3} / {counts['wrong']:3} / {counts['abstained']:3}")
    ratio = tally["company"]["correct"] / max(1, tally["baseline"]["correct"])
    print(f"companies right: {ratio:.1f}x the baseline's")


if __name__ == "__main__":
    main()
