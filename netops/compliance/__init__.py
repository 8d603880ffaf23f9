"""Config compliance: intended (rendered) vs actual (backups or the running device), the security baseline,
masks for secrets and volatile lines, waivers, and reports (docs/compliance.md)."""
