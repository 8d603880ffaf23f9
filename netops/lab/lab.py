"""`Lab`: one lab home and the commands on it, each done by the module of its concern.

`up` (netops.lab.up) makes what is missing, `down` (netops.lab.down) removes what the state file lists,
`status` (netops.lab.status) looks, the faults (netops.lab.faults) set links and routers down and up again,
`convergence` and `wait` (netops.lab.convergence) measure OSPF and BGP against the saved configs.
"""

from collections.abc import Iterable

from citynet_models.network import Network
from netops.design import Design, RenderSettings
from netops.lab import faults
from netops.lab.configs import recorded_settings
from netops.lab.convergence import Convergence, convergence, wait
from netops.lab.down import DownReport, tear_down
from netops.lab.state import LabHome
from netops.lab.status import LabStatus, status
from netops.lab.topology import LabPlan
from netops.lab.up import UpReport, bring_up
from netops.progress import ProgressSink as Progress
from netops.progress import quiet


class Lab:
    """A lab made from one home (see netops.lab.state)."""

    def __init__(self, home: LabHome | None = None) -> None:
        self.home = home or LabHome()

    def render_settings(self) -> RenderSettings:
        """The render settings of the routers' configs (netops.lab.configs.recorded_settings)."""
        return recorded_settings(self.home)

    def plan(self) -> LabPlan | None:
        """The plan of the lab that is up (as recorded)."""
        return self.home.plan()

    def up(self, network: Network, plan: LabPlan, configured: bool = False,
           design: Design | None = None, intent: str = "", progress: Progress = quiet,
           prune: bool = False) -> UpReport:
        """Make the lab, or what is missing of it; onto a lab of another plan, with `prune`, also take out what
        the new plan leaves out (netops.lab.up)."""
        return bring_up(self.home, network, plan, configured, design, intent, progress, prune)

    def down(self, progress: Progress = quiet) -> DownReport:
        """Stop and remove everything the state file lists; nothing else."""
        return tear_down(self.home, progress)

    def status(self) -> LabStatus:
        """Each router, its daemons and its management reachability; each host and its listener."""
        return status(self.home)

    def fail_link(self, a: str, b: str) -> list[str]:
        """Set both ends of every link between a and b down; the link ids."""
        return faults.fail_link(self.home, a, b)

    def restore_link(self, a: str, b: str) -> list[str]:
        """Set both ends of every link between a and b up again; the link ids."""
        return faults.restore_link(self.home, a, b)

    def fail_node(self, device: str) -> None:
        """Stop the router's FRR and set its WAN and LAN ports down (management stays up)."""
        faults.fail_node(self.home, device)

    def restore_node(self, device: str) -> None:
        """Set the router's ports up (but those of failed links) and start its FRR again."""
        faults.restore_node(self.home, device)

    def convergence(self, devices: Iterable[str] | None = None) -> Convergence:
        """OSPF adjacencies and BGP sessions against what the saved configs ask for, once."""
        return convergence(self.home, devices)

    def wait(self, timeout: float = 120, interval: float = 1.0, progress: Progress = quiet,
             devices: Iterable[str] | None = None) -> Convergence:
        """Poll `convergence` of `devices` (default: every router) until each adjacency of theirs is up or
        `timeout` seconds have passed."""
        return wait(self.home, timeout, interval, progress, devices)
