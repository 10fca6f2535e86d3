"""``python -m gradient_evals``: the ``gradient-evals`` command line."""

from .cli import main

raise SystemExit(main())
