"""Configuration from the environment, with the documented defaults."""

from __future__ import annotations

from pathlib import Path

from common.config import load_settings, user_data_dir


def test_defaults_to_an_embedded_sqlite_file_in_the_users_data_directory():
    settings = load_settings({"HOME": "/home/rita"})
    assert settings.data_dir == Path("/home/rita/.local/share/clinic-front-desk")
    assert settings.database_url == "sqlite+pysqlite:////home/rita/.local/share/clinic-front-desk/clinic.db"
    assert settings.is_sqlite


def test_clinic_data_dir_moves_the_sqlite_file(tmp_path):
    settings = load_settings({"HOME": "/home/rita", "CLINIC_DATA_DIR": str(tmp_path / "clinic")})
    assert settings.data_dir == tmp_path / "clinic"
    assert settings.database_url.endswith(f"{tmp_path}/clinic/clinic.db")
    settings.ensure_data_dir()
    assert (tmp_path / "clinic").is_dir()


def test_database_url_wins_and_its_password_is_hidden_in_messages():
    settings = load_settings(
        {"HOME": "/h", "DATABASE_URL": "postgresql://clinic:s3cret@db.internal:5432/clinic"}
    )
    assert settings.database_url == "postgresql://clinic:s3cret@db.internal:5432/clinic"
    assert not settings.is_sqlite
    assert "s3cret" not in settings.database_display


def test_data_directory_per_platform():
    assert user_data_dir({"HOME": "/h", "XDG_DATA_HOME": "/xdg"}, "linux") == Path("/xdg/clinic-front-desk")
    assert user_data_dir({"APPDATA": "C:/Users/r/AppData/Roaming"}, "win32") == Path(
        "C:/Users/r/AppData/Roaming/clinic-front-desk"
    )
    assert user_data_dir({"HOME": "/Users/r"}, "darwin") == Path(
        "/Users/r/Library/Application Support/clinic-front-desk"
    )
