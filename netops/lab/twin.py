"""The twin: the whole real city of today, generated from official data into a folder the lab owns.

`netops lab up --whole-city` brings up what `netops generate-city --real --structure 2025` writes, without the
engineer writing an intent. The intent lives under the lab home (``<home>/twin/intent``) and is kept across runs
and across `lab down`: each run generates the city again in memory (about 3 s) and writes only the files that
differ, so the folder follows the generator of the netops that runs, and an unchanged generator leaves every
file as it was (their times too). Like every command that writes a folder, it writes only into a new or empty
folder or one it wrote itself (its manifest, netops.files): a folder someone else wrote or edited is refused,
with nothing written.

The lab records the folder as the intent it was made from (`lab status --json` shows it as ``intent``), which
`netops verify`, `netops lab check` and the provisioning inventory are then given as ``--intent``.
"""

from dataclasses import dataclass
from pathlib import Path

from citynet_models.units import Structure
from netops.files import FolderResult, plan_folder, write_folder
from netops.lab.state import LabHome

#: The command named in the folder's manifest: a folder written by another command is not the twin's to replace.
TWIN_COMMAND = "lab up --whole-city"
#: The generator's seed: the same seed writes the same city, so a second run finds nothing to change.
TWIN_SEED = 1
#: The option the folder's problems are reported at.
OPTION = "--whole-city"


def twin_intent_path(home: LabHome) -> Path:
    """Where the twin's intent is kept: ``<lab home>/twin/intent``."""
    return home.path / "twin" / "intent"


@dataclass(frozen=True)
class TwinIntent:
    """The twin's intent folder and what this run wrote into it."""

    path: Path
    files: int
    written: list[str]
    unchanged: list[str]
    removed: list[str]

    @property
    def generated(self) -> bool:
        """Whether this run wrote or removed any file (the folder was missing, or the generator changed)."""
        return bool(self.written or self.removed)


def twin_files() -> dict[str, str]:
    """The whole real city of today as `generate-city --real --structure 2025` writes it (relative path -> text).

    Raises netops.units.dataset.DatasetError when the official dataset is missing or of another layout, and
    InputError when the city it makes does not validate."""
    # Imported here: the generator and the reorganization it runs cost every other lab command their import.
    from netops.generate import HANOI, real_city_2025
    from netops.units.dataset import read_structure

    return real_city_2025(read_structure(HANOI, Structure.LEGACY), read_structure(HANOI, Structure.Y2025),
                          TWIN_SEED)


def ensure_twin_intent(folder: Path, files: dict[str, str] | None = None) -> TwinIntent:
    """Write the twin's intent into ``folder`` where it differs from ``files`` (default: `twin_files()`).

    Refuses (InputError, nothing written) a folder this command did not write, or files in it edited since;
    OSError when the folder cannot be written."""
    wanted = twin_files() if files is None else files
    plan = plan_folder(folder, wanted, command=TWIN_COMMAND, option=OPTION)
    result: FolderResult = write_folder(plan)
    return TwinIntent(path=folder, files=len(wanted), written=list(result.written),
                      unchanged=list(result.unchanged), removed=list(result.removed))
