"""`python -m points.cli`: the `points` command."""

from . import main

main()
