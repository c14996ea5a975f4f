"""Command-line adapter (Typer): one module per command group, wired in app.py."""
