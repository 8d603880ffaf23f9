"""The collection built into dist/ and installed away from the checkout (no lab): what the tarball holds, that a
second build gives the same artifacts, that the installed copy and the venv's packages are the ones that run, and
that the installed provision playbook renders the project's city with the venv's netops."""

import json
import tarfile
from pathlib import Path

from tests.collection.installed import COLLECTION, REPO, TARBALL, Installation, build_dist, installed_collection_path


def test_build_dist_writes_the_collection_and_the_wheels_and_a_rerun_the_same() -> None:
    first = build_dist()
    assert "dist/citynet-netops-1.0.0.tar.gz" in first
    assert any(name.startswith("dist/city_netops-") and name.endswith(".whl") for name in first), first
    assert (any(name.startswith("dist/napalm_frr-") for name in first)
            == (REPO / "napalm-frr" / "pyproject.toml").is_file()), first
    assert build_dist() == first
    assert not list((REPO / "dist").glob(".build.*"))
    with tarfile.open(TARBALL) as tarball:
        names = set(tarball.getnames())
        manifest = json.loads(tarball.extractfile("MANIFEST.json").read())  # type: ignore[union-attr]
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("citynet", "netops", "1.0.0")
    # Every file of the source tree but what galaxy.yml's build_ignore leaves out (galaxy.yml becomes MANIFEST.json).
    ignored = ("molecule", "__pycache__", ".plugin-cache.yaml", "output")
    shipped = {str(path.relative_to(COLLECTION)) for path in COLLECTION.rglob("*")
               if path.is_file() and not set(ignored) & set(path.relative_to(COLLECTION).parts)}
    assert shipped - names == {"galaxy.yml"}
    assert {"plugins/modules/netops_config.py", "plugins/module_utils/netops_task.py",
            "plugins/inventory/netops.py", "roles/network_config/tasks/main.yml", "playbooks/provision.yml",
            "requirements.txt", "bindep.txt", "meta/execution-environment.yml", "meta/runtime.yml"} <= names
    assert not [name for name in names if "/molecule/" in name or name.startswith("tests/output")]


def test_the_installed_copy_runs_not_the_checkout(installation: Installation) -> None:
    imported = installation.run("python", "-c", "import netops, napalm_frr, citynet_models; "
                                "print(netops.__file__, napalm_frr.__file__, citynet_models.__file__)")
    assert imported.returncode == 0, imported.stderr
    for path in imported.stdout.split():
        assert Path(path).is_relative_to(installation.venv), path
    assert installed_collection_path(installation) == installation.collections / "ansible_collections"
    documented = installation.run("ansible-doc", "citynet.netops.netops_config")
    assert documented.returncode == 0, documented.stderr
    assert str(installation.collections) in documented.stdout and str(REPO) not in documented.stdout


def test_the_installed_inventory_plugin_reads_the_projects_city(installation: Installation) -> None:
    listed = installation.run("ansible-inventory", "--list")
    assert listed.returncode == 0, listed.stderr
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]
    assert "dc-core-01" in hostvars
    config = hostvars["dc-core-01"]["netops_config"]  # ansible-inventory marks strings from a plugin unsafe
    assert config.get("__ansible_unsafe", config) == str(installation.project / "out/configs/frr/dc-core-01.cfg")
    assert str(REPO) not in listed.stdout


def test_the_installed_provision_playbook_renders_with_the_venvs_netops(installation: Installation) -> None:
    """With no host in its device plays (provision_hosts=!all), provision only renders: the netops CLI of the venv, in
    the project folder."""
    done = installation.run("ansible-playbook", "citynet.netops.provision", "--limit", "dc-core-01,localhost",
                            "-e", "provision_hosts=!all", "-v")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{installation.bin}/netops" in done.stdout
    assert (installation.project / "out" / "configs" / "frr" / "dc-core-01.cfg").is_file()
    assert str(REPO) not in done.stdout + done.stderr
