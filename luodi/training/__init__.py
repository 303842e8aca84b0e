"""Training models from a scenario's or the user's own data."""
