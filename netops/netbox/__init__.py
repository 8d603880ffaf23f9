"""NetBox as the system of record: mappers, snapshot, plan/apply, drift and read-back (docs/netbox.md).

``netops netbox up|down|status|reset`` (cli.py) drives the embedded development server, netops/devnetbox/.
"""
