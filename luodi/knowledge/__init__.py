"""Knowledge bases: documents read page by page, cut into passages, deduplicated, indexed for hybrid search."""
