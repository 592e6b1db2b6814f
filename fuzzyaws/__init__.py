"""fuzzyaws: a fuzzy finder for AWS resources that lives in the shell."""

__version__ = "0.1.0"
