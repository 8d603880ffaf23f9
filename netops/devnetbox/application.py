"""NetBox as a Django application: its configuration.py, its environment, migrations, the admin user and token."""

from __future__ import annotations

import json
import os
from typing import Final

from netops.devnetbox.credentials import Secrets
from netops.devnetbox.processes import run
from netops.devnetbox.settings import ADMIN_USER, DB_NAME, DB_USER, HOST, Settings
from netops.devnetbox.statefiles import write_private
from netops.devnetbox.templates import render
from netops.progress import ProgressSink as Progress


def render_configuration(settings: Settings, secrets_: Secrets) -> str:
    """NetBox's configuration.py for this state directory.

    The database name comes from NETOPS_NETBOX_DB_NAME when set, so that the same configuration can migrate
    and seed the template database.
    """
    redis = {
        "HOST": HOST,
        "PORT": settings.redis_port,
        "USERNAME": "",
        "PASSWORD": secrets_.redis_password,
        "SSL": False,
    }
    return render(
        "configuration.py.j2",
        settings=settings,
        secrets=secrets_,
        redis=redis,
        host=HOST,
        db_name=DB_NAME,
        db_user=DB_USER,
    )


def write_configuration(settings: Settings, secrets_: Secrets) -> None:
    """NETBOX_ROOT's folders, and configuration.py (mode 600: it holds secrets)."""
    for sub in ("conf", "media", "reports", "scripts"):
        (settings.netbox_root / sub).mkdir(parents=True, exist_ok=True)
    write_private(settings.config_file, render_configuration(settings, secrets_))


def netbox_env(settings: Settings, db: str = DB_NAME) -> dict[str, str]:
    """The environment NetBox's programs run in: our NETBOX_ROOT, and ``db`` as the database."""
    env = {k: v for k, v in os.environ.items() if k not in ("NETBOX_CONFIGURATION", "DJANGO_SETTINGS_MODULE")}
    env.update(
        NETBOX_ROOT=str(settings.netbox_root),
        DJANGO_SETTINGS_MODULE="netbox.settings",
        NETOPS_NETBOX_DB_NAME=db,
        PYTHONUNBUFFERED="1",
    )
    return env


def migrate(settings: Settings, db: str, progress: Progress, *, checks: bool = True) -> None:
    """``netbox migrate`` on ``db``. Django's system checks cost ~6 s (half of a no-op migrate): skippable
    when the schema comes from our own dump, since gunicorn runs them again when it starts."""
    run(
        [settings.venv / "bin" / "netbox", "migrate", "--no-input", *([] if checks else ["--skip-checks"])],
        log=settings.log_dir / "migrate.log",
        label=f"netbox migrate ({db})",
        progress=progress,
        env=netbox_env(settings, db),
        cwd=settings.netbox_root,
    )


# Run with NetBox's venv python: creates (or repairs) the admin user and the known v2 API token.
_ADMIN_SNIPPET: Final = """\
import json, sys
import django
django.setup()
from users.models import Token, User
data = json.load(sys.stdin)
user, _ = User.objects.get_or_create(username=data["username"])
user.is_superuser = True
user.is_active = True
user.set_password(data["password"])
user.save()
Token.objects.filter(key=data["key"]).delete()
Token(user=user, version=2, key=data["key"], token=data["secret"], write_enabled=True,
      description="netops netbox: embedded server token").save()
"""


def create_admin(settings: Settings, secrets_: Secrets, db: str) -> None:
    """Create (or repair) the admin user and its API token in ``db``, with the state directory's secrets."""
    payload = {
        "username": ADMIN_USER,
        "password": secrets_.admin_password,
        "key": secrets_.token_key,
        "secret": secrets_.token_secret,
    }
    run(
        [settings.venv / "bin" / "python", "-c", _ADMIN_SNIPPET],
        log=settings.log_dir / "admin.log",
        label=f"create admin user and token ({db})",
        env=netbox_env(settings, db),
        cwd=settings.netbox_root,
        stdin=json.dumps(payload).encode(),
    )
