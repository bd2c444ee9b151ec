#!/usr/bin/env python3
"""Entry point: ``python generate.py [COMMAND ...]``. The code lives in clinic_handouts/."""

from clinic_handouts.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
