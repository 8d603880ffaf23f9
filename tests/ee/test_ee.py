"""execution-environment.yml through scripts/build-ee and ansible-builder itself (no container engine: `create`).

The build context made from the repository's definition holds the collection tarball, the project's wheels and
the requirements ansible-builder writes, and its Containerfile installs ansible-core (the version the tests
run), the collection and the wheels; a broken definition, or a dist/ that was not built, is a clear error at
file:line with exit 2 and no context written. With scripts/build-dist, the real dist/ fits the definition.
"""

import re
import shutil
import subprocess
import tarfile
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BUILD_EE = REPO / "scripts" / "build-ee"
BUILD_DIST = REPO / "scripts" / "build-dist"
DEFINITION = REPO / "execution-environment.yml"
GALAXY = REPO / "collections" / "ansible_collections" / "citynet" / "netops" / "galaxy.yml"
WHEELS = ("city_netops-0.1.0-py3-none-any.whl", "napalm_frr-1.0.0-py3-none-any.whl")


def _tarball() -> str:
    galaxy = yaml.safe_load(GALAXY.read_text())
    return f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"


def _copy_definition(folder: Path, text: str | None = None) -> Path:
    """The definition beside a dist/ of stand-in files (the context's layout is checked, not their content)."""
    definition = folder / "execution-environment.yml"
    definition.write_text(DEFINITION.read_text() if text is None else text)
    dist = folder / "dist"
    dist.mkdir()
    for name in (_tarball(), *WHEELS):
        (dist / name).write_bytes(b"stand-in")
    return definition


def _build_ee(definition: Path, context: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BUILD_EE), "create", "--file", str(definition), "--context", str(context),
                           "--output-filename", "Containerfile", *extra],
                          capture_output=True, text=True, check=False, timeout=600)


def test_the_context_installs_ansible_core_the_collection_and_the_wheels(tmp_path: Path) -> None:
    definition = _copy_definition(tmp_path)
    context = tmp_path / "context"
    done = _build_ee(definition, context)
    assert done.returncode == 0, done.stdout + done.stderr
    containerfile = (context / "Containerfile").read_text()
    build = context / "_build"
    # The collection: the tarball in the context, installed by ansible-galaxy from /build/dist.
    assert (build / "dist" / _tarball()).is_file()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert galaxy == {"collections": [{"name": f"/build/dist/{_tarball()}", "type": "file"}]}
    assert "COPY _build /build" in containerfile
    assert re.search(r"^RUN .*ansible-galaxy collection install .*-r requirements.yml", containerfile, re.M)
    # ansible-core pinned to what the tests run, and ansible-runner (AWX runs jobs through it).
    core = version("ansible-core")
    assert re.search(rf'^ARG ANSIBLE_INSTALL_REFS="ansible-core=={re.escape(core)} ansible-runner==[0-9.]+"$',
                     containerfile, re.M), f"the definition must pin ansible-core=={core}, the tested version"
    assert "$PYCMD -m pip install --no-cache-dir $ANSIBLE_INSTALL_REFS" in containerfile
    # The collection's Python and system requirements are read from it, less the project's own distributions,
    # which are installed from the wheels by file.
    for wheel in WHEELS:
        assert (build / "dist" / wheel).is_file()
    excluded = (build / "exclude-requirements.txt").read_text().split()
    assert sorted(excluded) == ["city-netops", "napalm-frr"]
    assert re.search(r"^RUN .*introspect\.py introspect --exclude-pip-reqs=exclude-requirements\.txt", containerfile,
                     re.M)
    final = containerfile.split("FROM base AS final", 1)[1]
    assert "COPY _build/dist/ /tmp/netops-dist/" in final
    assert re.search(r"^RUN \$PYCMD -m pip install --no-cache-dir --find-links /tmp/netops-dist "
                     r"/tmp/netops-dist/\*\.whl", final, re.M)
    assert "ansible-doc citynet.netops.netops_config" in final
    assert "registry.access.redhat.com/ubi9/python-312" in containerfile


def test_a_second_create_gives_the_same_context(tmp_path: Path) -> None:
    definition = _copy_definition(tmp_path)
    context = tmp_path / "context"
    assert _build_ee(definition, context).returncode == 0
    first = {p.relative_to(context): p.read_bytes() for p in context.rglob("*") if p.is_file()}
    assert _build_ee(definition, context).returncode == 0
    assert {p.relative_to(context): p.read_bytes() for p in context.rglob("*") if p.is_file()} == first


BROKEN = [
    # (what is changed, replaced by, text on the line the error names, expected text in the error): a mapping
    # is located where its value starts, a YAML syntax error where the parser stopped.
    ("images:\n", "imagez:\n", "base_image:", "imagez: not valid in ansible-builder's schema"),
    ("version: 3\n", "version: 2\n", "version: 2", "expected: version: 3"),
    ("    package_pip: ansible-core==", "    pip: ansible-core==", "pip: ansible-core", "'pip' was unexpected"),
    ("      - name: /build/dist/", "      - name: [/build/dist/", "type: file", "malformed YAML"),
]


@pytest.mark.parametrize(("old", "new", "line_text", "message"), BROKEN, ids=[b[1].strip() for b in BROKEN])
def test_a_broken_definition_is_a_clear_error_and_writes_nothing(tmp_path: Path, old: str, new: str,
                                                                 line_text: str, message: str) -> None:
    text = DEFINITION.read_text()
    assert old in text
    broken = text.replace(old, new, 1)
    definition = _copy_definition(tmp_path, broken)
    context = tmp_path / "context"
    done = _build_ee(definition, context)
    assert done.returncode == 2, done.stdout + done.stderr
    line = next(n for n, row in enumerate(broken.splitlines(), 1) if line_text in row)
    assert f"execution-environment.yml:{line}:" in done.stderr, done.stderr
    assert message in done.stderr and "hint:" in done.stderr
    assert "Traceback" not in done.stderr and "nothing was written" in done.stderr
    assert not context.exists()


def test_two_builds_of_a_wheel_are_a_clear_error(tmp_path: Path) -> None:
    definition = _copy_definition(tmp_path)
    (tmp_path / "dist" / "city_netops-0.0.9-py3-none-any.whl").write_bytes(b"an older build")
    done = _build_ee(definition, tmp_path / "context")
    assert done.returncode == 2
    assert "several builds of city_netops in " in done.stderr
    assert "found:    city_netops-0.0.9-py3-none-any.whl, city_netops-0.1.0-py3-none-any.whl" in done.stderr
    assert not (tmp_path / "context").exists()


def test_a_dist_not_built_is_a_clear_error(tmp_path: Path) -> None:
    definition = _copy_definition(tmp_path)
    (tmp_path / "dist" / _tarball()).unlink()
    (tmp_path / "dist" / "citynet-netops-0.9.0.tar.gz").write_bytes(b"an older build")
    done = _build_ee(definition, tmp_path / "context")
    assert done.returncode == 2
    assert "the collection tarball the image installs is not built" in done.stderr
    assert "found:    citynet-netops-0.9.0.tar.gz" in done.stderr and "scripts/build-dist" in done.stderr
    shutil.rmtree(tmp_path / "dist")
    done = _build_ee(definition, tmp_path / "context")
    assert done.returncode == 2
    assert "additional_build_files.0.src: a file the image is built from is missing" in done.stderr
    assert not (tmp_path / "context").exists()


@pytest.mark.skipif(not BUILD_DIST.exists(), reason="scripts/build-dist (the collection's branch) is not here")
def test_build_dist_makes_what_the_definition_copies(tmp_path: Path) -> None:
    """The real dist/: the tarball the definition installs (galaxy.yml's version, a collection holding the
    modules and roles) and the wheels of city-netops and napalm-frr, then a context made from it."""
    done = subprocess.run([str(BUILD_DIST)], cwd=REPO, capture_output=True, text=True, check=False, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    dist = REPO / "dist"
    assert (dist / _tarball()).is_file()
    with tarfile.open(dist / _tarball()) as tarball:
        names = set(tarball.getnames())
    assert {"plugins/modules/netops_config.py", "roles/network_config/tasks/main.yml", "requirements.txt",
            "bindep.txt", "MANIFEST.json"} <= names
    wheels = sorted(p.name for p in dist.glob("*.whl"))
    # napalm-frr is a distribution of its own where ./napalm-frr exists, else a package inside city-netops.
    expected = ["city_netops", "napalm_frr"] if (REPO / "napalm-frr" / "pyproject.toml").exists() else ["city_netops"]
    assert [w.split("-")[0] for w in wheels] == expected, wheels
    context = tmp_path / "context"
    made = _build_ee(DEFINITION, context)
    assert made.returncode == 0, made.stdout + made.stderr
    assert sorted(p.name for p in (context / "_build" / "dist").iterdir()) == sorted([_tarball(), *wheels])


def test_the_venv_is_constrained_to_the_ansible_core_the_image_pins() -> None:
    """A fresh venv takes ansible-core from constraints.txt, the version execution-environment.yml pins: the tests
    run what the image ships, whatever PyPI publishes later."""
    constraints = dict(line.split("==", 1) for line in (REPO / "constraints.txt").read_text().splitlines()
                       if line.strip() and not line.startswith("#"))
    definition = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    assert definition["dependencies"]["ansible_core"]["package_pip"] == f"ansible-core=={constraints['ansible-core']}"
    assert "-c constraints.txt" in (REPO / "Makefile").read_text()
