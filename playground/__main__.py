"""python -m playground ...: the headless command line (see cli.py)."""

from .cli import main

raise SystemExit(main())
