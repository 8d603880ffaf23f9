"""A new ward site under Đông Anh, added by hand to a copy of the sample city (shared by the rollout tests)."""

import shutil
from pathlib import Path

from tests.lab.helpers import CITY

#: The new site: a public-service point of Xã Vĩnh Thanh, single-homed on the Đông Anh hub's first router.
NEW_SITE = "diem-phuc-vu-xa-vinh-thanh"
NEW_ROUTER = f"{NEW_SITE}-r01"
HUB_ROUTER = "dong-anh-agg-01"
UNIT_FILE = Path("communes") / "00508-vinh-thanh.yml"
SITE_YAML = f"""\
  - name: Điểm phục vụ hành chính công xã Vĩnh Thanh
    slug: {NEW_SITE}
    kind: public_service_point
    status: planned
    devices:
      - role: access_router
        uplinks:
          - {{to: {HUB_ROUTER}, provider: vnpt, circuit_id: VNPT-HNI-MEN-005082, bandwidth_mbps: 50}}
    lans:
      - {{role: staff, hosts: 10}}
"""


def sample_copy(target: Path) -> Path:
    """A copy of the sample city at `target`."""
    shutil.copytree(CITY, target)
    return target


def add_new_site(intent: Path) -> Path:
    """Append the new site to its unit's file in `intent` (a copy of the sample); the intent folder."""
    path = intent / UNIT_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text + ("" if text.endswith("\n") else "\n") + SITE_YAML, encoding="utf-8")
    return intent
