"""A real headless Chromium (Debian's /usr/bin/chromium) run on a local file, stopped by the test itself."""

import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from html import unescape as html_unescape
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


#: Run in the page by :func:`label_boxes`: every map label's box on the screen, and whether it shows, written
#: into the DOM for --dump-dom to carry out.
_MEASURE = """<script>
window.addEventListener("load", () => {
  const boxes = [...document.querySelectorAll("svg.map text")].map((text) => {
    const r = text.getBoundingClientRect();
    const style = getComputedStyle(text);
    return {text: text.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
            visible: style.display !== "none" && style.visibility !== "hidden" && r.width > 0 && r.height > 0};
  });
  const out = document.createElement("pre");
  out.id = "netops-label-boxes";
  out.textContent = JSON.stringify(boxes);
  document.body.appendChild(out);
});
</script>"""


@dataclass(frozen=True)
class LabelBox:
    text: str
    left: float
    top: float
    right: float
    bottom: float
    visible: bool

    def overlaps(self, other: "LabelBox") -> bool:
        return self.left < other.right and other.left < self.right and self.top < other.bottom \
            and other.top < self.bottom


def label_boxes(page: Path, width: int = 1400) -> list[LabelBox]:
    """The screen boxes of every text of the page's maps, measured by Chromium on a copy of the page with a
    measuring script added (the report itself has no script); the copy sits beside the page so its links hold."""
    probe = page.with_name(f".measure-{page.name}")
    html = page.read_text(encoding="utf-8")
    probe.write_text(html.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    try:
        run = chromium(probe.as_uri(), "--dump-dom", f"--window-size={width},1000", "--virtual-time-budget=5000")
    finally:
        probe.unlink()
    found = re.search(r'<pre id="netops-label-boxes">(.*?)</pre>', run.stdout, re.S)
    assert found is not None, "the measuring script did not run"
    return [LabelBox(**box) for box in json.loads(html_unescape(found.group(1)))]
