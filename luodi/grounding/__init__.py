"""Answers that rest on evidence: understand the question, compose a draft, verify it, repair or abstain."""
