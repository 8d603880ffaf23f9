"""ansible-test on the collection's source tree: its unit tests (tests/unit: module_utils and the modules'
documentation against their argument specs) and every sanity test (tests/sanity/ignore-2.21.txt says what is
waived and why).

ansible-test bootstraps pip into each sanity test's venv with a get-pip script from ci-files.testing.ansible.com,
which this machine cannot reach; its documented way round is the script saved in its cache, so the tests run
ansible-test with a home of the checkout's own (var/ansible-test-home, kept between runs like its venvs) whose
cache holds scripts/ansible-test-get-pip.py: pip from ensurepip, then the pinned pip from the package index.
"""

import os
import shutil
import subprocess
from types import SimpleNamespace

from tests.collection.installed import COLLECTION, REPO

ANSIBLE_TEST = REPO / ".venv" / "bin" / "ansible-test"
HOME = REPO / "var" / "ansible-test-home"
GET_PIP = REPO / "scripts" / "ansible-test-get-pip.py"


def _bootstrap_script_in_cache() -> None:
    """The get-pip stand-in under the name ansible-test looks for: the pip version it pins for Python 3.12."""
    from ansible_test._internal.python_requirements import get_venv_packages

    version = get_venv_packages(SimpleNamespace(version="3.12"))["pip"]
    target = HOME / ".ansible" / "test" / "cache" / f"get_pip_{version.replace('.', '_')}.py"
    if not target.exists() or target.read_bytes() != GET_PIP.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(GET_PIP, partial)
        partial.replace(target)


def _ansible_test(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH" and not key.startswith("ANSIBLE_")}
    env["PATH"] = f"{REPO / '.venv' / 'bin'}:{env['PATH']}"
    env["HOME"] = str(HOME)
    return subprocess.run([str(ANSIBLE_TEST), *args, "--local", "--python", "3.12", "--color", "no"], cwd=COLLECTION,
                          env=env, capture_output=True, text=True, check=False)


def test_ansible_test_units_pass() -> None:
    done = _ansible_test("units")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout


def test_ansible_test_sanity_passes() -> None:
    _bootstrap_script_in_cache()
    done = _ansible_test("sanity")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-4000:]
    for test in ("validate-modules", "pylint", "import", "ansible-doc", "yamllint", "runtime-metadata", "pep8"):
        assert f'Running sanity test "{test}"' in done.stdout + done.stderr
