import os

import pytest

from fuzzyaws import config
from fuzzyaws.cli import parse
from fuzzyaws.status import UsageError


def settings(argv, env, tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_CACHE_HOME": str(tmp_path / "cache"), **env}
    _, flags, _ = parse(argv)
    return config.load(flags, env)


def write_config(tmp_path, text):
    path = tmp_path / "cfg" / "fuzzyaws" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults(tmp_path):
    s = settings(["ls"], {}, tmp_path)
    assert s.profiles == () and s.regions == () and s.ttl == 300 and s.workers == 16
    from fuzzyaws import KINDS
    assert s.kinds == KINDS and "index" in s.kinds and s.index == "auto" and s.index_ttl == 3600
    assert s.cache_dir == str(tmp_path / "cache" / "fuzzyaws")


def test_file_then_env_then_flags(tmp_path):
    write_config(tmp_path, 'profiles = ["a", "b"]\nregions = ["eu-west-1"]\nttl = 60\n'
                           '[org]\nprofile = "mgmt"\nexclude = ["1"]\n')
    s = settings(["ls"], {}, tmp_path)
    assert s.profiles == ("a", "b") and s.regions == ("eu-west-1",) and s.ttl == 60
    assert s.org.profile == "mgmt" and s.org.exclude == ("1",)
    s = settings(["ls"], {"FUZZYAWS_PROFILES": "c, d", "FUZZYAWS_TTL": "5"}, tmp_path)
    assert s.profiles == ("c", "d") and s.ttl == 5
    s = settings(["--profile", "x", "ls", "--profile", "y", "--ttl", "7", "--region", "us-east-1"],
                 {"FUZZYAWS_PROFILES": "c"}, tmp_path)
    assert s.profiles == ("y",)  # the command's own flag wins, as argparse merges them
    assert s.ttl == 7 and s.regions == ("us-east-1",)


def test_flags_before_and_after_command(tmp_path):
    assert settings(["-v", "ls"], {}, tmp_path).verbose
    assert settings(["ls", "-v"], {}, tmp_path).verbose
    assert settings(["--region", "us-west-2", "ls"], {}, tmp_path).regions == ("us-west-2",)


@pytest.mark.parametrize("text, message", [
    ("ttl = 'soon'", "ttl must be a number"),
    ("colour = 1", "unknown setting 'colour'"),
    ("kinds = ['lamda']", "unknown kind 'lamda'"),
    ("index = 'explorer'", "unknown index source"),
    ("index_ttl = -1", "index_ttl must be positive"),
    ("workers = 0", "workers must be positive"),
    ("profiles = [", "config file"),
    ("ttl = true", "ttl must be a number"),
    ("ttl = nan", "ttl must be a number"),
    ("ttl = inf", "ttl must be a number"),
    ("workers = 1.5", "workers must be a whole number"),
    ("workers = true", "workers must be a whole number"),
    ("profiles = 'prod'", "profiles must be a list"),
    ("regions = ['us-east-1', 3]", "regions must be a list of strings"),
    ("regions = ['bogus']", "'bogus' is not an AWS region name"),
    ("regions = ['us-esat-1']", "'us-esat-1' is not an AWS region name"),
    ("picker = 'fzy'", "unknown picker"),
    ("ssh_user = 1", "ssh_user must be a string"),
    ("[org]\naccounts = '123'", "accounts must be a list"),
    ("[org]\nrole_name = ''", "role_name must be a non-empty string"),
    ("[org]\nprofile = 1", "profile must be a non-empty string"),
])
def test_bad_config_is_a_usage_error(tmp_path, text, message):
    write_config(tmp_path, text)
    with pytest.raises(UsageError, match=message):
        settings(["ls"], {}, tmp_path)


@pytest.mark.parametrize("argv, env, message", [
    (["--ttl", "nan", "ls"], {}, "--ttl: ttl must be a number"),
    (["--ttl", "-1", "ls"], {}, "ttl must be positive"),
    (["--region", "bogus", "ls"], {}, "'bogus' is not an AWS region name"),
    (["ls"], {"FUZZYAWS_WORKERS": "1.5"}, "FUZZYAWS_WORKERS: workers must be a whole number"),
    (["ls"], {"FUZZYAWS_TTL": "inf"}, "FUZZYAWS_TTL: ttl must be a number"),
    (["ls"], {"FUZZYAWS_REGIONS": "eu-west-1,nowhere"}, "'nowhere' is not an AWS region name"),
])
def test_bad_flags_and_env_are_usage_errors(tmp_path, argv, env, message):
    with pytest.raises(UsageError, match=message):
        settings(argv, env, tmp_path)


def test_region_names_newer_than_botocore_are_accepted(tmp_path):
    s = settings(["--region", "ap-southeast-9", "--region", "us-gov-west-1", "--region", "all", "ls"], {}, tmp_path)
    assert s.regions == ("ap-southeast-9", "us-gov-west-1", "all")


def test_home_unset_falls_back_to_the_password_database(tmp_path):
    s = config.load({}, {})
    import pwd
    assert s.cache_dir == pwd.getpwuid(os.getuid()).pw_dir + "/.cache/fuzzyaws"


def test_missing_explicit_config(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        settings(["--config", str(tmp_path / "nope.toml"), "ls"], {}, tmp_path)
