"""What Luodi reads of a filing by itself: company, document type and fiscal period, for every FinanceBench filing,
against FinanceBench's own catalogue (documents.jsonl), which Luodi never reads when it ingests.

    python bench/document_metadata.py [--pdfs DIR] [--catalogue FILE] [--show-all]

The readers are those a vector store runs (every installed extractor's metadata reader, and the generic period
reader), on the parsed pages, as `luodi.knowledge.ingest` does; no embedding, so all 74 filings take about a
minute. A company counts as agreeing when either name contains the other once case, punctuation and corporate
suffixes (Inc, Corp, Co, Ltd, …) are dropped.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from luodi.config import shared_data_dir  # noqa: E402
from luodi.knowledge.extractors import SourceDocument, read_metadata  # noqa: E402
from luodi.knowledge.readers import UnreadableDocument, read_document  # noqa: E402
from luodi.pack import installed_components  # noqa: E402

SUFFIXES = re.compile(r"\b(inc|incorporated|corp|corporation|co|company|ltd|limited|plc|llc|the|holdings?|group)\b")
CATALOGUE_TYPES = {"10k": "10-K", "10q": "10-Q", "8k": "8-K", "earnings": "earnings release"}


def plain(name: str) -> str:
    return " ".join(SUFFIXES.sub(" ", re.sub(r"[^a-z0-9 ]", " ", name.lower().replace("&", " and "))).split())


def agrees(read: str, catalogued: str) -> bool:
    a, b = plain(read), plain(catalogued)
    return bool(a and b) and (a in b or b in a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=Path, default=shared_data_dir() / "financebench" / "pdfs")
    parser.add_argument("--catalogue", type=Path, default=shared_data_dir() / "financebench" / "documents.jsonl")
    parser.add_argument("--show-all", action="store_true", help="every filing, not only those that disagree")
    args = parser.parse_args()
    catalogue = {row["doc_name"]: row for row in map(json.loads, args.catalogue.read_text().splitlines())}
    extractors = installed_components().extractors
    rows, started = [], time.perf_counter()
    for pdf in sorted(args.pdfs.glob("*.pdf")):
        try:
            document = read_document(pdf)
        except UnreadableDocument as exc:
            rows.append((pdf.stem, "", "", None, f"unreadable: {exc}"))
            continue
        found = read_metadata(extractors, SourceDocument(title=document.title, pages=document.pages, company="",
                                                         period_year=document.metadata.get("period_year"),
                                                         metadata=document.metadata))
        year = found.period_year or document.metadata.get("period_year")
        rows.append((pdf.stem, found.company, str(found.values.get("document_type", "")), year, ""))
    seconds = time.perf_counter() - started
    score = {"company": 0, "type": 0, "period": 0}
    print(f"{'filing':34} {'company read':34} {'type':8} {'year':5}  agrees (company/type/year)")
    for name, company, kind, year, problem in rows:
        truth = catalogue.get(name, {})
        checks = (agrees(company, truth.get("company", "")),
                  kind == CATALOGUE_TYPES.get(str(truth.get("doc_type", "")).lower(), "?"),
                  year == truth.get("doc_period"))
        for field, ok in zip(score, checks, strict=True):
            score[field] += ok
        if args.show_all or not all(checks) or problem:
            marks = "/".join("yes" if ok else "NO" for ok in checks)
            shown = (company or "(none)")[:34]
            print(f"{name[:34]:34} {shown:34} {kind or '-':8} {year or '-'!s:5}  {marks} {problem}")
    total = len(rows)
    print(f"\n{total} filings read in {seconds:.1f} s; agreeing with the catalogue (the baseline, never read by "
          "Luodi): " + ", ".join(f"{field} {count}/{total} ({count / total:.0%})" for field, count in score.items()))


if __name__ == "__main__":
    main()
