from dataclasses import fields
from pathlib import Path

import pytest

from core.settings import _ENV_NAMES, SecretStr, Settings

REPO = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_in_env_example():
    documented = {
        line.split("=", 1)[0]
        for line in (REPO / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    names = {_ENV_NAMES.get(f.name, f.name.upper()) for f in fields(Settings)}
    assert names == documented


def test_env_example_values_parse_to_the_defaults():
    env = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    parsed = Settings.from_env(env)
    default = Settings()
    for f in fields(Settings):
        assert getattr(parsed, f.name) == getattr(default, f.name), f.name


def test_values_are_converted_from_the_environment():
    s = Settings.from_env({"FREE_DAILY_QUOTA": "3", "FETCH_ALLOWED_PORTS": "80,8080",
                           "FETCH_ALLOW_LOOPBACK": "yes", "THREADR_PORT": "9000"})
    assert (s.free_daily_quota, s.fetch_allowed_ports, s.fetch_allow_loopback, s.port) == (
        3, (80, 8080), True, 9000)


def test_a_bad_value_names_the_variable():
    with pytest.raises(ValueError, match="FREE_DAILY_QUOTA"):
        Settings.from_env({"FREE_DAILY_QUOTA": "lots"})


def test_secrets_never_show_in_repr_or_public_dict():
    s = Settings(jwt_secret=SecretStr("supersecretvalue"),
                 database_url="postgresql://u:hunter2@db/threadr")
    assert "supersecretvalue" not in repr(s)
    public = s.public_dict()
    assert public["jwt_secret"] == "**********"
    assert "hunter2" not in public["database_url"]


def test_production_requires_a_jwt_secret(tmp_path):
    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        Settings(env="production", data_dir=tmp_path).resolved_jwt_secret()


def test_embedded_default_generates_and_keeps_a_jwt_secret(tmp_path):
    first = Settings(data_dir=tmp_path).resolved_jwt_secret()
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path).resolved_jwt_secret() == first
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o777 == 0o600


def test_the_readme_configuration_table_lists_every_variable():
    readme = (REPO / "README.md").read_text()
    for f in fields(Settings):
        name = _ENV_NAMES.get(f.name, f.name.upper())
        assert f"| `{name}` |" in readme, name
