"""Scenario packs: a YAML spec plus data per scenario; the engine in luodi/dialogue runs them all."""
