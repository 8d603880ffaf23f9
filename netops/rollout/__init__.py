"""Rolling a site out through its lifecycle: scope, steps, evidence."""
