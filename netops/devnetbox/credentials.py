"""The server's secrets (secrets.json) and what clients need to reach it (netbox.env)."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from netops.devnetbox.errors import NetboxServerError
from netops.devnetbox.settings import ADMIN_USER, Settings
from netops.devnetbox.statefiles import write_private
from netops.devnetbox.templates import render


@dataclass(frozen=True)
class Secrets:
    """Generated once per state directory (secrets.json, mode 600); never committed, never printed."""

    secret_key: str
    pepper: str
    db_password: str
    redis_password: str
    admin_password: str
    token_key: str
    token_secret: str

    @property
    def token(self) -> str:
        """The full v2 API token, as clients send it: ``Authorization: Bearer <token>``."""
        return f"nbt_{self.token_key}.{self.token_secret}"


_ALNUM: Final = string.ascii_letters + string.digits


def _random(length: int, alphabet: str = _ALNUM) -> str:
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        # NetBox's password validators want letters and digits; tokens are fine with this too.
        if alphabet != _ALNUM or (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
            return value


def load_secrets(settings: Settings) -> Secrets:
    """Read the state directory's secrets, generating them the first time."""
    path = settings.secrets_file
    if path.exists():
        try:
            return Secrets(**json.loads(path.read_text()))
        except (ValueError, TypeError) as exc:
            raise NetboxServerError(f"{path} is damaged ({exc})", hint=f"remove {settings.home} and run up") from exc
    key_alphabet = _ALNUM + "!@#$%^&*(-_=+)"
    generated = Secrets(
        secret_key=_random(64, key_alphabet),
        pepper=_random(64, key_alphabet),
        db_password=_random(32),
        redis_password=_random(32),
        admin_password=_random(20),
        token_key=_random(12),
        token_secret=_random(40),
    )
    write_private(path, json.dumps(generated.__dict__, indent=2) + "\n")
    return generated


def render_env_file(settings: Settings, secrets_: Secrets) -> str:
    """The text of ``netbox.env``."""
    return render("netbox.env.j2", settings=settings, secrets=secrets_, admin_user=ADMIN_USER)


def write_env_file(settings: Settings, secrets_: Secrets) -> Path:
    """``netbox.env`` (mode 600): what a client needs, in a form both ``source`` and dotenv readers accept."""
    write_private(settings.env_file, render_env_file(settings, secrets_))
    return settings.env_file
