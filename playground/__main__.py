"""python -m playground ...: the headless command line (see cli/)."""

from .cli import main

raise SystemExit(main())
