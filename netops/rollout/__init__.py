"""A site's rollout: its lifecycle, evidence ledger, validate's gate and the NetBox journal."""
