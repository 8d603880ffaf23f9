"""ansible-test on the collection's source tree: its unit tests (tests/unit: module_utils and the modules'
documentation against their argument specs), and the sanity tests that need no download. The others (ansible-doc,
import, pep8, pylint, validate-modules, yamllint, runtime-metadata, changelog) first bootstrap pip into a venv of
their own from ci-files.testing.ansible.com, which this machine cannot reach (docs/ansible.md)."""

import os
import subprocess

from tests.collection.installed import COLLECTION, REPO

ANSIBLE_TEST = REPO / ".venv" / "bin" / "ansible-test"
#: The sanity tests that run without installing anything.
OFFLINE_SANITY = ["action-plugin-docs", "compile", "empty-init", "ignores", "line-endings", "no-assert",
                  "no-get-exception", "no-illegal-filenames", "no-smart-quotes", "replace-urlopen", "shebang",
                  "symlinks", "use-argspec-type-path", "use-compat-six"]


def _ansible_test(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH" and not key.startswith("ANSIBLE_")}
    env["PATH"] = f"{REPO / '.venv' / 'bin'}:{env['PATH']}"
    return subprocess.run([str(ANSIBLE_TEST), *args, "--local", "--python", "3.12", "--color", "no"], cwd=COLLECTION,
                          env=env, capture_output=True, text=True, check=False)


def test_ansible_test_units_pass() -> None:
    done = _ansible_test("units")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout


def test_ansible_test_sanity_offline_tests_pass() -> None:
    done = _ansible_test("sanity", *[argument for test in OFFLINE_SANITY for argument in ("--test", test)])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert all(f'Running sanity test "{test}"' in done.stdout + done.stderr for test in OFFLINE_SANITY)
