"""What the filings pack contributes to the generic assistant kinds: its skills and its statements extractor."""

from __future__ import annotations

from luodi.assistants.components import Components
from luodi.packs.filings.extractor import STATEMENTS
from luodi.packs.filings.skills import FILINGS_SKILLS

COMPONENTS = Components(skills=FILINGS_SKILLS, extractors=(STATEMENTS,))
