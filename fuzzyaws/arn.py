"""ARNs: their parts, the kind a row gets from one, and the console page that shows it.

    arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE

A row that only an index source lists (the tagging API, Resource Explorer) has the kind
its ARN names: the service, and the resource type when there is one, lower case, with a
few services shortened (`kms:key`, `ec2:vpc`, `secretsmanager:secret`, `sqs`, `elb:targetgroup`).
An ARN of a kind a native collector lists maps to that kind (`NATIVE`), so that a resource
both list appears once, as the native row.
"""
from __future__ import annotations

from fuzzyaws.frozen import Frozen

# ARN service names shortened in kinds (the full name stays in the ARN and the preview).
SERVICE_ALIASES = {"elasticloadbalancing": "elb", "autoscaling": "asg", "cloudformation": "cfn",
                   "states": "stepfunctions", "resource-groups": "resourcegroups"}
# (service, resource type) of the ARNs each native kind lists.
NATIVE = {
    ("ec2", "instance"): "ec2", ("ssm", "managed-instance"): "ssm-node",
    ("ecs", "task"): "ecs", ("ecs", "service"): "ecs-service",
    ("rds", "db"): "rds", ("rds", "cluster"): "rds",
    ("elasticache", "cluster"): "elasticache", ("elasticache", "replicationgroup"): "elasticache",
    ("lambda", "function"): "lambda", ("s3", ""): "s3",
    ("elasticloadbalancing", "loadbalancer"): "elb", ("autoscaling", "autoscalinggroup"): "asg",
    ("eks", "cluster"): "eks", ("dynamodb", "table"): "dynamodb", ("sqs", ""): "sqs",
    ("sns", ""): "sns", ("cloudformation", "stack"): "cfn",
}
CONSOLE_HOSTS = {"aws": "console.aws.amazon.com", "aws-cn": "console.amazonaws.cn",
                 "aws-us-gov": "console.amazonaws-us-gov.com"}


class Arn(Frozen):
    partition: str
    service: str
    region: str
    account: str
    resource: str  # everything after the account: "instance/i-1", "key/…", "my-queue"

    @classmethod
    def parse(cls, text: str) -> "Arn | None":
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[2]:
            return None
        return cls(partition=parts[1], service=parts[2], region=parts[3], account=parts[4],
                   resource=parts[5])

    def _split(self) -> tuple:
        """(type, rest): the resource split at its first / or : (`autoScalingGroup:…/name`)."""
        cut = min((i for i in (self.resource.find("/"), self.resource.find(":")) if i > 0), default=-1)
        if cut < 0 or cut == len(self.resource) - 1:
            return "", self.resource
        return self.resource[:cut], self.resource[cut + 1:]

    @property
    def type(self) -> str:
        """The resource type, lower case ("" for `my-queue`, a bucket, a topic)."""
        return self._split()[0].lower()

    @property
    def name(self) -> str:
        """The resource's own name or id: the last part (`i-1`, `my-queue`, a key's id)."""
        rest = self._split()[1].removesuffix(":*")
        for sep in ("/", ":"):
            rest = rest.rsplit(sep, 1)[-1] or rest
        return rest

    @property
    def kind(self) -> str:
        """The kind of its row: a native kind, else `service` or `service:type`."""
        native = NATIVE.get((self.service, self.type))
        if native:
            return native
        service = SERVICE_ALIASES.get(self.service, self.service)
        return f"{service}:{self.type}" if self.type else service
