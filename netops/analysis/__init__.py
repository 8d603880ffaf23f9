"""Planner analyses: pure functions of a validated Network returning typed, JSON-serializable results.

rollout (sites per lifecycle status per district), addresses (pool and prefix utilization, free blocks),
redundancy (single uplinks, single upstream routers), whatif (which sites lose which data-center services
when routers or links fail) and policy (the reachability policy checked offline against the design).
"""
