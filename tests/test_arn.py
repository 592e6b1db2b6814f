"""ARNs: the kind of an indexed row, its name, and the console page of every kind in every
partition."""
import pytest

from fuzzyaws.actions.weblinks import url
from fuzzyaws.arn import Arn
from fuzzyaws.model import Resource


@pytest.mark.parametrize("arn, kind, name", [
    ("arn:aws:ec2:us-east-1:1:instance/i-1", "ec2", "i-1"),
    ("arn:aws:ec2:us-east-1:1:vpc/vpc-1", "ec2:vpc", "vpc-1"),
    ("arn:aws:kms:us-east-1:1:key/1234abcd", "kms:key", "1234abcd"),
    ("arn:aws:sqs:us-east-1:1:orders", "sqs", "orders"),
    ("arn:aws:sns:us-east-1:1:alerts", "sns", "alerts"),
    ("arn:aws:s3:::my-bucket", "s3", "my-bucket"),
    ("arn:aws:lambda:us-east-1:1:function:resize", "lambda", "resize"),
    ("arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf", "secretsmanager:secret", "db-AbCdEf"),
    ("arn:aws:states:us-east-1:1:stateMachine:flow", "stepfunctions:statemachine", "flow"),
    ("arn:aws:autoscaling:us-east-1:1:autoScalingGroup:u-u-i-d:autoScalingGroupName/web", "asg", "web"),
    ("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/front/50dc6c495c0c9188", "elb", "50dc6c495c0c9188"),
    ("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg/73e2d6bc24d8a067", "elb:targetgroup", "73e2d6bc24d8a067"),
    ("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/resize:*", "logs:log-group", "resize"),
    ("arn:aws:iam::1:role/admin", "iam:role", "admin"),
    ("arn:aws:kinesis:us-east-1:1:stream/clicks", "kinesis:stream", "clicks"),
    ("arn:aws:ecr:us-east-1:1:repository/app", "ecr:repository", "app"),
    ("arn:aws:ecs:us-east-1:1:service/prod/api", "ecs-service", "api"),
    ("arn:aws:ssm:us-east-1:1:managed-instance/mi-0123", "ssm-node", "mi-0123"),
    ("arn:aws-cn:ec2:cn-north-1:1:vpc/vpc-9", "ec2:vpc", "vpc-9"),
])
def test_kind_and_name_from_the_arn(arn, kind, name):
    parsed = Arn.parse(arn)
    assert (parsed.kind, parsed.name) == (kind, name)


def test_not_an_arn():
    assert Arn.parse("i-123") is None and Arn.parse("arn:aws") is None


def resource(kind, key, id, region="us-east-1", **attrs):
    return Resource(kind=kind, key=key, id=id, name=id, account="1", region=region, attrs=attrs)


EC2 = "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1"


@pytest.mark.parametrize("r, expected", [
    (resource("ec2", "arn:aws:ec2:us-east-1:1:instance/i-1", "i-1"), EC2 + "#InstanceDetails:instanceId=i-1"),
    (resource("rds", "arn:aws:rds:us-east-1:1:cluster:orders", "orders", is_cluster=True),
     "https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#database:id=orders;is-cluster=true"),
    (resource("rds", "arn:aws:rds:us-east-1:1:db:orders-1", "orders-1"),
     "https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#database:id=orders-1;is-cluster=false"),
    (resource("ecs", "arn:aws:ecs:us-east-1:1:task/prod/abc", "abc", cluster="prod"),
     "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/abc/configuration?region=us-east-1"),
    (resource("lambda", "arn:aws:lambda:us-east-1:1:function:resize", "resize"),
     "https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/resize"),
    (resource("s3", "arn:aws:s3:::my-bucket", "my-bucket", region="eu-west-1"),
     "https://s3.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-1"),
    (resource("kms:key", "arn:aws:kms:us-east-1:1:key/k", "k"),
     "https://console.aws.amazon.com/go/view?arn=arn%3Aaws%3Akms%3Aus-east-1%3A1%3Akey%2Fk"),
    (resource("ec2", "arn:aws-cn:ec2:cn-north-1:1:instance/i-2", "i-2", region="cn-north-1"),
     "https://console.amazonaws.cn/ec2/home?region=cn-north-1#InstanceDetails:instanceId=i-2"),
    (resource("ec2:vpc", "arn:aws-us-gov:ec2:us-gov-west-1:1:vpc/vpc-3", "vpc-3", region="us-gov-west-1"),
     "https://console.amazonaws-us-gov.com/go/view?arn=arn%3Aaws-us-gov%3Aec2%3Aus-gov-west-1%3A1%3Avpc%2Fvpc-3"),
])
def test_console_pages(r, expected):
    assert url(r) == expected


def test_every_native_kind_has_its_own_page():
    from fuzzyaws import NATIVE_KINDS
    from fuzzyaws.actions.weblinks import PAGES
    assert set(PAGES) == set(NATIVE_KINDS)
