"""The embedded NetBox server (``netops netbox up|down|status|reset``): see server.py and docs/netbox.md."""
