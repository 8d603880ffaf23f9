"""The embedded NetBox: a real NetBox 4.7 from PyPI, started and stopped by the project for development and demos.

Three processes, all bound to 127.0.0.1 and all under one state directory (default ``var/netbox``):

- PostgreSQL 15 (Debian's binaries) on a private cluster in ``pg/data``, run as the ``postgres`` OS user
  when we are root (the server refuses to run as root);
- Redis (Debian's ``redis-server``) with no persistence, for NetBox's task queue and cache;
- gunicorn from NetBox's own venv (``venv``, Python >= 3.12) serving ``netbox.wsgi``.

``up`` (service.py) runs these phases in order; each one is a no-op when its result is already there, so ``up``
is idempotent and a second run costs a health check:

1. prerequisites: the Debian binaries exist (else :class:`PrerequisiteError`, exit 2, naming the package);
2. venv: ``pip install netbox==<version>`` into its own venv (about 2 min the first time);
3. secrets + configuration: generated once per state directory, ``configuration.py`` rewritten from them;
4. postgres, then redis: started, waited for;
5. database: the template database ``netbox_template`` is restored from the committed ``pg_dump -Fc`` of the
   migrated empty schema (seconds, where migrating takes 6-14 min), migrated (a no-op when nothing is
   pending) and given the admin user and API token; ``netbox`` is created from it with
   ``CREATE DATABASE ... TEMPLATE``. ``reset`` repeats that last step, which is what makes it fast;
6. gunicorn: started, then waited for until ``GET /api/status/`` answers 200 with the token;
7. ``netbox.env``: NETBOX_URL and NETBOX_TOKEN for the clients (mode 600).

One module per concern:

- ``settings.py``: the NETOPS_NETBOX_* settings and the state directory's paths; ``errors.py``: exit codes;
- ``credentials.py``: secrets.json and netbox.env; ``statefiles.py``: private writes, the lock, state.json;
- ``templates.py`` + ``templates/*.j2``: every config file the server writes;
- ``processes.py``: start, record, recognise and stop by pid what we start (never anything found by name);
  ``ports.py``: the ports are free before anything starts;
- ``postgres.py``, ``redis.py``, ``gunicorn.py``: each server's start and health check;
- ``install.py``: the Debian prerequisites and NetBox's venv; ``application.py``: NetBox's configuration,
  environment, migrations, admin user and token;
- ``database.py``: the template database from ``schema/netbox-<version>.pgdump``, and making that dump
  (``python -m netops.devnetbox make-dump``, run by scripts/netbox-make-dump);
- ``service.py``: up, down, status, reset (``netops netbox up|down|status|reset``, netops/netbox/cli.py).

Nothing here is imported on import of the package: the NetBox client imports ``settings`` alone.
"""
