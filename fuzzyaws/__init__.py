"""fuzzyaws: a fuzzy finder for AWS resources that lives in the shell."""

__version__ = "0.1.0"

# The kinds of resource, in display order (here, not in model.py, so that parsing
# the command line imports nothing heavy).
KINDS = ("ec2", "rds", "elasticache", "ecs")
PICKERS = ("auto", "fzf", "builtin")
