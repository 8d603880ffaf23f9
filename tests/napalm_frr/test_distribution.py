"""napalm-frr as a distribution of its own (./napalm-frr): it imports only what it declares, its wheel builds
alone, and installed into a fresh venv with nothing but its declared dependencies NAPALM finds it by name and
its getters give the recorded results (standalone_check.py, run by that venv's python).

The fresh venv fetches napalm and its dependencies from the package index (pip's cache makes it quick).
"""

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DISTRIBUTION = REPO / "napalm-frr"
PACKAGE = DISTRIBUTION / "napalm_frr"


def _requirement_names(requirements: list[str]) -> dict[str, str]:
    """Distribution name (normalised) -> its whole requirement string."""
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-"): r for r in requirements}


def _declared() -> dict[str, str]:
    project = tomllib.loads((DISTRIBUTION / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return _requirement_names(project["dependencies"])


def _imported_modules() -> dict[str, set[str]]:
    """Top-level module -> the driver's files that import it (absolute imports; the driver has no relative ones)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(path.name)
    return found


def test_the_driver_imports_only_what_it_declares() -> None:
    """Every import is the standard library, napalm_frr itself or a declared dependency: never netops."""
    declared = set(_declared())
    imported = _imported_modules()
    assert "napalm" in imported and "paramiko" in imported  # the check reads the imports
    foreign = {module: files for module, files in imported.items()
               if module not in sys.stdlib_module_names and module != "napalm_frr" and module not in declared}
    assert not foreign, f"napalm_frr imports what napalm-frr does not declare: {foreign}"
    assert not {"netops", "citynet_models"} & set(imported)


def test_city_netops_depends_on_it_with_the_same_napalm() -> None:
    """city-netops requires napalm-frr and the same napalm range, so one venv satisfies both."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = _requirement_names(project["project"]["dependencies"])
    version = tomllib.loads((DISTRIBUTION / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert Requirement(requirements["napalm-frr"].split("#")[0]).specifier.contains(version)
    assert requirements["napalm"].split("#")[0].strip() == _declared()["napalm"]
    assert not any(p.startswith("napalm_frr") for p in project["tool"]["setuptools"]["packages"]["find"]["include"])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The napalm-frr wheel, built alone from a copy of ./napalm-frr (a build writes build/ into its source)."""
    work = tmp_path_factory.mktemp("napalm-frr-build")
    source = work / "napalm-frr"
    shutil.copytree(DISTRIBUTION, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir",
                             str(work / "wheels"), str(source)], capture_output=True, text=True, check=False,
                            env=_clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = (work / "wheels").glob("napalm_frr-*.whl")
    return built


def _clean_env() -> dict[str, str]:
    """This environment without what would let a child python import the checkout (PYTHONPATH, a venv)."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def test_the_wheel_holds_the_driver_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {"napalm_frr/__init__.py", "napalm_frr/driver.py", "napalm_frr/py.typed",
            "napalm_frr/templates/set_hostname.j2"} <= set(names)
    assert all(n.startswith(("napalm_frr/", "napalm_frr-")) for n in names), names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    requires = [line.removeprefix("Requires-Dist: ") for line in metadata.splitlines()
                if line.startswith("Requires-Dist: ")]
    assert set(_requirement_names(requires)) == set(_declared())


def test_installed_alone_napalm_loads_it_and_its_getters_run(wheel: Path, tmp_path: Path) -> None:
    """A fresh venv, the wheel and its declared dependencies only: city-netops is not there, NAPALM loads the
    installed driver by name, and every recorded getter case gives its recorded result."""
    base_python = getattr(sys, "_base_executable", sys.executable)
    venv = tmp_path / "venv"
    subprocess.run([base_python, "-m", "venv", str(venv)], check=True, env=_clean_env())
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              str(wheel)], capture_output=True, text=True, check=False, env=_clean_env())
    assert install.returncode == 0, install.stdout + install.stderr
    # -I: no PYTHONPATH, no user site, not the script's folder: only what the venv holds is importable.
    result = subprocess.run([str(python), "-I", str(HERE / "standalone_check.py"), str(HERE / "mocked_data")],
                            cwd=tmp_path, capture_output=True, text=True, check=False, env=_clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("driver napalm_frr.driver.FRRDriver from ")
    assert lines[0].endswith(f"{venv}/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages/"
                             "napalm_frr/driver.py"), lines[0]
    recorded = [p for p in (HERE / "mocked_data").rglob("args.json") if "test_config" not in p.parts]
    assert lines[-1] == f"{len(recorded)} cases replayed" and len(recorded) >= 20
