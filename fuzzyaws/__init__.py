"""fuzzyaws: a fuzzy finder for AWS resources that lives in the shell."""

__version__ = "0.2.0"

# The kinds of resource, in display order (here, not in model.py, so that parsing the
# command line imports nothing heavy). Each native kind has a collector (inventory/);
# "index" is every other resource, listed by an index source (the tagging API or
# Resource Explorer) with a kind its ARN names: `kms:key`, `sqs`, `ec2:vpc`...
NATIVE_KINDS = ("ec2", "ssm-node", "ecs", "ecs-service", "rds", "elasticache", "lambda", "elb",
                "asg", "eks", "dynamodb", "sqs", "sns", "cfn", "s3")
INDEX = "index"
KINDS = NATIVE_KINDS + (INDEX,)
GLOBAL_KINDS = ("s3",)  # listed once per account: its shard's region is "global"
PICKERS = ("auto", "fzf", "builtin")
INDEX_SOURCES = ("auto", "tagging", "resource-explorer", "off")

