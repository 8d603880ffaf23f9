"""The city-wide derived design, computed once per run and handed to every sink.

`build_design(network, settings)` is the one place a design is made: OSPF areas, route reflectors, policy
ACLs, management and secrets (`netops.render.design.CityDesign`), from a validated Network and the render
settings actually in force. A command builds it once and gives the same value to render, verify, compliance
and the lab; no sink builds its own.

The settings in force (`settings_in_force`): the file a command is given (`--settings`, as provisioning was);
else what the lab recorded when it rendered its routers' configs; else the defaults (the production design).
The lab renders with `LAB_SETTINGS` unless told otherwise, the settings of playbooks/files/lab-render-settings.yml
(the default of the provisioning, verification and compliance playbooks).
"""

import re
from pathlib import Path

from citynet_models.network import Network
from citynet_models.problems import Location, Problem
from netops.located import SourceMap, locate
from netops.render.design import CityDesign
from netops.render.settings import RenderSettings, load_settings

#: The design of a city: what every sink reads.
Design = CityDesign

#: The lab's render settings: fast OSPF timers (playbooks/files/lab-render-settings.yml says the same).
LAB_SETTINGS = RenderSettings(ospf_timers="fast")
#: A large lab's: standard hellos, SPF and LSAs throttled (playbooks/files/lab-render-settings-large.yml).
#: One-second hellos and unthrottled SPF on hundreds of adjacencies need more CPU than two cores have: at 396 routers
#: hellos came late, adjacencies dropped on their 4 s dead interval and every drop meant SPF runs everywhere (load
#: 40, no convergence after 25 minutes); a 40 s dead interval rides out a busy start. With standard hellos, SPF
#: (and the inter-area routes behind it) was still most of the CPU at 350 routers: every router that comes up
#: changes summaries in every area, and each router recomputed at most every 5 s; held up to 30 s, a burst of
#: changes costs one computation.
LARGE_LAB_SETTINGS = RenderSettings(ospf_timers="throttled")
#: The most FRR routers a lab runs with fast timers (166 converge in 96 s with them).
FAST_TIMERS_MAX_ROUTERS = 200


def lab_settings(routers: int) -> RenderSettings:
    """The render settings of a lab of this many FRR routers: timers that follow its size."""
    return LAB_SETTINGS if routers <= FAST_TIMERS_MAX_ROUTERS else LARGE_LAB_SETTINGS


def build_design(network: Network, settings: RenderSettings) -> Design:
    """The design of the network under these render settings (computed once per run, then shared)."""
    return CityDesign(network, settings)


def design_problems(design: Design, sources: SourceMap, settings_file: Path | None = None) -> list[Problem]:
    """What the design cannot do with its city under its settings (`CityDesign.problems`), located: at the
    setting's line of the settings file when one was given, else at the object of the intent (or NetBox)."""
    problems = []
    for problem in design.problems():
        if settings_file is not None:
            problem = Problem(**{**problem.__dict__, "path": ("settings", "bgp_listen_limit"),
                                 "location": Location(str(settings_file), _setting_line(settings_file))})
        problems.append(locate(problem, sources))
    return problems


def _setting_line(path: Path) -> int:
    """The line of `bgp_listen_limit:` in a settings file (1 when it is not there: the default is in force)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    return next((n for n, line in enumerate(lines, 1) if re.match(r"bgp_listen_limit\s*:", line)), 1)


def settings_in_force(path: Path | None, recorded: RenderSettings | None = None) -> RenderSettings:
    """The settings of the file given (InputError naming it when bad), else `recorded`, else the defaults."""
    if path is not None:
        return load_settings(path)
    return recorded if recorded is not None else RenderSettings()


__all__ = ["FAST_TIMERS_MAX_ROUTERS", "LAB_SETTINGS", "LARGE_LAB_SETTINGS", "Design", "RenderSettings", "build_design",
           "design_problems", "lab_settings", "settings_in_force"]
