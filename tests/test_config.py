import pytest

from fuzzyaws import config
from fuzzyaws.cli import build_parser
from fuzzyaws.status import UsageError


def settings(argv, env, tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_CACHE_HOME": str(tmp_path / "cache"), **env}
    return config.load(build_parser().parse_args(argv), env)


def write_config(tmp_path, text):
    path = tmp_path / "cfg" / "fuzzyaws" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults(tmp_path):
    s = settings(["ls"], {}, tmp_path)
    assert s.profiles == () and s.regions == () and s.ttl == 300 and s.workers == 16
    assert s.kinds == ("ec2", "rds", "elasticache", "ecs")
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
    ("kinds = ['s3']", "unknown kind 's3'"),
    ("workers = 0", "workers must be positive"),
    ("profiles = [", "config file"),
])
def test_bad_config_is_a_usage_error(tmp_path, text, message):
    write_config(tmp_path, text)
    with pytest.raises(UsageError, match=message):
        settings(["ls"], {}, tmp_path)


def test_missing_explicit_config(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        settings(["--config", str(tmp_path / "nope.toml"), "ls"], {}, tmp_path)
