"""Which NAPALM drivers the push transaction (netops.push.napalm.push_config) can drive.

The push replaces a device's whole config and commits it with a revert timer that a second login confirms. A
driver that cannot do both is not pushed: its devices are rendered, backed up and checked for compliance, and the
inventory says so (`netops_push: false`, `netops_push_note`, the group `push_disabled`).
"""

#: NAPALM driver name -> why its devices are rendered but not pushed (docs/napalm.md, "Huawei VRP").
NOT_PUSHED: dict[str, str] = {
    "huawei_vrp": (
        "Huawei VRP is rendered but not pushed: napalm-huawei-vrp 1.2's load_replace_candidate does nothing (a "
        "replace would show an empty diff and commit nothing) and its commit_config takes no revert_in, so a "
        "commit cannot be confirmed or rolled back by the device's timer; push a VRP config by hand, netops "
        "backs it up and checks its compliance"
    ),
}
