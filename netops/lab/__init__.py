"""The lab: the city WAN emulated with real FRR routers in Linux network namespaces.

`topology` turns the validated model into a lab plan (pure, no root needed); `netns`, `frr`, `sshd` and
`listener` are the actions on the machine; `state` records what the lab made so `down` can undo exactly
that; `lab` orchestrates up, down, status and faults; `probe` checks reachability from inside the
namespaces; `cli` is `netops lab`. See docs/lab.md.
"""
