"""Pushing configurations to devices and reading their state through NAPALM (the Ansible modules' logic)."""
