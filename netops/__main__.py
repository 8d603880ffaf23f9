"""`python -m netops` runs the command line."""

from netops.cli import main

main()
