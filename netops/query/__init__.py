"""Planner queries: `netops query sites|devices|circuits|totals` with filters, in table, CSV or JSON."""
