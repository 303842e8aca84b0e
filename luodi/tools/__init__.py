"""Tools that compute what a model must never guess: arithmetic, dates, table aggregates, financial metrics."""
