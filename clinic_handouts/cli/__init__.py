"""The command line."""

from clinic_handouts.cli.main import main

__all__ = ["main"]
