"""The filings pack: financial statements extracted from 10-K/10-Q filings, named metric formulas, the reading of
analysts' questions, and the grounded skills that answer them with computed numbers and cited passages."""

from __future__ import annotations

from pathlib import Path

from luodi.pack import Pack
from luodi.packs.filings.parts import COMPONENTS


def _commands() -> None:
    import luodi.packs.filings.cli  # noqa: F401


PACK = Pack(
    name="filings",
    description="Company filings: statement extraction, metric formulas and grounded answers with citations.",
    root=Path(__file__).parent,
    components=COMPONENTS,
    requires=("pypdfium2", "sentence_transformers"),  # PDFs, and the passage vectors its skills search
    commands=_commands,
)
