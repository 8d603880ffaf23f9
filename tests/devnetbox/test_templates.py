"""The config files the embedded NetBox writes, rendered from its templates for fixed settings and secrets.

The goldens in golden/ pin every byte of them: a difference here is a change of what a running NetBox, Redis or
gunicorn reads, to be read in the golden's diff.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from netops.devnetbox.application import render_configuration, write_configuration
from netops.devnetbox.credentials import Secrets, render_env_file, write_env_file
from netops.devnetbox.gunicorn import render_gunicorn_conf, render_wsgi, write_gunicorn_files
from netops.devnetbox.redis import render_redis_conf, write_redis_conf
from netops.devnetbox.settings import Settings

GOLDEN = Path(__file__).parent / "golden"

HOME = Path("/tmp/netops-golden/netbox")
SETTINGS = Settings(home=HOME, venv=HOME / "venv", http_port=18899, pg_port=25499, redis_port=63899)
# Every character the generated secrets may hold, so that quoting in the Python files is exercised.
SECRETS = Secrets(
    secret_key="sk-" + "abcXYZ019!@#$%^&*(-_=+)" * 2,
    pepper="pp-" + "Zz9!@#$%^&*(-_=+)" * 3,
    db_password="dbPassw0rd" * 3,
    redis_password="r3disPassw0rd" * 2,
    admin_password="Adm1nPassw0rdAdm1n00",
    token_key="Key012345678",
    token_secret="Secret" + "0123456789" * 3 + "abcd",
)

Render = Callable[[Settings, Secrets], str]

RENDERS: dict[str, Render] = {
    "configuration.py": render_configuration,
    "netbox.env": render_env_file,
    "redis.conf": render_redis_conf,
    "gunicorn.conf.py": lambda _settings, _secrets: render_gunicorn_conf(),
    "netops_wsgi.py": lambda _settings, _secrets: render_wsgi(),
}


def test_every_golden_has_a_render() -> None:
    assert sorted(p.name.removesuffix(".golden") for p in GOLDEN.glob("*.golden")) == sorted(RENDERS)


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_a_rendered_file_equals_its_golden(name: str, golden: Callable[[Path, str], None]) -> None:
    golden(GOLDEN / f"{name}.golden", RENDERS[name](SETTINGS, SECRETS))


def _write_all(settings: Settings) -> dict[str, Path]:
    """Write every file as the server does, into ``settings.home``; where each one went."""
    write_configuration(settings, SECRETS)
    write_env_file(settings, SECRETS)
    write_redis_conf(settings, SECRETS)
    write_gunicorn_files(settings)
    return {
        "configuration.py": settings.config_file,
        "netbox.env": settings.env_file,
        "redis.conf": settings.run_dir / "redis.conf",
        "gunicorn.conf.py": settings.run_dir / "gunicorn.conf.py",
        "netops_wsgi.py": settings.run_dir / "netops_wsgi.py",
    }


def test_the_written_files_are_the_rendered_ones_byte_for_byte(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, venv=tmp_path / "venv", http_port=18899, pg_port=25499, redis_port=63899)

    written = _write_all(settings)

    assert sorted(written) == sorted(RENDERS)
    for name, path in written.items():
        assert path.read_bytes() == RENDERS[name](settings, SECRETS).encode("utf-8"), name


def test_the_files_holding_secrets_are_private(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, venv=tmp_path / "venv")

    written = _write_all(settings)

    modes = {name: path.stat().st_mode & 0o777 for name, path in written.items()}
    assert modes["configuration.py"] == modes["netbox.env"] == modes["redis.conf"] == 0o600


def test_the_redis_conf_names_the_state_directory(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, venv=tmp_path / "venv", redis_port=63999)

    text = render_redis_conf(settings, SECRETS)

    assert f"dir {tmp_path / 'redis'}\n" in text and "port 63999\n" in text
