"""A real headless Chromium (Debian's /usr/bin/chromium) run on a local file, stopped by the test itself."""

import contextlib
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_S = 120
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Belt and braces for "the page references only local files": no name resolves except localhost.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
    "--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--disable-dev-shm-usage",
)


@dataclass(frozen=True)
class Run:
    stdout: str
    log: str

    def console_errors(self) -> list[str]:
        """Console messages of level error, failed loads and uncaught exceptions in Chromium's log."""
        return [line for line in self.log.splitlines()
                if ("CONSOLE" in line and (":ERROR:" in line or "Uncaught" in line))
                or "Failed to load resource" in line or "ERR_NAME_NOT_RESOLVED" in line
                or "net::ERR_" in line]


def chromium(url: str, *args: str) -> Run:
    """Run Chromium headless on url with a fresh profile; its whole process group is killed afterwards."""
    assert CHROMIUM.is_file(), "chromium is missing: run scripts/install-system-packages"
    with tempfile.TemporaryDirectory(prefix="netops-chromium-") as profile:
        process = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args, url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=TIMEOUT_S)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # renderers and helpers share the group
            process.wait()
    assert process.returncode == 0, stderr[-2000:]
    return Run(stdout=stdout, log=stderr)
