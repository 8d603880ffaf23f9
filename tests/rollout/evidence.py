"""Evidence a rollout would record for a site of tests/intent/cases/base-2025, by state."""

import json

from citynet_models.rollout import NETBOX_RECORD, diff_file, verify_json, verify_markdown
from citynet_models.types import LifecycleStatus

SITE = "ubnd-phuong-ba-dinh"
#: The site's router and the two aggregation routers its uplinks attach to.
ROUTERS = ("ba-dinh-agg-01", "ba-dinh-agg-02", "ubnd-phuong-ba-dinh-r01")


def report(*, ok: bool = True, site: str = SITE) -> bytes:
    """A verification report as `netops verify --json` writes it."""
    return json.dumps({"ok": ok, "seconds": {}, "lost_reachability": [], "lost_redundancy": [],
                       "sites": [{"site": site, "name": "UBND phường Ba Đình", "ok": ok, "failures": [],
                                  "checks": 12}]}).encode()


def evidence_for(state: LifecycleStatus) -> dict[str, bytes]:
    """What each state of the rollout records."""
    if state is LifecycleStatus.STAGED:
        return {NETBOX_RECORD: b'{"created": 14, "updated": 2}\n'}
    if state is LifecycleStatus.PROVISIONED:
        return {diff_file(router): f"+ interface to {SITE}\n".encode() for router in ROUTERS}
    if state is LifecycleStatus.VERIFIED:
        return {verify_json(state): report(), verify_markdown(state): b"# Verification\n\n**PASS**\n"}
    return {}
