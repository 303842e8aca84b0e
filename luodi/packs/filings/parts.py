"""What the filings pack contributes to the generic assistant kinds: its skills, its statements extractor and its
cover-page metadata reader."""

from __future__ import annotations

from luodi.assistants.components import Components
from luodi.packs.filings.cover import COVER_PAGE
from luodi.packs.filings.extractor import STATEMENTS
from luodi.packs.filings.skills import FILINGS_SKILLS

COMPONENTS = Components(skills=FILINGS_SKILLS, extractors=(COVER_PAGE, STATEMENTS))
