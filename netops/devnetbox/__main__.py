"""``python -m netops.devnetbox make-dump [OUT]``: the entry point of scripts/netbox-make-dump."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from netops.devnetbox.database import make_dump, schema_dump_path
from netops.devnetbox.errors import NetboxServerError
from netops.devnetbox.settings import Settings
from netops.progress import Lines


def main(argv: Sequence[str]) -> int:
    """Make the schema dump with a PostgreSQL and Redis of its own; the exit code."""
    if not argv or argv[0] != "make-dump" or len(argv) > 2:
        print("usage: python -m netops.devnetbox make-dump [OUT.pgdump]", file=sys.stderr)
        return 2
    base = Settings.from_env()
    env = os.environ
    # Apart from the everyday server: own state directory and ports, same venv (no second 550 MB install).
    settings = Settings.from_env(
        {
            **env,
            "NETOPS_NETBOX_HOME": env.get("NETOPS_NETBOX_DUMP_HOME", str(base.home.with_name("netbox-dump"))),
            "NETOPS_NETBOX_VENV": str(base.venv),
            "NETOPS_NETBOX_PG_PORT": str(base.pg_port + 1),
            "NETOPS_NETBOX_REDIS_PORT": str(base.redis_port + 1),
        }
    )
    out = Path(argv[1]) if len(argv) == 2 else schema_dump_path(settings.netbox_version)
    started = time.monotonic()
    try:
        make_dump(settings, out, Lines(lambda message: print(message, flush=True)))
    except NetboxServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"dump: {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
