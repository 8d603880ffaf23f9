"""A stand-in for the get-pip.py that ansible-test downloads from ci-files.testing.ansible.com to bootstrap the
virtual environments of its sanity tests (ansible_test/_util/target/setup/requirements.py, `bootstrap`).

That host is not reachable from every network (ansible/ansible#77304); ansible-test then says to save the script
at ~/.ansible/test/cache/get_pip_<version>.py itself. This script does the same work offline-first: pip from
the interpreter's own ensurepip, then the requested packages (pip==<version>, setuptools, wheel) from the
package index pip is configured for. It takes get-pip's arguments.
"""

import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    """Install pip into this interpreter, then what get-pip would install."""
    arguments = sys.argv[1:]
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], check=True,
                   stdout=subprocess.DEVNULL)
    packages = [argument for argument in arguments if argument not in GET_PIP_ONLY]
    if "--no-setuptools" not in arguments:
        packages.append("setuptools")
    if "--no-wheel" not in arguments:
        packages.append("wheel")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *packages], check=True)


if __name__ == "__main__":
    main()
