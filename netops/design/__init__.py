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

from pathlib import Path

from citynet_models.network import Network
from netops.render.design import CityDesign
from netops.render.settings import RenderSettings, load_settings

#: The design of a city: what every sink reads.
Design = CityDesign

#: The lab's render settings: fast OSPF timers (playbooks/files/lab-render-settings.yml says the same).
LAB_SETTINGS = RenderSettings(ospf_timers="fast")


def build_design(network: Network, settings: RenderSettings) -> Design:
    """The design of the network under these render settings (computed once per run, then shared)."""
    return CityDesign(network, settings)


def settings_in_force(path: Path | None, recorded: RenderSettings | None = None) -> RenderSettings:
    """The settings of the file given (InputError naming it when bad), else `recorded`, else the defaults."""
    if path is not None:
        return load_settings(path)
    return recorded if recorded is not None else RenderSettings()


__all__ = ["LAB_SETTINGS", "Design", "RenderSettings", "build_design", "settings_in_force"]
