"""Settings: defaults, then the TOML config file, then FUZZYAWS_* env vars, then flags.

    # ~/.config/fuzzyaws/config.toml
    profiles = ["prod", "staging"]     # none: the profile boto3 would use
    regions = ["us-east-1", "eu-west-1"]   # ["all"]: every region enabled for the account
    kinds = ["ec2", "rds", "lambda", "index"]   # default: every kind
    ttl = 300                          # seconds a shard stays fresh
    index = "auto"                     # auto | tagging | resource-explorer | off: where the
                                       # other resource types are listed from
    index_ttl = 3600                   # seconds an index shard stays fresh
    cache_dir = "~/.cache/fuzzyaws"
    workers = 16                       # threads fetching shards
    processes = 2                      # processes sharing a large organization's refresh
                                       # (default: one per core; 1: none but this one)
    connect_timeout = 5
    read_timeout = 30
    max_attempts = 6                   # attempts per call (botocore adaptive retry mode)
    picker = "auto"                    # auto (fzf if on PATH) | fzf | builtin
    jumphost_tag = "Role=jumphost"     # how connect/tunnel find a jump host for databases
    ssh_user = ""                      # default ssh login (else by platform: ec2-user, ubuntu...)
    read_only = false                  # true, or a list of profiles: no start, stop, reboot, run or cp to hosts
    sso_login = "ask"                  # an expired SSO session: ask to run aws sso login, "auto", "never"
    explorer_view = ""                 # a Resource Explorer view ARN (an organization's view)
    source = ""                        # "config-aggregator:NAME": the organization from AWS Config
    snapshot = ""                      # "s3://BUCKET/PREFIX": the organization from a shared snapshot
    source_profile = ""                # the profile that reads the source (default: the first profile)
    source_region = ""                 # where the aggregator / bucket is (default: the profile's region)

    [account_profiles]                 # the profile to act with in an account only a source lists
    "222222222222" = "prod-admin"

    [org]                              # list the organization's accounts, assume a role in each
    profile = "management"
    role_name = "OrganizationAccountAccessRole"
    exclude = ["111111111111"]

Env: FUZZYAWS_CONFIG, FUZZYAWS_PROFILES and FUZZYAWS_REGIONS and FUZZYAWS_KINDS (comma
separated), FUZZYAWS_TTL, FUZZYAWS_CACHE_DIR, FUZZYAWS_WORKERS, FUZZYAWS_PROCESSES, FUZZYAWS_PICKER,
FUZZYAWS_INDEX.
A value of the wrong type (true for a number, nan, 1.5 workers, a string where a list
belongs) is exit 2, naming the key.
"""
from __future__ import annotations

import math
import os

from fuzzyaws import INDEX_SOURCES, KINDS, PICKERS
from fuzzyaws.frozen import Frozen
from fuzzyaws.status import UsageError


class Org(Frozen):
    profile: "str | None" = None
    role_name: str = "OrganizationAccountAccessRole"
    accounts: tuple = ()  # only these accounts (empty: all active ones)
    exclude: tuple = ()


class Settings(Frozen):
    profiles: tuple = ()  # empty: boto3's default profile / environment credentials
    regions: tuple = ()  # empty: boto3's default region; ("all",): every enabled region
    kinds: tuple = KINDS
    ttl: float = 300.0
    index: str = "auto"
    index_ttl: float = 3600.0
    cache_dir: str = ""
    default_cache_dir: bool = True  # cache_dir is the default location, not one the user named
    workers: int = 16
    processes: int = 0  # not set: one per core (inventory/processes.py)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 6
    org: "Org | None" = None
    picker: str = "auto"
    jumphost_tag: str = "Role=jumphost"
    ssh_user: str = ""
    read_only: "bool | tuple" = False  # True: no mutating action anywhere; (profiles): in these
    sso_login: str = "ask"  # an expired SSO session: ask (on a terminal) | auto | never
    explorer_view: str = ""  # a Resource Explorer view ARN to search (an organization's view)
    # where the rest of the organization is read from (inventory/sources.py); the profiles
    # (or [org]) are still scanned live beside it
    source: str = ""  # "config-aggregator:NAME"
    snapshot: str = ""  # "s3://BUCKET/PREFIX"
    source_profile: str = ""
    source_region: str = ""
    account_profiles: dict = {}  # account id -> the profile to act in it (accounts a source lists)
    verbose: bool = False
    env: dict = {}  # the process environment: nothing below the App reads os.environ


_LISTS = ("profiles", "regions", "kinds")
SSO_LOGIN = ("ask", "auto", "never")
_NUMBERS = {"ttl": float, "index_ttl": float, "workers": int, "processes": int, "connect_timeout": float,
            "read_timeout": float, "max_attempts": int}
_ENV = {"profiles": "FUZZYAWS_PROFILES", "regions": "FUZZYAWS_REGIONS",
        "kinds": "FUZZYAWS_KINDS", "ttl": "FUZZYAWS_TTL",
        "cache_dir": "FUZZYAWS_CACHE_DIR", "workers": "FUZZYAWS_WORKERS", "processes": "FUZZYAWS_PROCESSES",
        "picker": "FUZZYAWS_PICKER", "index": "FUZZYAWS_INDEX",
        "source": "FUZZYAWS_SOURCE", "snapshot": "FUZZYAWS_SNAPSHOT"}


def home(env) -> str:
    """The user's home: $HOME, else the password database's (as `~` expands), else /."""
    if env.get("HOME"):
        return env["HOME"]
    try:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError):
        return "/"


def expand(path: str, env) -> str:
    return home(env) + path[1:] if path == "~" or path.startswith("~/") else path


def default_config_path(env) -> str:
    base = env.get("XDG_CONFIG_HOME") or os.path.join(home(env), ".config")
    return os.path.join(base, "fuzzyaws", "config.toml")


def default_cache_dir(env) -> str:
    base = env.get("XDG_CACHE_HOME") or os.path.join(home(env), ".cache")
    return os.path.join(base, "fuzzyaws")


def load(flags: "dict | None" = None, env=None) -> Settings:
    """Settings for one run from the global flags given (`profiles`, `regions`, `kinds`,
    `ttl`, `cache_dir`, `config`, `picker`, `verbose`; absent = not given) and `env`."""
    env = dict(os.environ if env is None else env)
    flags = flags or {}
    values: dict = {}
    values.update(_read_file(flags.get("config") or env.get("FUZZYAWS_CONFIG"), env))
    for name, var in _ENV.items():
        if env.get(var):
            values[name] = _coerce(name, env[var], var, text=True)
    for name in ("profiles", "regions", "kinds", "ttl", "cache_dir", "picker", "index"):
        if flags.get(name) is not None:
            values[name] = _coerce(name, flags[name], "--" + name.rstrip("s").replace("_", "-"),
                                   text=True)
    values["verbose"] = bool(flags.get("verbose"))
    if values.get("cache_dir"):
        values["cache_dir"] = expand(values["cache_dir"], env)
        values["default_cache_dir"] = False
    else:
        values["cache_dir"] = default_cache_dir(env)
    if values.get("regions"):
        from fuzzyaws import regions
        regions.check(values["regions"])
    if values.get("source") and values.get("snapshot"):
        raise UsageError("source and snapshot are two ways to read the organization: set one of them")
    return Settings(env=env, **values)


def _read_file(path, env) -> dict:
    explicit = path is not None
    path = expand(path or default_config_path(env), env)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        if explicit:
            raise UsageError(f"config file {path} does not exist") from None
        return {}
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path}: {exc}") from None
    known = set(Settings._fields) - {"env", "verbose", "default_cache_dir"}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise UsageError(f"config file {path}: unknown setting {key!r}")
        if key == "org":
            values[key] = _org(value, path)
        elif key == "account_profiles":
            values[key] = _account_profiles(value, path)
        elif key == "read_only":
            values[key] = value if isinstance(value, bool) else _strings(value, f"config file {path}: read_only "
                                                                                "(true, false or a list of profiles)")
        else:
            values[key] = _coerce(key, value, f"{path}: {key}")
    return values


def _account_profiles(value, path) -> dict:
    where = f"config file {path}: [account_profiles]"
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a table of \"ACCOUNT\" = \"PROFILE\"")
    for account, profile in value.items():
        if not (len(account) == 12 and account.isdigit()) or not isinstance(profile, str) or not profile:
            raise UsageError(f"{where}: {account!r} = {profile!r} is not a 12-digit account and a profile name")
    return dict(value)


def _org(value, path) -> Org:
    if not isinstance(value, dict):
        raise UsageError(f"config file {path}: [org] must be a table")
    unknown = set(value) - set(Org._fields)
    if unknown:
        raise UsageError(f"config file {path}: unknown [org] setting {sorted(unknown)[0]!r}")
    fields = {}
    for key, item in value.items():
        where = f"config file {path}: [org] {key}"
        if key in ("accounts", "exclude"):
            fields[key] = _strings(item, where)
        elif not isinstance(item, str) or not item:
            raise UsageError(f"{where} must be a non-empty string")
        else:
            fields[key] = item
    return Org(**fields)


def _strings(value, where) -> tuple:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where} must be a list of strings, like [\"a\", \"b\"]")
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _coerce(name, value, where, text: bool = False):
    """`value` as the type of setting `name`; a wrong type or value is a UsageError.
    `text`: the value comes from an env var or a flag (a string, lists comma-separated)."""
    if name in _LISTS:
        if text and isinstance(value, str):
            value = value.split(",")
        items = _strings(list(value) if text else value, where)
        if name == "kinds":
            from fuzzyaws import kinds
            for kind in items:
                if kinds.problem(kind):
                    raise UsageError(f"{where}: {kinds.problem(kind)}")
        return items
    if name in _NUMBERS:
        return _number(name, value, where, text)
    if not isinstance(value, str):
        raise UsageError(f"{where}: {name} must be a string")
    if name == "picker" and value not in PICKERS:
        raise UsageError(f"{where}: unknown picker {value!r} (choose {', '.join(PICKERS)})")
    if name == "sso_login" and value not in SSO_LOGIN:
        raise UsageError(f"{where}: sso_login must be one of {', '.join(SSO_LOGIN)}, not {value!r}")
    if name == "index" and value not in INDEX_SOURCES:
        raise UsageError(f"{where}: unknown index source {value!r} (choose {', '.join(INDEX_SOURCES)})")
    if name == "source" and value and not (value.startswith("config-aggregator:") and value.split(":", 1)[1]):
        raise UsageError(f"{where}: source must be \"config-aggregator:NAME\", not {value!r}")
    if name == "snapshot" and value:
        from fuzzyaws.snapshot import parse_url
        parse_url(value, where)
    if name == "explorer_view" and value and not (value.startswith("arn:") and ":resource-explorer-2:" in value
                                                  and ":view/" in value):
        raise UsageError(f"{where}: explorer_view must be a Resource Explorer view's ARN "
                         f"(arn:aws:resource-explorer-2:REGION:ACCOUNT:view/NAME/ID), not {value!r}")
    return value


def _number(name, value, where, text: bool):
    kind = _NUMBERS[name]
    number = None
    if text and isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            pass
    elif type(value) in (int, float):  # not bool, which TOML spells true/false
        number = float(value)
    if number is None or not math.isfinite(number) or (kind is int and not number.is_integer()):
        what = "a whole number" if kind is int else "a number"
        raise UsageError(f"{where}: {name} must be {what}, not {value!r}")
    if number < (1 if kind is int else 0):
        raise UsageError(f"{where}: {name} must be positive, not {value!r}")
    return kind(number)
