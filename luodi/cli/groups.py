"""The typer apps every command module registers on: `luodi <cmd>`, `luodi train <x>`, `luodi eval <x>`."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Luodi: industry assistants over an OpenAI-compatible API.")
train_app = typer.Typer(no_args_is_help=True, help="Train models from a scenario's or your own data.")
eval_app = typer.Typer(no_args_is_help=True, help="Measure assistants and models on evaluation sets.")
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")
