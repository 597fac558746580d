"""The server's settings from the environment: the signing key (made once, private to the
user), token and session lifetimes, the admin connection."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from sync_server.config import KEY_FILE_NAME, ConfigurationError, load_server_settings, stored_secret


def test_a_signing_key_is_made_once_and_kept_private(tmp_path):
    env = {"CLINIC_DATA_DIR": str(tmp_path)}
    first = load_server_settings(env)
    again = load_server_settings(env)
    key_file = tmp_path / KEY_FILE_NAME
    assert first.jwt_secret == again.jwt_secret
    assert len(first.jwt_secret) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.jwt_secret.decode() not in repr(first)


def test_workers_starting_together_agree_on_one_key(tmp_path):
    path = tmp_path / "deep" / KEY_FILE_NAME
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: stored_secret(path), range(16)))
    assert len(keys) == 1


def test_a_key_from_the_environment_is_used_and_nothing_is_written(tmp_path):
    key = "k" * 40
    settings = load_server_settings({"CLINIC_DATA_DIR": str(tmp_path), "CLINIC_JWT_SECRET": key})
    assert settings.jwt_secret == key.encode()
    assert not (tmp_path / KEY_FILE_NAME).exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CLINIC_JWT_SECRET", "short"),
        ("CLINIC_ACCESS_TOKEN_MINUTES", "fifteen"),
        ("CLINIC_ACCESS_TOKEN_MINUTES", "0"),
        ("CLINIC_SESSION_IDLE_MINUTES", "-5"),
        ("CLINIC_MAX_BODY_BYTES", "1.5"),
        ("CLINIC_GZIP_MIN_BYTES", "-1"),
        ("CLINIC_GZIP_LEVEL", "0"),
        ("CLINIC_GZIP_LEVEL", "10"),
    ],
)
def test_unusable_settings_are_refused_naming_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigurationError, match=name):
        load_server_settings({"CLINIC_DATA_DIR": str(tmp_path), name: value})


def test_lifetimes_and_the_admin_connection_come_from_the_environment(tmp_path):
    defaults = load_server_settings(
        {"CLINIC_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://app@db/clinic"}
    )
    assert defaults.access_token_ttl == timedelta(minutes=15)
    assert defaults.idle_timeout == timedelta(minutes=15)
    assert defaults.max_session_age == timedelta(hours=12)
    assert defaults.admin_database_url == "postgresql://app@db/clinic"
    chosen = load_server_settings(
        {
            "CLINIC_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://app@db/clinic",
            "CLINIC_ADMIN_DATABASE_URL": "postgresql://owner@db/clinic",
            "CLINIC_ACCESS_TOKEN_MINUTES": "5",
            "CLINIC_REFRESH_TOKEN_HOURS": "2",
            "CLINIC_SESSION_IDLE_MINUTES": "10",
            "CLINIC_SESSION_MAX_HOURS": "8",
            "CLINIC_MAX_BODY_BYTES": "1000",
        }
    )
    assert chosen.admin_database_url == "postgresql://owner@db/clinic"
    assert chosen.access_token_ttl == timedelta(minutes=5)
    assert chosen.refresh_token_ttl == timedelta(hours=2)
    assert chosen.idle_timeout == timedelta(minutes=10)
    assert chosen.max_session_age == timedelta(hours=8)
    assert chosen.max_body_bytes == 1000
