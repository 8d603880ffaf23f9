"""Ansible integration: the project's inventory plugin (thin) and the logic behind it (importable)."""
