"""Allow ``python -m hullcheck``."""

from hullcheck.cli.main import main

raise SystemExit(main())
