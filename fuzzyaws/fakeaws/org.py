"""A fast fake AWS organization for scale tests and bench/org.py: one threaded HTTP server
that speaks the wire protocols botocore uses, with state computed rather than stored, so
that 300 accounts × 17 regions × 20 instances cost nothing to set up.

    with FakeOrg(accounts=300, instances=20, latency=0.05, throttle=0.05) as org:
        env = org.env(base=os.environ)     # AWS_ENDPOINT_URL and the management keys
        ...                                # run fuzzyaws with [org] configured
        org.calls                          # Counter {(service, operation): calls}

moto would take hours to hold 100,000 instances and answers each call in milliseconds of
CPU; this answers:
  organizations ListAccounts (JSON 1.1, NextToken pages of 20), sts GetCallerIdentity and
  AssumeRole (query/XML), ec2 DescribeRegions and DescribeInstances (EC2 query, MaxResults
  and NextToken), ssm DescribeInstanceInformation (JSON, pages of at most 50; the
  InstanceIds and ResourceType filters),
and every other operation of the JSON, query, EC2 and REST protocols with a valid empty
answer (each list of its output empty), built from botocore's own service model.

Faults: `latency` seconds of sleep per call (in the handler thread, so calls overlap as
on AWS); a `throttle` fraction of calls answered HTTP 400 with the service's throttling
error, which botocore retries; `suspended` accounts listed as SUSPENDED; `denied`
accounts whose role cannot be assumed (AccessDenied on AssumeRole).

Account `i` is 100000000000 + i (0 is the management account, the caller of the keys
`env()` gives); an access key names its account (AKIA/ASIA + 12 digits), as AWS's own keys
can be traced to theirs.
"""
from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
           "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-northeast-1",
           "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-south-1",
           "sa-east-1")
FIRST_ACCOUNT = 100000000000
SECRET = "fakeorg-secret"
_CREDENTIAL = re.compile(r"Credential=([^/\s,]+)/\d{8}/([^/\s,]+)/([^/\s,]+)/aws4_request")
_THROTTLE = {"json": "ThrottlingException", "query": "Throttling", "ec2": "RequestLimitExceeded",
             "rest-json": "TooManyRequestsException", "rest-xml": "SlowDown"}
_XMLNS = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
          "ec2": "http://ec2.amazonaws.com/doc/2016-11-15/"}
# botocore service names behind each SigV4 signing name (elb and elbv2 share theirs)
_SERVICES = {"autoscaling": ("autoscaling",), "cloudformation": ("cloudformation",),
             "dynamodb": ("dynamodb",), "ec2": ("ec2",), "ecs": ("ecs",), "eks": ("eks",),
             "elasticache": ("elasticache",), "elasticloadbalancing": ("elb", "elbv2"),
             "lambda": ("lambda",), "rds": ("rds",), "s3": ("s3",), "sns": ("sns",), "sqs": ("sqs",),
             "ssm": ("ssm",), "sts": ("sts",), "organizations": ("organizations",),
             "resource-explorer-2": ("resource-explorer-2",)}


def account_id(n: int) -> str:
    return str(FIRST_ACCOUNT + n)


def instance_id(account: str, region: str, n: int) -> str:
    return f"i-{int(account):010x}{REGIONS.index(region) if region in REGIONS else 255:02x}{n:05x}"


def _instance_number(iid: str) -> int:
    """The n of instance_id(account, region, n), -1 for an id not of that form."""
    try:
        return int(iid[-5:], 16) if len(iid) == 19 and iid.startswith("i-") else -1
    except ValueError:
        return -1


class Answer(Exception):
    """An error answer: HTTP status and the service's error code."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FakeOrg:
    def __init__(self, accounts: int = 10, *, regions=REGIONS, instances: int = 20,
                 latency: float = 0.05, throttle: float = 0.05, suspended=(), denied=(),
                 credential_seconds: int = 3600, seed: int = 0):
        self.accounts = [account_id(n) for n in range(accounts)]
        self.management = self.accounts[0]
        self.regions = tuple(regions)
        self.instances = instances
        self.latency, self.throttle = latency, throttle
        self.suspended, self.denied = set(suspended), set(denied)
        self.credential_seconds = credential_seconds
        self.calls: Counter = Counter()  # {(service, operation): calls}, throttled ones included
        self.log: list = []  # (service, operation) of every call, in the order they came
        self.throttled = 0
        self.throttles: Counter = Counter()  # {(service, operation): calls throttled}
        self.connections = 0  # TCP connections accepted
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._models: dict = {}
        self._server: "ThreadingHTTPServer | None" = None

    # -- what a run should list ------------------------------------------------------

    def listed_accounts(self) -> list:
        """The accounts a run can reach: active, and their role assumable."""
        return [a for a in self.accounts if a not in self.suspended and a not in self.denied]

    def expected_instances(self) -> int:
        return len(self.listed_accounts()) * len(self.regions) * self.instances

    # -- the server ------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self, base=None) -> dict:
        """Env vars pointing an SDK at this server as the management account (with `base`:
        base minus its AWS_* variables, plus these)."""
        env = {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "AKIA" + self.management,
               "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
        if base is None:
            return env
        return {**{k: v for k, v in base.items() if not k.startswith("AWS_")}, **env}

    def start(self) -> "FakeOrg":
        org = self

        class Handler(_Handler):
            fake = org

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                import sys
                if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that went away
                    super().handle_error(request, client_address)

        server = Server(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.request_queue_size = 1024
        self._server = server
        threading.Thread(target=server.serve_forever, name="fakeorg", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeOrg":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- answering -------------------------------------------------------------------

    def answer(self, service: str, account: str, region: str, protocol: str, operation: str,
               params: dict, model=None):
        """(content type, body) of one call, or raise Answer."""
        with self._lock:
            self.calls[(service, operation)] += 1
            self.log.append((service, operation))
            throttled = self._random.random() < self.throttle
            if throttled:
                self.throttled += 1
                self.throttles[(service, operation)] += 1
        if self.latency:
            time.sleep(self.latency)
        if throttled:
            raise Answer(400, _THROTTLE.get(protocol, "Throttling"), "Rate exceeded")
        handler = getattr(self, f"_{service}_{operation}", None)
        if handler is not None:
            return handler(account, region, params)
        if model is None:
            raise Answer(400, "InvalidAction", f"{service} {operation} is not answered here")
        return _empty(model, protocol, operation)

    def _organizations_ListAccounts(self, account, region, params):
        if account != self.management:
            raise Answer(400, "AccessDeniedException", "not the management account")
        start = int(params.get("NextToken") or 0)
        size = min(int(params.get("MaxResults") or 20), 20)
        page = [{"Id": a, "Arn": f"arn:aws:organizations::{self.management}:account/o-fake/{a}",
                 "Email": f"{a}@example.invalid", "Name": f"account-{a}",
                 "Status": "SUSPENDED" if a in self.suspended else "ACTIVE",
                 "JoinedMethod": "CREATED", "JoinedTimestamp": 1700000000.0}
                for a in self.accounts[start:start + size]]
        body = {"Accounts": page}
        if start + size < len(self.accounts):
            body["NextToken"] = str(start + size)
        return "application/x-amz-json-1.1", json.dumps(body)

    def _sts_GetCallerIdentity(self, account, region, params):
        return _xml("sts", "GetCallerIdentity",
                    f"<Arn>arn:aws:iam::{account}:user/fake</Arn><UserId>AIDAFAKE</UserId>"
                    f"<Account>{account}</Account>")

    def _sts_AssumeRole(self, account, region, params):
        arn = params.get("RoleArn", "")
        parts = arn.split(":")
        target = parts[4] if len(parts) > 5 else ""
        if target not in self.accounts or target in self.denied or target in self.suspended:
            raise Answer(403, "AccessDenied", f"User: arn:aws:iam::{account}:user/fake is not "
                                              f"authorized to perform: sts:AssumeRole on resource: {arn}")
        seconds = min(int(params.get("DurationSeconds") or 3600), self.credential_seconds)
        expires = (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
        name = params.get("RoleSessionName", "session")
        return _xml("sts", "AssumeRole",
                    f"<Credentials><AccessKeyId>ASIA{target}</AccessKeyId>"
                    f"<SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>token-{target}</SessionToken>"
                    f"<Expiration>{expires}</Expiration></Credentials>"
                    f"<AssumedRoleUser><AssumedRoleId>AROAFAKE:{name}</AssumedRoleId>"
                    f"<Arn>arn:aws:sts::{target}:assumed-role/{parts[-1].split('/')[-1]}/{name}</Arn>"
                    "</AssumedRoleUser>")

    def _ec2_DescribeRegions(self, account, region, params):
        items = "".join(f"<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com"
                        "</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>"
                        for r in self.regions)
        return _xml("ec2", "DescribeRegions", f"<regionInfo>{items}</regionInfo>")

    def _ec2_DescribeInstances(self, account, region, params):
        start = int(params.get("NextToken") or 0)
        size = max(5, min(int(params.get("MaxResults") or 1000), 1000))
        count = self.instances if region in self.regions else 0
        items = []
        for n in range(start, min(start + size, count)):
            iid = instance_id(account, region, n)
            ip = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
            items.append(
                f"<item><reservationId>r-{iid[2:]}</reservationId><ownerId>{account}</ownerId><groupSet/>"
                f"<instancesSet><item><instanceId>{iid}</instanceId><imageId>ami-12345678</imageId>"
                "<instanceState><code>16</code><name>running</name></instanceState>"
                f"<privateDnsName>ip-{ip.replace('.', '-')}.ec2.internal</privateDnsName>"
                "<instanceType>t3.micro</instanceType><launchTime>2026-01-02T03:04:05.000Z</launchTime>"
                f"<placement><availabilityZone>{region}a</availabilityZone></placement>"
                "<subnetId>subnet-1234</subnetId><vpcId>vpc-1234</vpcId>"
                f"<privateIpAddress>{ip}</privateIpAddress><platformDetails>Linux/UNIX</platformDetails>"
                "<groupSet><item><groupId>sg-1234</groupId><groupName>default</groupName></item></groupSet>"
                f"<tagSet><item><key>Name</key><value>host-{n}</value></item>"
                "<item><key>Team</key><value>platform</value></item></tagSet>"
                "</item></instancesSet></item>")
        token = f"<nextToken>{start + size}</nextToken>" if start + size < count else ""
        return _xml("ec2", "DescribeInstances", f"<reservationSet>{''.join(items)}</reservationSet>{token}")

    def _ssm_DescribeInstanceInformation(self, account, region, params):
        start = int(params.get("NextToken") or 0)
        size = max(5, min(int(params.get("MaxResults") or 10), 50))
        count = self.instances if region in self.regions else 0
        numbers = range(count)  # every instance is managed, none is hybrid
        for f in params.get("Filters") or ():
            if f.get("Key") == "InstanceIds":  # those of the ids that are this region's instances
                ids = set(f.get("Values") or ())
                numbers = sorted(n for n in map(_instance_number, ids)
                                 if n in numbers and instance_id(account, region, n) in ids)
            elif f.get("Key") == "ResourceType" and f.get("Values") != ["EC2Instance"]:
                numbers = []
        page = [{"InstanceId": instance_id(account, region, n), "PingStatus": "Online",
                 "LastPingDateTime": 1767000000.0, "AgentVersion": "3.3.0.0", "IsLatestVersion": True,
                 "PlatformType": "Linux", "PlatformName": "Amazon Linux", "PlatformVersion": "2023",
                 "ResourceType": "EC2Instance"}
                for n in numbers[start:start + size]]
        body = {"InstanceInformationList": page}
        if start + size < len(numbers):
            body["NextToken"] = str(start + size)
        return "application/x-amz-json-1.1", json.dumps(body)

    def model(self, signing_name: str, version: "str | None"):
        """botocore's model of the service (for its empty answers), or None."""
        key = (signing_name, version)
        with self._lock:
            if key not in self._models:
                import botocore.session
                session = botocore.session.get_session()
                found = None
                for name in _SERVICES.get(signing_name, ()):
                    model = session.get_service_model(name)
                    if version is None or model.api_version == version:
                        found = model
                        break
                self._models[key] = found
            return self._models[key]


def _xml(service: str, operation: str, inner: str):
    xmlns = _XMLNS.get(service, "")
    attr = f' xmlns="{xmlns}"' if xmlns else ""
    meta = ("<requestId>fake</requestId>" if service == "ec2"
            else "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>")
    if service == "ec2":
        return "text/xml", f"<{operation}Response{attr}>{meta}{inner}</{operation}Response>"
    return "text/xml", (f"<{operation}Response{attr}><{operation}Result>{inner}</{operation}Result>"
                        f"{meta}</{operation}Response>")


def _empty(model, protocol: str, operation: str):
    """A valid answer with every list of the output empty."""
    try:
        op = model.operation_model(operation)
    except Exception:
        raise Answer(400, "InvalidAction", f"unknown operation {operation}") from None
    shape = op.output_shape
    lists = [(name, member) for name, member in (shape.members.items() if shape else ())
             if member.type_name == "list"]
    if protocol in ("json", "rest-json"):
        ctype = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        return ctype, json.dumps({m.serialization.get("name", name): [] for name, m in lists})
    elements = "".join(f"<{m.serialization.get('name', name)}/>" for name, m in lists)
    if protocol == "ec2":
        return "text/xml", f"<{operation}Response><requestId>fake</requestId>{elements}</{operation}Response>"
    if protocol == "rest-xml":
        root = (shape.serialization.get("name") if shape else None) or f"{operation}Output"
        return "application/xml", f"<{root}>{elements}</{root}>"
    wrapper = (shape.serialization.get("resultWrapper") if shape else None) or f"{operation}Result"
    return "text/xml", (f"<{operation}Response><{wrapper}>{elements}</{wrapper}>"
                        "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>"
                        f"</{operation}Response>")


def _rest_operation(model, method: str, path: str) -> "str | None":
    """The REST operation whose method and URI template match the request."""
    path = urlsplit(path).path.rstrip("/") or "/"
    best = None
    for name in model.operation_names:
        http = model.operation_model(name).http
        if http.get("method") != method:
            continue
        template = http.get("requestUri", "/").split("?")[0].rstrip("/") or "/"
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and (best is None or len(template) > best[1]):
            best = (name, len(template))
    return best[0] if best else None


def _error_body(protocol: str, code: str, message: str):
    if protocol in ("json", "rest-json"):
        return "application/x-amz-json-1.1", json.dumps({"__type": code, "message": message})
    if protocol == "ec2":
        return "text/xml", (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
                            "</Error></Errors><RequestID>fake</RequestID></Response>")
    if protocol == "rest-xml":
        return "application/xml", f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return "text/xml", (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                        f"<Message>{message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOrg
    protocol_version = "HTTP/1.1"  # keep-alive, as AWS: a client reuses its connections
    # headers and body are two writes: with Nagle's algorithm the body waited for the
    # client's delayed ACK (~40 ms), so that every call took 50 + 40 ms, not `latency`
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        with self.fake._lock:
            self.fake.connections += 1

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        scope = _CREDENTIAL.search(self.headers.get("Authorization", ""))
        key, region, signing = scope.groups() if scope else ("", "us-east-1", "")
        account = key[4:16] if key[4:16].isdigit() else ""
        target = self.headers.get("X-Amz-Target")
        protocol, version, params = "query", None, {}
        if target:
            protocol, operation = "json", target.rsplit(".", 1)[-1]
            params = json.loads(body or b"{}")
        elif self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            operation, version = params.get("Action", ""), params.get("Version")
            protocol = "ec2" if signing == "ec2" else "query"
        else:
            operation = None
        model = self.fake.model(signing, version)
        if operation is None:
            protocol = model.protocol if model is not None else "rest-json"
            operation = _rest_operation(model, self.command, self.path) if model is not None else None
            params = {k: unquote(v[0]) for k, v in parse_qs(urlsplit(self.path).query).items()}
        service = "sts" if signing == "sts" else (model.service_name if model is not None else signing)
        try:
            if account not in self.fake.accounts:
                raise Answer(403, "InvalidClientTokenId",
                             "The security token included in the request is invalid.")
            if operation is None:
                raise Answer(404, "UnknownOperationException", f"{self.command} {self.path}")
            ctype, text = self.fake.answer(service, account, region, protocol, operation, params, model)
            status = 200
        except Answer as error:
            status = error.status
            ctype, text = _error_body(protocol, error.code, error.message)
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "fake")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
