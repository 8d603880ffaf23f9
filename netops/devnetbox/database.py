"""NetBox's databases: the template restored from the committed schema dump, ``netbox`` made from it, the dump.

Restoring the migrated empty schema (``schema/netbox-<version>.pgdump``, a ``pg_dump -Fc``) takes seconds
where migrating from scratch takes 6-14 min; ``make_dump`` (scripts/netbox-make-dump) makes that file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Final

from netops.devnetbox.application import create_admin, migrate, write_configuration
from netops.devnetbox.credentials import Secrets, load_secrets
from netops.devnetbox.install import check_prerequisites, ensure_venv
from netops.devnetbox.ports import check_ports_free
from netops.devnetbox.postgres import db_exists, pg_env, psql, start_postgres
from netops.devnetbox.processes import run, stop_part
from netops.devnetbox.redis import start_redis
from netops.devnetbox.settings import DB_NAME, DB_USER, NETBOX_VERSION, TEMPLATE_DB, Settings
from netops.devnetbox.statefiles import read_state, server_lock, write_state
from netops.progress import ProgressSink as Progress
from netops.progress import quiet

SCHEMA_DIR: Final = Path(__file__).resolve().parent / "schema"


def schema_dump_path(version: str = NETBOX_VERSION) -> Path:
    """The committed dump of the migrated, empty NetBox schema for ``version``."""
    return SCHEMA_DIR / f"netbox-{version}.pgdump"


def _build_template(settings: Settings, secrets_: Secrets, progress: Progress) -> None:
    """Build ``netbox_template``: the migrated empty schema plus admin and token, the source of every reset.

    Built under another name and renamed at the end, so an interrupted build leaves nothing half-made.
    """
    building = TEMPLATE_DB + "_build"
    psql(settings, secrets_, f"DROP DATABASE IF EXISTS {building} WITH (FORCE)")
    psql(settings, secrets_, f"CREATE DATABASE {building}")
    dump = schema_dump_path(settings.netbox_version)
    if dump.exists():
        progress(f"database: restoring the empty NetBox {settings.netbox_version} schema from {dump.name}")
        run(
            [
                settings.pg_bin("pg_restore"), "--no-owner", "--no-privileges", f"--role={DB_USER}",
                "--exit-on-error", "-d", building, dump,
            ],
            log=settings.log_dir / "restore.log",
            label="pg_restore",
            env=pg_env(settings, secrets_),
        )
        progress("database: netbox migrate (applies only what the dump lacks)")
        migrate(settings, building, progress, checks=False)
    else:
        progress(
            f"database: no schema dump for NetBox {settings.netbox_version} ({dump} is missing): "
            "migrating from scratch, which takes 6-14 minutes; scripts/netbox-make-dump makes the dump"
        )
        migrate(settings, building, progress)
    progress("database: creating the admin user and API token")
    create_admin(settings, secrets_, building)
    psql(settings, secrets_, f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)")
    psql(settings, secrets_, f"ALTER DATABASE {building} RENAME TO {TEMPLATE_DB}")
    write_state(settings, template_version=settings.netbox_version)


def ensure_database(settings: Settings, secrets_: Secrets, progress: Progress) -> bool:
    """Make sure ``netbox_template`` and ``netbox`` exist and are migrated; True when anything was done."""
    state = read_state(settings)
    done = False
    if state.get("template_version") != settings.netbox_version or not db_exists(
        settings, secrets_, TEMPLATE_DB
    ):
        _build_template(settings, secrets_, progress)
        done = True
    if not db_exists(settings, secrets_, DB_NAME):
        progress(f"database: creating {DB_NAME} from {TEMPLATE_DB}")
        psql(settings, secrets_, f"CREATE DATABASE {DB_NAME} TEMPLATE {TEMPLATE_DB}")
        write_state(settings, db_version=settings.netbox_version)
        done = True
    elif state.get("db_version") != settings.netbox_version:
        progress(f"database: {DB_NAME} holds data of another NetBox version: netbox migrate")
        migrate(settings, DB_NAME, progress)
        write_state(settings, db_version=settings.netbox_version)
        done = True
    return done


def recreate_database(settings: Settings, secrets_: Secrets) -> None:
    """Drop ``netbox`` (ending the server's connections) and make it again from ``netbox_template``."""
    psql(settings, secrets_, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(settings, secrets_, f"CREATE DATABASE {DB_NAME} TEMPLATE {TEMPLATE_DB}")


def make_dump(settings: Settings, out: Path, progress: Progress = quiet) -> Path:
    """Migrate an empty database from scratch (6-14 min) and ``pg_dump -Fc`` it to ``out``.

    Runs its own PostgreSQL and Redis from ``settings`` (give it a state directory and ports apart from the
    everyday server) and stops them again at the end.
    """
    with server_lock(settings):
        check_prerequisites(settings)
        check_ports_free(settings, ("postgres", "redis"))
        ensure_venv(settings, progress)
        secrets_ = load_secrets(settings)
        write_configuration(settings, secrets_)
        try:
            start_postgres(settings, secrets_, progress)
            start_redis(settings, secrets_, progress)
            scratch = "netbox_dump"
            psql(settings, secrets_, f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
            psql(settings, secrets_, f"CREATE DATABASE {scratch}")
            progress(f"dump: migrating an empty NetBox {settings.netbox_version} database (6-14 min)")
            started = time.monotonic()
            migrate(settings, scratch, progress)
            progress(f"dump: migrated in {time.monotonic() - started:.0f} s; writing {out}")
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + ".tmp")
            run(
                [settings.pg_bin("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-d", scratch, "-f", tmp],
                log=settings.log_dir / "dump.log",
                label="pg_dump",
                env=pg_env(settings, secrets_),
            )
            tmp.replace(out)
            psql(settings, secrets_, f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
        finally:
            for part in ("redis", "postgres"):
                stop_part(settings, part, progress)
    return out
