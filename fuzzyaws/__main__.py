"""`python -m fuzzyaws`."""
from fuzzyaws.cli import main

raise SystemExit(main())
