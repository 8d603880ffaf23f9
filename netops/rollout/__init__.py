"""A site's rollout: its lifecycle and evidence ledger, validate's gate, the NetBox journal, and the workflow
that drives a site through it (scope, staging, steps).
"""
