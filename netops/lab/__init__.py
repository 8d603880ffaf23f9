"""The lab: the city WAN emulated with real FRR routers in Linux network namespaces.

`topology` turns the validated model into a lab plan (pure, no root needed); `state` records what the lab
made (and the plan) under its home, so `down` can undo exactly that. One module per command or concern:
`preflight` (root, programs, names no one else holds), `up` (its phases), `down`, `status`, `faults` (links
and routers down and up again), `convergence` (OSPF and BGP against the saved configs). Under them: `configs`
(rendered configs, lab secrets, saved configs read back), `scripts` (each namespace's bootstrap script),
`services` (FRR, sshd and listener processes by pid), and the actions on the machine: `netns`, `frr`, `sshd`,
`listener`. `lab.Lab` is one home with those commands on it; `probe` checks reachability from inside the
namespaces (`reach` says what to expect); `cli` is `netops lab`. See docs/lab.md.
"""
