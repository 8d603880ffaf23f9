"""The routers' FRR configs and host files: rendered for `up --configured` with the lab's secrets, and read back
from where the routers saved them (what convergence expects)."""

import contextlib
import json
import secrets as random_secrets
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from citynet_models.types import Platform
from netops.design import Design, RenderSettings, lab_settings
from netops.lab.errors import LabError
from netops.lab.hostd import HOST_FILE_BY_PART
from netops.lab.state import LabHome
from netops.lab.topology import LabPlan
from netops.render.engine import Job, render_devices
from netops.render.secrets import SECRETS, from_environment, substitute


def lab_secrets(home: LabHome) -> dict[str, str]:
    """Values of the render secrets: NETOPS_SECRET_* from the environment, else lab values kept in
    <home>/secrets.env (made once, mode 600), so provisioning can push the same configs."""
    values = from_environment()
    stored: dict[str, str] = {}
    if home.secrets_file.exists():
        for line in home.secrets_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.startswith("NETOPS_SECRET_"):
                stored[key.removeprefix("NETOPS_SECRET_").lower()] = value
    for name in SECRETS:
        if name not in stored:
            stored[name] = random_secrets.token_hex(8)  # 16 characters: the MD5 key limit of FRR and IOS-XE
    text = "".join(f"NETOPS_SECRET_{name.upper()}={value}\n" for name, value in sorted(stored.items()))
    home.path.mkdir(parents=True, exist_ok=True)
    if not home.secrets_file.exists() or home.secrets_file.read_text() != text:
        home.secrets_file.write_text(text)
    home.secrets_file.chmod(0o600)
    return {**stored, **values}


def recorded_settings(home: LabHome) -> RenderSettings:
    """The render settings of the lab's routers' configs: as `up --configured` recorded them, else the lab's
    own for its size (`lab_settings`: playbooks/files/lab-render-settings.yml, or -large.yml above 200 routers,
    with which provisioning renders)."""
    state = home.load()
    if state is not None and state.settings is not None:
        return RenderSettings.model_validate_json(json.dumps(state.settings))
    plan = home.plan()
    return lab_settings(len(plan.frr_routers()) if plan is not None else 0)


@dataclass(frozen=True)
class RenderedRouter:
    """What `--configured` loads into a router."""

    frr_conf: str
    nftables: str
    #: The rendered host files by part suffix (netops.lab.hostd.HOST_FILES), those the render made.
    host: dict[str, str]


def render_configs(design: Design, plan: LabPlan, secret_values: dict[str, str]) -> dict[str, RenderedRouter]:
    """The rendered frr.conf, nftables and host files of every lab router (as FRR) from the run's design, secrets
    filled in; LabError on a gap."""
    names = [r.device for r in plan.frr_routers()]
    job = Job(design=design, template_dirs=(), as_platform=Platform.FRR)
    outcome = render_devices(job, names, workers=1 if len(names) < 80 else None)
    if outcome.gaps or outcome.failures:
        first = (outcome.gaps or outcome.failures)[0]
        raise LabError(f"the configs cannot be rendered for the lab: {first}",
                       hint="`netops render --as-platform frr` shows every problem")
    return {r.device: RenderedRouter(substitute(r.files["cfg"], secret_values),
                                     substitute(r.files.get("nft", ""), secret_values),
                                     {part: substitute(r.files[part], secret_values)
                                      for part in HOST_FILE_BY_PART if part in r.files})
            for r in outcome.rendered}


@dataclass(frozen=True)
class SavedConfig:
    """What a router's frr.conf asks of OSPF and BGP."""

    ospf_interfaces: frozenset[str]  # interfaces in an OSPF area, not passive
    bgp_neighbors: frozenset[str]  # neighbor addresses of `router bgp`
    bgp_listen_ranges: frozenset[IPv4Network] = frozenset()  # `bgp listen range`: dynamic neighbours accepted

    def accepts(self, address: str) -> bool:
        """Whether this router has a BGP session for `address` when that router connects: a neighbour it
        names, or one of a listen range (a dynamic neighbour)."""
        return address in self.bgp_neighbors or any(IPv4Address(address) in net for net in self.bgp_listen_ranges)


def saved_config(path: Path) -> SavedConfig:
    """Parse the parts of a saved FRR config the convergence check needs (empty when unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return SavedConfig(frozenset(), frozenset())
    ospf: set[str] = set()
    passive: set[str] = set()
    neighbors: set[str] = set()
    ranges: set[IPv4Network] = set()
    interface: str | None = None
    in_bgp = False
    for line in text.splitlines():
        words = line.split()
        if not words or words[0] == "!":
            continue
        if not line.startswith(" "):
            interface = words[1] if words[0] == "interface" and len(words) > 1 else None
            in_bgp = words[:2] == ["router", "bgp"]
            continue
        if interface is not None and words[:3] == ["ip", "ospf", "area"]:
            ospf.add(interface)
        elif interface is not None and words[:3] == ["ip", "ospf", "passive"]:
            passive.add(interface)
        elif in_bgp and words[0] == "neighbor" and len(words) > 1 and words[1][:1].isdigit():
            neighbors.add(words[1])
        elif in_bgp and words[:3] == ["bgp", "listen", "range"] and len(words) > 3:
            with contextlib.suppress(ValueError):
                ranges.add(IPv4Network(words[3], strict=False))
    return SavedConfig(frozenset(ospf - passive), frozenset(neighbors), frozenset(ranges))
