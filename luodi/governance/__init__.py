"""Copilot mode: actions with side effects wait in an approval queue until an operator decides."""
