import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.bootstrap import jwt_secret
from core.settings import SecretStr, Settings, SettingsError, env_name

REPO = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_in_env_example():
    documented = {
        line.split("=", 1)[0]
        for line in (REPO / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    names = {env_name(name) for name in Settings.model_fields}
    assert names == documented


def test_env_example_values_parse_to_the_defaults():
    env = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    parsed = Settings.from_env(env)
    default = Settings()
    for name in Settings.model_fields:
        assert getattr(parsed, name) == getattr(default, name), name


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
        jwt_secret(Settings(env="production", data_dir=tmp_path))


def test_embedded_default_generates_and_keeps_a_jwt_secret(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert not (tmp_path / "jwt_secret").exists()  # the settings object writes nothing
    first = jwt_secret(settings)
    assert len(first) >= 32
    assert jwt_secret(Settings(data_dir=tmp_path)) == first
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o777 == 0o600


def test_the_readme_configuration_table_lists_every_variable():
    readme = (REPO / "README.md").read_text()
    for field in Settings.model_fields:
        name = env_name(field)
        assert f"| `{name}` |" in readme, name


@pytest.mark.parametrize(("variable", "value", "allowed"), [
    ("THREADR_GENERATOR", "lmm", "offline, llm"),
    ("STRIPE_MODE", "subscribe", "payment, subscription"),
    ("TELEGRAM_MODE", "webhooks", "polling, webhook"),
    ("THREADR_ENV", "prod", "development, production, test"),
])
def test_a_choice_outside_its_values_is_refused_naming_them(variable, value, allowed):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: value})
    message = str(caught.value)
    assert "\n" not in message
    assert variable in message and repr(value) in message and allowed in message


def test_a_bad_secret_is_named_but_never_echoed():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"JWT_SECRET": "x"}, jwt_secret=["not", "a", "string"])
    assert "JWT_SECRET" in str(caught.value) and "not" not in str(caught.value)


def test_an_empty_variable_means_the_default():
    parsed = Settings.from_env({"PUBLIC_URL": "", "THREADR_PORT": "", "STRIPE_MODE": ""})
    assert (parsed.public_url, parsed.port, parsed.stripe_mode) == (
        Settings().public_url, Settings().port, "payment")


def test_constructing_settings_ignores_the_environment(monkeypatch):
    monkeypatch.setenv("THREADR_GENERATOR", "llm")
    assert Settings().generator == "offline"
    assert Settings.from_env().generator == "llm"


def test_with_validates_the_change():
    with pytest.raises(ValueError):
        Settings().with_(generator="lmm")
    assert Settings().with_(port=9001).port == 9001


def test_threadr_serve_with_a_typo_exits_2_with_one_line_naming_the_variable(tmp_path):
    env = {**os.environ, "THREADR_GENERATOR": "lmm", "THREADR_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "cli", "serve"], env=env, text=True,
                            capture_output=True, timeout=60, cwd=REPO)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "THREADR_GENERATOR" in lines[0] and "offline, llm" in lines[0]
