"""Settings: defaults, then the TOML config file, then FUZZYAWS_* env vars, then flags.

    # ~/.config/fuzzyaws/config.toml
    profiles = ["prod", "staging"]     # none: the profile boto3 would use
    regions = ["us-east-1", "eu-west-1"]   # ["all"]: every region enabled for the account
    kinds = ["ec2", "rds", "elasticache", "ecs"]
    ttl = 300                          # seconds a shard stays fresh
    cache_dir = "~/.cache/fuzzyaws"
    workers = 16                       # threads fetching shards
    connect_timeout = 5
    read_timeout = 30
    max_attempts = 6                   # attempts per call (botocore adaptive retry mode)
    picker = "auto"                    # auto (fzf if on PATH) | fzf | builtin
    jumphost_tag = "Role=jumphost"     # how connect/tunnel find a jump host for databases
    ssh_user = ""                      # default ssh login (else by platform: ec2-user, ubuntu...)

    [org]                              # list the organization's accounts, assume a role in each
    profile = "management"
    role_name = "OrganizationAccountAccessRole"
    exclude = ["111111111111"]

Env: FUZZYAWS_CONFIG, FUZZYAWS_PROFILES and FUZZYAWS_REGIONS and FUZZYAWS_KINDS (comma
separated), FUZZYAWS_TTL, FUZZYAWS_CACHE_DIR, FUZZYAWS_WORKERS, FUZZYAWS_PICKER.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from fuzzyaws import KINDS, PICKERS
from fuzzyaws.status import UsageError


@dataclass(frozen=True)
class Org:
    profile: "str | None" = None
    role_name: str = "OrganizationAccountAccessRole"
    accounts: tuple = ()  # only these accounts (empty: all active ones)
    exclude: tuple = ()


@dataclass(frozen=True)
class Settings:
    profiles: tuple = ()  # empty: boto3's default profile / environment credentials
    regions: tuple = ()  # empty: boto3's default region; ("all",): every enabled region
    kinds: tuple = KINDS
    ttl: float = 300.0
    cache_dir: str = ""
    workers: int = 16
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 6
    org: "Org | None" = None
    picker: str = "auto"
    jumphost_tag: str = "Role=jumphost"
    ssh_user: str = ""
    verbose: bool = False
    env: dict = field(default_factory=dict, compare=False, repr=False)


_LISTS = {"profiles", "regions", "kinds"}
_NUMBERS = {"ttl": float, "workers": int, "connect_timeout": float,
            "read_timeout": float, "max_attempts": int}
_ENV = {"profiles": "FUZZYAWS_PROFILES", "regions": "FUZZYAWS_REGIONS",
        "kinds": "FUZZYAWS_KINDS", "ttl": "FUZZYAWS_TTL",
        "cache_dir": "FUZZYAWS_CACHE_DIR", "workers": "FUZZYAWS_WORKERS",
        "picker": "FUZZYAWS_PICKER"}


def default_config_path(env) -> str:
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "fuzzyaws", "config.toml")


def default_cache_dir(env) -> str:
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fuzzyaws")


def load(args=None, env=None) -> Settings:
    """Settings for one run from parsed CLI `args` (a Namespace or None) and `env`."""
    env = dict(os.environ if env is None else env)
    values: dict = {}
    values.update(_read_file(getattr(args, "config", None) or env.get("FUZZYAWS_CONFIG"), env))
    for name, var in _ENV.items():
        if env.get(var):
            values[name] = _coerce(name, env[var], var)
    for name in ("profiles", "regions", "kinds"):
        flag = getattr(args, name[:-1], None)  # --profile, --region, --kind
        if flag:
            values[name] = _coerce(name, flag, "--" + name[:-1])
    for name in ("ttl", "cache_dir", "picker"):
        if getattr(args, name, None) is not None:
            values[name] = _coerce(name, getattr(args, name), "--" + name.replace("_", "-"))
    values["verbose"] = bool(getattr(args, "verbose", False))
    values["cache_dir"] = os.path.expanduser(values.get("cache_dir") or default_cache_dir(env))
    return Settings(env=env, **values)


def _read_file(path, env) -> dict:
    explicit = path is not None
    path = os.path.expanduser(path or default_config_path(env))
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
    known = {f.name for f in fields(Settings)} - {"env", "verbose"}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise UsageError(f"config file {path}: unknown setting {key!r}")
        values[key] = _org(value, path) if key == "org" else _coerce(key, value, f"{path}: {key}")
    return values


def _org(value, path) -> Org:
    if not isinstance(value, dict):
        raise UsageError(f"config file {path}: [org] must be a table")
    known = {f.name for f in fields(Org)}
    unknown = set(value) - known
    if unknown:
        raise UsageError(f"config file {path}: unknown [org] setting {sorted(unknown)[0]!r}")
    org = Org(**{k: tuple(str(x) for x in v) if isinstance(v, list) else v for k, v in value.items()})
    if not org.role_name:
        raise UsageError(f"config file {path}: [org] role_name must not be empty")
    return org


def _coerce(name, value, where):
    """`value` from a file, env var or flag as the type of setting `name`; bad → UsageError."""
    if name in _LISTS:
        items = value if isinstance(value, (list, tuple)) else str(value).split(",")
        items = tuple(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))
        if name == "kinds":
            bad = [k for k in items if k not in KINDS]
            if bad:
                raise UsageError(f"{where}: unknown kind {bad[0]!r} (choose from {', '.join(KINDS)})")
        return items
    if name in _NUMBERS:
        try:
            number = _NUMBERS[name](value)
        except (TypeError, ValueError):
            raise UsageError(f"{where}: {name} must be a number, not {value!r}") from None
        if number < (1 if name in ("workers", "max_attempts") else 0):
            raise UsageError(f"{where}: {name} must be positive, not {value!r}")
        return number
    if not isinstance(value, str):
        raise UsageError(f"{where}: {name} must be a string")
    if name == "picker" and value not in PICKERS:
        raise UsageError(f"{where}: unknown picker {value!r} (choose {', '.join(PICKERS)})")
    return value

