"""Run by test_distribution.py with the python of a fresh venv holding only the napalm-frr wheel and its declared
dependencies: NAPALM finds the installed driver by name and every recorded getter case gives its recorded result.

Standard library, napalm and napalm_frr only (no pytest, nothing of city-netops). Argument: the mocked_data folder.
Prints one line per case and a closing "N cases replayed"; exits 1 on the first difference.
"""

import importlib.util
import json
import sys
from importlib import metadata, resources
from pathlib import Path

import napalm

from napalm_frr.transport import ReplayTransport


def main(mocked: Path) -> int:
    for module in ("netops", "citynet_models"):
        if importlib.util.find_spec(module) is not None:
            print(f"{module} is importable: the venv is not standalone")
            return 1
    installed = sorted(d.metadata["Name"] for d in metadata.distributions())
    if "city-netops" in installed:
        print("city-netops is installed: the venv is not standalone")
        return 1
    driver_class = napalm.get_network_driver("frr")
    module = sys.modules[driver_class.__module__]
    print(f"driver {module.__name__}.{driver_class.__name__} from {module.__file__}")
    package = resources.files("napalm_frr")
    for shipped in ("py.typed", "templates/set_hostname.j2"):
        if not package.joinpath(shipped).is_file():
            print(f"napalm_frr/{shipped} is not in the installed package")
            return 1
    cases = sorted(p for p in mocked.glob("*/test_*/args.json")) + sorted(mocked.glob("test_*/*/args.json"))
    replayed = 0
    for args_file in cases:
        case = args_file.parent
        if case.parent.name == "test_config":  # configuration replays, not getters
            continue
        method = (case.name if case.name.startswith("test_") else case.parent.name).removeprefix("test_")
        device = driver_class("replayed", "netops", "", optional_args={"transport": ReplayTransport(case)})
        device.open()
        result = json.loads(json.dumps(getattr(device, method)(**json.loads(args_file.read_text()))))
        expected = json.loads((case / "expected_result.json").read_text())
        if result != expected:
            print(f"{case.relative_to(mocked)}: {method} gave {result!r}, recorded {expected!r}")
            return 1
        print(f"{case.relative_to(mocked)}: {method} ok")
        replayed += 1
    print(f"{replayed} cases replayed")
    return 0 if replayed else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
