"""The collection as a user installs it, away from the checkout: scripts/build-dist's wheelhouse and tarball, a
fresh virtualenv with the collection's requirements.txt from that wheelhouse, the tarball installed by
ansible-galaxy into a collections folder of its own, and a project folder (its ansible.cfg, inventory/netops.yml
on a copy of the sample city) that is not the checkout. Commands run with that venv's bin first on PATH, no
PYTHONPATH and no ANSIBLE_* variable of the caller."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COLLECTION = REPO / "collections" / "ansible_collections" / "citynet" / "netops"
DIST = REPO / "dist"
TARBALL = DIST / "citynet-netops-1.0.0.tar.gz"


def build_dist() -> list[str]:
    """Run scripts/build-dist; the artifacts it names, as dist/<file>."""
    done = subprocess.run([str(REPO / "scripts" / "build-dist")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.split()


def _python() -> str:
    done = subprocess.run([str(REPO / "scripts" / "find-python")], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@dataclass(frozen=True)
class Installation:
    """A venv with the collection's requirements, the collection installed from its tarball, a project folder."""

    venv: Path
    collections: Path
    project: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def config(self) -> Path:
        return self.project.parent / "ansible.cfg"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a command of this installation (no PYTHONPATH, no ANSIBLE_* of the caller)."""
        base = {key: value for key, value in os.environ.items()
                if key in ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME")}
        return {**base, "PATH": f"{self.bin}:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
                "ANSIBLE_CONFIG": str(self.config), "ANSIBLE_FORCE_COLOR": "0", "NO_COLOR": "1", **extra}

    def run(self, *command: str, timeout: float = 900, **extra: str) -> subprocess.CompletedProcess[str]:
        """A command of the venv's bin, in the project folder."""
        return subprocess.run([str(self.bin / command[0]), *command[1:]], cwd=self.project, env=self.env(**extra),
                              capture_output=True, text=True, check=False, timeout=timeout)


def install(where: Path) -> Installation:
    """Build dist/, make the venv and install the collection under `where`, write the project folder."""
    build_dist()
    venv = where / "venv"
    subprocess.run([_python(), "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--find-links", str(DIST),
                          "-r", str(COLLECTION / "requirements.txt")], capture_output=True, text=True, check=False,
                         env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"})
    assert pip.returncode == 0, pip.stdout + pip.stderr
    installation = Installation(venv, where / "collections", where / "project")
    installation.project.mkdir()
    installation.config.write_text(
        "[defaults]\n"
        f"collections_path = {installation.collections}\n"
        f"inventory = {installation.project / 'inventory' / 'netops.yml'}\n"
        "interpreter_python = auto_silent\n"
        "host_key_checking = True\n"
        "retry_files_enabled = False\n"
        "forks = 32\n"
        "[inventory]\n"
        "enable_plugins = citynet.netops.netops\n"
        "unparsed_is_failed = True\n")
    galaxy = installation.run("ansible-galaxy", "collection", "install", "--offline", str(TARBALL),
                              "-p", str(installation.collections))
    assert galaxy.returncode == 0, galaxy.stdout + galaxy.stderr
    inventory = installation.project / "inventory"
    shutil.copytree(REPO / "inventory" / "city", inventory / "city")
    (inventory / "netops.yml").write_text("plugin: citynet.netops.netops\nsource: intent\nintent: inventory/city\n"
                                          "configs: out/configs\n")
    return installation


def installed_collection_path(installation: Installation) -> Path:
    """Where ansible-galaxy says citynet.netops is installed."""
    listed = installation.run("ansible-galaxy", "collection", "list", "citynet.netops", "--format", "json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    places = json.loads(listed.stdout)
    assert len(places) == 1 and "citynet.netops" in next(iter(places.values())), places
    return Path(next(iter(places)))
