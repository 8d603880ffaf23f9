"""Every rendered FRR host file is accepted by the Debian 12 daemon that reads it.

snmpd (net-snmp 5.9) has no check mode: it is started in the foreground inside a network namespace of its
own (only `lo`, with the loopback address its traps are sent from, so they go nowhere) and must log no
complaint about a line before its `NET-SNMP version` start-up line; then it is stopped by pid. chronyd prints
the parsed config (`-p`), rsyslogd validates (`-N1`), sshd prints the effective settings (`-T`) of a main
config that includes the drop-in as Debian's does. Secrets are tokens in the goldens: each is replaced by a
value of the length the daemons demand (SNMPv3 keys: 8 characters at least). pam_radius_auth has no
checker: its lines are checked for the module's `server[:port] secret [timeout]` shape. keepalived checks
its config (`-t`) against the box's interfaces: it runs in a network namespace of its own holding a veth of
each name the file gives (the LAN subinterfaces and the tracked uplinks), as the router has.
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from netops.render.secrets import TOKEN
from tests.render.helpers import RENDER

GOLDENS = RENDER / "cases"
#: The decommissioned site's wiped router (tests/site/test_wiped.py) keeps its host files too.
WIPED = RENDER.parent / "site" / "wiped" / "frr"


def _goldens(part: str) -> list[Path]:
    return sorted([*GOLDENS.glob(f"*/expected/frr/*.{part}"), *WIPED.glob(f"*.{part}")])


def _name(path: Path) -> str:
    return f"{path.parts[-4] if path.parts[-3] == 'expected' else 'wiped'}/{path.name}"


def _filled(path: Path, tmp_path: Path) -> Path:
    filled = tmp_path / path.name
    filled.write_text(TOKEN.sub(lambda m: f"Test-{m.group(1)}-0123", path.read_text(encoding="utf-8")),
                      encoding="utf-8")
    return filled


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        pytest.fail(f"{name} is not installed: run scripts/install-system-packages")
    return found


@pytest.mark.parametrize("part", ["snmpd", "chrony", "rsyslog", "sshd", "banner", "radius", "keepalived"])
def test_there_are_goldens_of_every_host_file(part: str) -> None:
    assert _goldens(part), f"no rendered .{part} in {GOLDENS}/*/expected/frr"


@pytest.mark.parametrize("path", _goldens("chrony"), ids=_name)
def test_chronyd_parses_the_chrony_conf(path: Path, tmp_path: Path) -> None:
    done = subprocess.run([_tool("chronyd"), "-p", "-f", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert re.search(r"^server \S+ iburst$", done.stdout, re.MULTILINE), done.stdout


@pytest.mark.parametrize("path", _goldens("rsyslog"), ids=_name)
def test_rsyslogd_validates_the_drop_in(path: Path) -> None:
    done = subprocess.run([_tool("rsyslogd"), "-N1", "-f", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "error" not in done.stderr.lower(), done.stderr


@pytest.fixture(scope="module")
def host_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = tmp_path_factory.mktemp("sshd") / "host_ed25519"
    subprocess.run([_tool("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


def _sshd_test(drop_in: Path, host_key: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    main = tmp_path / "sshd_config"
    main.write_text(f"Include {drop_in}\nHostKey {host_key}\nPasswordAuthentication yes\nPermitRootLogin yes\n",
                    encoding="utf-8")
    # sshd -T insists on its privilege-separation folder (/run/sshd), which exists only while an sshd runs or
    # the lab holds it: give it one in a private /run, so the check neither depends on nor touches the machine's.
    sshd = shlex.join([_tool("sshd"), "-T", "-f", str(main), "-C", "user=netops,host=nms,addr=10.248.0.1"])
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           f"mount -t tmpfs -o mode=755 tmpfs /run && mkdir /run/sshd && exec {sshd}"],
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("path", _goldens("sshd"), ids=_name)
def test_sshd_takes_the_drop_in_before_debian_defaults(path: Path, host_key: Path, tmp_path: Path) -> None:
    done = _sshd_test(path, host_key, tmp_path)
    assert done.returncode == 0, done.stderr
    effective = done.stdout.splitlines()
    # the main config says yes after the Include: the drop-in's no must win, as on a Debian box
    assert {"permitrootlogin no", "passwordauthentication no", "kbdinteractiveauthentication no",
            "x11forwarding no", "banner /etc/issue.net"} <= set(effective), done.stdout
    assert any(line.startswith("allowusers *@") for line in effective), done.stdout


def test_sshd_rejects_a_bad_drop_in(host_key: Path, tmp_path: Path) -> None:
    bad = tmp_path / "60-netops.conf"
    bad.write_text("PermitRootLogin maybe\n", encoding="utf-8")
    assert _sshd_test(bad, host_key, tmp_path).returncode != 0


_SNMPD_READY = "NET-SNMP version"


def _snmpd(config: Path, tmp_path: Path) -> list[str]:
    """snmpd's log up to its start-up line, run in a namespace of its own and stopped by pid."""
    if os.geteuid() != 0:
        pytest.fail("snmpd runs in a network namespace of its own: the test needs root (make test runs as root)")
    persistent = tmp_path / "persistent"
    persistent.mkdir()
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(persistent), "MIBS": ""}
    # snmpd binds its notification sessions to `clientaddr`: the box has that address (its loopback)
    source = re.search(r"^\[snmp\] clientaddr (\S+)$", config.read_text(encoding="utf-8"), re.MULTILINE)
    setup = "ip link set lo up" + (f" && ip address add {source.group(1)}/32 dev lo" if source else "")
    process = subprocess.Popen(
        ["unshare", "--net", "sh", "-c", setup + ' && exec "$@"', "snmpd", _tool("snmpd"), "-f", "-Lo",
         "-C", "-m", "", "-c", str(config), "-p", str(tmp_path / "snmpd.pid"), "udp:127.0.0.1:16161"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    assert process.stdout is not None
    lines = []
    try:
        for line in process.stdout:  # snmpd logs its start-up line once its config is read
            lines.append(line.rstrip("\n"))
            if line.startswith(_SNMPD_READY):
                break
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate()
    return lines


@pytest.mark.parametrize("path", _goldens("snmpd"), ids=_name)
def test_snmpd_starts_with_the_snmpd_conf_and_no_complaint(path: Path, tmp_path: Path) -> None:
    lines = _snmpd(_filled(path, tmp_path), tmp_path)
    assert any(line.startswith(_SNMPD_READY) for line in lines), lines
    complaints = [line for line in lines if re.search(r"line \d+|Warning|Error|rror:", line)]
    assert not complaints, complaints


def test_snmpd_complains_about_a_bad_line(tmp_path: Path) -> None:
    config = tmp_path / "snmpd.conf"
    config.write_text("agentAddress udp:161\nrouser\nclientaddr 10.0.0.1\n", encoding="utf-8")
    lines = _snmpd(config, tmp_path)
    assert any("line 2" in line for line in lines) and any("line 3" in line for line in lines), lines


#: pam_radius_auth.conf (libpam-radius-auth 2.0): server[:port] secret [timeout [source address [vrf]]].
_RADIUS_LINE = re.compile(r"^([\w.-]+|\[[0-9A-Fa-f:]+\])(:\d+)?\s+\S+(\s+\d+)?\s*$")


@pytest.mark.parametrize("path", _goldens("radius"), ids=_name)
def test_pam_radius_lines_have_the_module_s_shape(path: Path) -> None:
    servers = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert servers and all(_RADIUS_LINE.match(line) for line in servers), servers
    assert all(line.split()[1] == "$NETOPS_SECRET{aaa_shared_key}" for line in servers), servers


def test_snmpd_answers_the_model_user_with_privacy_only(tmp_path: Path) -> None:
    """The rendered user reads sysName with authPriv; authNoPriv is refused (rouser ... priv)."""
    if os.geteuid() != 0:
        pytest.fail("snmpd runs in a network namespace of its own: the test needs root (make test runs as root)")
    golden = GOLDENS / "hanoi-sample" / "expected" / "frr" / "ba-dinh-agg-01.snmpd"
    config = _filled(golden, tmp_path)
    source = re.search(r"^\[snmp\] clientaddr (\S+)$", config.read_text(encoding="utf-8"), re.MULTILINE)
    assert source is not None
    (tmp_path / "persistent").mkdir()
    keys = "-a SHA -A Test-snmp_auth_key-0123"
    get = f"{_tool('snmpget')} -m '' -v3 -r 5 -t 1 -u netops-nms -Ov"
    script = f"""
        ip link set lo up && ip address add {source.group(1)}/32 dev lo || exit 90
        {_tool('snmpd')} -Lf {tmp_path}/snmpd.log -C -m '' -c {config} -p {tmp_path}/snmpd.pid udp:127.0.0.1:16161 \\
            || exit 91
        trap 'kill "$(cat {tmp_path}/snmpd.pid)"' EXIT
        {get} -l authPriv {keys} -x AES -X Test-snmp_priv_key-0123 127.0.0.1:16161 1.3.6.1.2.1.1.5.0 || exit 92
        {get} -l authNoPriv {keys} 127.0.0.1:16161 1.3.6.1.2.1.1.5.0 && exit 93
        exit 0
    """
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp_path / "persistent"), "MIBS": ""}
    done = subprocess.run(["unshare", "--net", "sh", "-c", script], capture_output=True, text=True, env=env,
                          check=False)
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    assert done.stdout.splitlines()[0] == 'STRING: "ba-dinh-agg-01"', done.stdout
    assert "authorizationError" in done.stdout + done.stderr, (done.stdout, done.stderr)


def _keepalived_test(config: Path) -> subprocess.CompletedProcess[str]:
    """`keepalived -t` on a config, in a namespace whose interfaces are the ones the config names."""
    if os.geteuid() != 0:
        pytest.fail("keepalived -t runs in a network namespace of its own: the test needs root (make test runs as "
                    "root)")
    text = config.read_text(encoding="utf-8")
    names = sorted(set(re.findall(r"^\s*interface (\S+)$", text, re.MULTILINE))
                   | set(re.findall(r"^\s*(\S+) weight -?\d+$", text, re.MULTILINE)))
    links = "".join(f'ip link add "{name}" type veth peer name "peer{n}" && ' for n, name in enumerate(names))
    return subprocess.run(["unshare", "--net", "sh", "-c", links + 'exec "$@"', "keepalived", _tool("keepalived"),
                           "-t", "-f", str(config)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("path", _goldens("keepalived"), ids=_name)
def test_keepalived_accepts_the_keepalived_conf(path: Path) -> None:
    done = _keepalived_test(path)
    assert done.returncode == 0 and not done.stderr.strip(), (done.returncode, done.stderr)
    assert re.search(r"^\s*virtual_ipaddress \{$", path.read_text(encoding="utf-8"), re.MULTILINE)


def test_keepalived_rejects_tracking_weights_a_sync_group_would_ignore(tmp_path: Path) -> None:
    """Without `sync_group_tracking_weight` keepalived drops the weights of a sync group's instances (one lost
    uplink would then fail the whole pair over): the check refuses such a file."""
    golden = GOLDENS / "hanoi-sample" / "expected" / "frr" / "dc-fw-01.keepalived"
    text = golden.read_text(encoding="utf-8")
    assert "sync_group_tracking_weight" in text
    bad = tmp_path / "keepalived.conf"
    bad.write_text(text.replace("sync_group_tracking_weight", ""), encoding="utf-8")
    done = _keepalived_test(bad)
    assert done.returncode != 0 and "ignoring" in done.stderr, (done.returncode, done.stderr)
