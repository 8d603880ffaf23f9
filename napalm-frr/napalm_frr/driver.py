"""FRRDriver: NAPALM's NetworkDriver for FRRouting on a Linux host, reached over SSH.

The router is expected to look like a Debian box running FRR (integrated config in /etc/frr/frr.conf, `vtysh`
and `/usr/lib/frr/frr-reload.py` on PATH for the login user, a member of the groups frr and frrvty; for the LLDP
getters also of adm, which may run Debian's lldpcli). The host getters read the host's daemons as a Debian box
has them: chrony (`chronyc`, /etc/chrony), net-snmp (/etc/snmp/snmpd.conf), lldpd (`lldpcli`), /proc and sysfs;
a daemon that is not there gives NAPALM's "nothing configured" ({} or []), never an error.

Configuration is a transaction:
- `load_replace_candidate` / `load_merge_candidate` upload the candidate to the router's state directory and
  check it with FRR's own parser (`vtysh -C -f`); a candidate with a syntax error is refused
  (`ReplaceConfigException` / `MergeConfigException`, naming the candidate's own line numbers and lines) and
  removed: the running config was never touched. A replace candidate with no statement (only comments) is
  refused: it would remove the whole config.
  A merge candidate is the whole config the merge results in (napalm_frr.merge: the merge lines applied to the
  running config's blocks as vtysh would apply them, `no` lines removing what they negate).
- `compare_config` is `frr-reload.py --test`: exactly the lines a commit will delete and add ("" = no change,
  no trailing newline).
- `commit_config` saves the running config (`rollback.conf`), applies the candidate with
  `frr-reload.py --reload` and writes it to frr.conf (`vtysh -w`). With `revert_in=N` it also leaves a
  `pending` marker and starts a detached timer on the router: unless `confirm_commit` removes the marker within
  N seconds, the timer reloads `rollback.conf` itself (so losing the router's management, or this process,
  still rolls back). `rollback` reloads `rollback.conf` at any time.
  After a merge's commit every merge line is checked in the running config (napalm_frr.merge.check); a line
  that did not take effect restores `rollback.conf` and raises `CommitError` naming it.

optional_args: `port` (22), `key_file`, `known_hosts_file`, `ssh_strict` (False: unknown host keys are
accepted, NAPALM's default; True: refused), `allow_agent` (False), `state_dir` (/etc/frr/napalm-frr),
`frr_reload` (/usr/lib/frr/frr-reload.py), `transport` (an object with the `Transport` protocol: tests).
"""

import json
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from napalm.base import NetworkDriver, models
from napalm.base import constants as c
from napalm.base.exceptions import (
    CommitConfirmException,
    CommitError,
    ConnectionClosedException,
    ConnectionException,
    MergeConfigException,
    ReplaceConfigException,
)
from napalm.base.validate import _get_validation_file

from napalm_frr import merge as merging
from napalm_frr import parse
from napalm_frr.transport import Result, SSHTransport, Transport, quote, split_echoed

DEFAULT_STATE_DIR = "/etc/frr/napalm-frr"
DEFAULT_RELOAD = "/usr/lib/frr/frr-reload.py"
#: Save the running config to frr.conf. As an unprivileged user vtysh writes the file itself and exits 1 on
#: "can't chown configuration file" even though it saved it: success is its "configuration saved" line.
SAVE = "vtysh -w 2>&1 | grep -q 'configuration saved'"
#: The vtysh commands each getter reads: compliance_report reads those of its getters in one vtysh call.
GETTER_COMMANDS: dict[str, tuple[str, ...]] = {
    "get_facts": ("show version", "show interface json"),
    "get_interfaces": ("show interface json",),
    "get_interfaces_ip": ("show interface json",),
    "get_bgp_neighbors": ("show bgp vrf all neighbors json", "show bgp vrf all summary json"),
    "get_bgp_neighbors_detail": ("show bgp vrf all neighbors json",),
}
#: zebra's age: the host's uptime, zebra's /proc stat line (its start in clock ticks after boot) and the tick rate.
ZEBRA_AGE = "cat /proc/uptime /proc/$(cat /run/frr/zebra.pid)/stat && getconf CLK_TCK"
#: lldpd's client, in /usr/sbin (not on a user's PATH on Debian), setuid _lldpd and executable by group adm.
LLDPCLI = "PATH=$PATH:/usr/sbin:/sbin; command -v lldpcli >/dev/null && lldpcli -f json"
#: The router's clock, to turn zebra's local-time stamps into ages.
CLOCK = "date '+%s.%N %z'"


def _readable(path: str) -> str:
    """A file's text as the login user, else through `sudo -n`; nothing when neither can read it."""
    return f"{{ cat {path} 2>/dev/null || sudo -n cat {path} 2>/dev/null; }}"


#: chrony's configuration: the main file and the directories Debian's chrony.conf includes.
CHRONY_CONFIG = "cat /etc/chrony/chrony.conf /etc/chrony/conf.d/*.conf /etc/chrony/sources.d/*.sources 2>/dev/null"
#: snmpd's configuration (root-only on Debian) and its drop-in directory.
SNMPD_CONFIG = (_readable("/etc/snmp/snmpd.conf") + "; for f in /etc/snmp/snmpd.conf.d/*.conf; do "
                f"[ -f \"$f\" ] && {_readable('\"$f\"')}; done; true")
#: Accounts, login shells, the admin groups and each login account's authorized keys, in one call.
USERS = ("getent passwd && echo '!netops-shells' && cat /etc/shells && echo '!netops-groups' && "
         f"{{ getent group {' '.join(parse.ADMIN_GROUPS)}; true; }} && "
         "getent passwd | while IFS=: read -r user _ _ _ _ home shell; do "
         "grep -qxF \"$shell\" /etc/shells || continue; echo \"!netops-keys $user\"; "
         "for f in \"$home/.ssh/authorized_keys\" \"$home/.ssh/authorized_keys2\"; do "
         f"{_readable('\"$f\"')}; done; done; true")
#: Two /proc/stat samples half a second apart, /proc/meminfo and the sensors sysfs has (`grep -H`: path:value).
ENVIRONMENT = ("echo '!netops-stat1' && grep '^cpu' /proc/stat && sleep 0.5 && echo '!netops-stat2' && "
               "grep '^cpu' /proc/stat && echo '!netops-meminfo' && cat /proc/meminfo && echo '!netops-sysfs' && "
               "{ grep -sH . /sys/class/thermal/thermal_zone*/type /sys/class/thermal/thermal_zone*/temp "
               "/sys/class/thermal/thermal_zone*/trip_point_* /sys/class/hwmon/hwmon*/fan*_input "
               "/sys/class/power_supply/*/type /sys/class/power_supply/*/online; true; }")
#: get_config(full=True): the line that starts each host part after frr.conf (`!`: a comment to FRR).
PART_MARKER = "!netops-part "
#: The Debian host's own files get_config(full=True) reads, by part suffix (netops.hostfiles lists the same).
HOST_FILES = {
    "snmpd": "/etc/snmp/snmpd.conf",
    "chrony": "/etc/chrony/chrony.conf",
    "rsyslog": "/etc/rsyslog.d/60-netops.conf",
    "sshd": "/etc/ssh/sshd_config.d/60-netops.conf",
    "banner": "/etc/issue.net",
    "radius": "/etc/pam_radius_auth.conf",
    "keepalived": "/etc/keepalived/keepalived.conf",
}
#: get_config(full=True): how each host part is read (empty output: the part is left out). A file the login user
#: may not read (snmpd.conf and pam_radius_auth.conf hold keys: root-only on a Debian box) is read through
#: `sudo -n`, which fails at once, never prompts, where no sudo rule allows it.
HOST_PARTS = {
    "nft": "{ nft -s list table inet netops || sudo -n nft -s list table inet netops; } 2>/dev/null",
    **{part: f"cat {path} 2>/dev/null || sudo -n cat {path} 2>/dev/null" for part, path in HOST_FILES.items()},
    "dhcrelay": "cat /etc/default/isc-dhcp-relay 2>/dev/null",
}


class FRRDriver(NetworkDriver):  # type: ignore[misc]  # napalm's base class is untyped for mypy
    """NAPALM driver for FRR: getters from vtysh JSON and `ip -j`, config through frr-reload.py."""

    platform = "frr"

    def __init__(self, hostname: str, username: str, password: str, timeout: int = 60,
                 optional_args: dict[str, Any] | None = None) -> None:
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        args = dict(optional_args or {})
        self.port = int(args.get("port", 22))
        self.key_file: str | None = args.get("key_file")
        self.known_hosts_file: str | None = args.get("known_hosts_file")
        self.ssh_strict = bool(args.get("ssh_strict", False))
        self.allow_agent = bool(args.get("allow_agent", False))
        self.state_dir = str(args.get("state_dir", DEFAULT_STATE_DIR))
        self.frr_reload = str(args.get("frr_reload", DEFAULT_RELOAD))
        self._given_transport: Transport | None = args.get("transport")
        self._transport: Transport | None = None
        self._candidate: str | None = None
        self._merge = False
        #: What each line of a loaded merge does, checked in the running config after the commit.
        self._effects: list[merging.Effect] = []
        #: The running config a loaded merge was built on (a commit refuses when it changed since).
        self._base = ""
        #: vtysh outputs read together (`_snapshot_of`), by command, answered from here while the snapshot lasts.
        self._snapshot: dict[str, str] = {}

    # -- connection -------------------------------------------------------------------------------------------

    def open(self) -> None:
        """Open the SSH connection (or adopt the given transport)."""
        if self._given_transport is not None:
            self._transport = self._given_transport
            return
        try:
            self._transport = SSHTransport(self.hostname, self.username, self.password, port=self.port,
                                           timeout=self.timeout, key_file=self.key_file,
                                           known_hosts_file=self.known_hosts_file, ssh_strict=self.ssh_strict,
                                           allow_agent=self.allow_agent)
        except Exception as error:
            raise ConnectionException(f"{self.hostname}: cannot open SSH: {error}") from error

    def close(self) -> None:
        """Close the connection."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def is_alive(self) -> models.AliveDict:
        """Whether the SSH connection is up."""
        return {"is_alive": self._transport is not None and self._transport.is_alive()}

    # -- helpers ----------------------------------------------------------------------------------------------

    def _run(self, command: str, stdin: str | None = None, check: bool = False, timeout: float | None = None) -> Result:
        if self._transport is None:
            raise ConnectionClosedException(f"{self.hostname}: not connected (call open() first)")
        result = self._transport.run(command, stdin, timeout or self.timeout)
        if check and result.rc != 0:
            raise CommandError(self.hostname, command, result)
        return result

    def _vtysh(self, command: str) -> str:
        if command in self._snapshot:
            return self._snapshot[command]
        return self._run(f"vtysh -c {quote(command)}", check=True).stdout

    @contextmanager
    def _snapshot_of(self, commands: Iterable[str]) -> Iterator[None]:
        """Read these vtysh commands in one vtysh call and answer them from its output until the block ends.

        vtysh's start (connecting to every daemon) is most of a show command's cost on the router, and one call
        also gives every getter of a report the same moment. Commands an enclosing snapshot holds are not read
        again. When the call fails (a command vtysh refuses) nothing is kept: each command then runs, and fails,
        on its own, as without a snapshot.
        """
        missing = [command for command in dict.fromkeys(commands) if command not in self._snapshot]
        read: dict[str, str] = {}
        if missing:
            result = self._run("vtysh -E " + " ".join(f"-c {quote(command)}" for command in missing))
            read = (split_echoed(result.stdout, missing) or {}) if result.rc == 0 else {}
        self._snapshot.update(read)
        try:
            yield
        finally:
            for command in read:
                self._snapshot.pop(command, None)

    def _vtysh_json(self, command: str) -> Any:
        text = self._vtysh(command)
        return json.loads(text) if text.strip() else {}

    def _ip_json(self, arguments: str) -> Any:
        text = self._run(f"ip -j {arguments}", check=True).stdout
        return json.loads(text) if text.strip() else []

    def _path(self, name: str) -> str:
        return f"{self.state_dir}/{name}"

    # -- getters ----------------------------------------------------------------------------------------------

    def get_facts(self) -> models.FactsDict:
        """Hostname, FRR version, uptime (of FRR: since zebra started; -1.0 when its pid file is not readable),
        interfaces."""
        with self._snapshot_of(GETTER_COMMANDS["get_facts"]):
            return parse.facts(self._vtysh("show version"), self._run(ZEBRA_AGE).stdout,
                               self._vtysh_json("show interface json"))

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        """Every interface zebra knows, with its state, MTU, speed, MAC and last_flapped (when zebra saw the
        link change; the router's clock is read only then)."""
        data = self._vtysh_json("show interface json")
        now = self._run(CLOCK, check=True).stdout if parse.has_flapped(data) else ""
        return parse.interfaces(data, now)

    def get_interfaces_ip(self) -> dict[str, models.InterfacesIPDict]:
        """IPv4 and IPv6 addresses per interface."""
        return parse.interfaces_ip(self._vtysh_json("show interface json"))

    def get_interfaces_counters(self) -> dict[str, models.InterfaceCounterDict]:
        """Kernel counters per interface (`ip -j -s link`: zebra keeps none)."""
        return parse.interfaces_counters(self._ip_json("-s link show"))

    def get_bgp_neighbors(self) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
        """BGP peers per VRF ("global" is the default VRF)."""
        return parse.bgp_neighbors(self._vtysh_json("show bgp vrf all neighbors json"),
                                   self._vtysh_json("show bgp vrf all summary json"))

    def get_bgp_neighbors_detail(self, neighbor_address: str = "") -> dict[str, models.PeerDetailsDict]:
        """Details of every BGP peer (or one): {vrf: {remote_as: [details]}}."""
        return cast(dict[str, models.PeerDetailsDict],
                    parse.bgp_neighbors_detail(self._vtysh_json("show bgp vrf all neighbors json"), neighbor_address))

    def get_route_to(self, destination: str = "", protocol: str = "",
                     longer: bool = False) -> dict[str, models.RouteDict]:
        """Routes to a destination (address or prefix) from zebra's RIB, one entry per next hop."""
        command = "show ip route"
        if destination:
            command += f" {destination}"
            if longer:
                command += " longer-prefixes"
        return cast(dict[str, models.RouteDict], parse.route_to(self._vtysh_json(command + " json"), protocol))

    def get_arp_table(self, vrf: str = "") -> list[models.ARPTableDict]:
        """The kernel's IPv4 neighbour table."""
        command = "-4 neigh show" + (f" vrf {quote(vrf)}" if vrf else "")
        return parse.arp_table(self._ip_json(command))

    def get_ipv6_neighbors_table(self) -> list[models.IPV6NeighborDict]:
        """The kernel's IPv6 neighbour table."""
        return parse.ipv6_neighbors(self._ip_json("-6 neigh show"))

    def get_lldp_neighbors(self) -> dict[str, list[models.LLDPNeighborDict]]:
        """LLDP neighbours from lldpd where it runs; FRR has no LLDP, so {} without lldpd."""
        result = self._run(f"{LLDPCLI} show neighbors")
        if result.rc != 0 or not result.stdout.strip():
            return {}
        return parse.lldp_neighbors(json.loads(result.stdout))

    def get_lldp_neighbors_detail(self, interface: str = "") -> dict[str, list[models.LLDPNeighborDetailDict]]:
        """LLDP neighbours in detail from lldpd (`lldpcli -f json show neighbors details`); {} without lldpd."""
        result = self._run(f"{LLDPCLI} show neighbors details")
        if result.rc != 0 or not result.stdout.strip():
            return {}
        return parse.lldp_neighbors_detail(json.loads(result.stdout), interface)

    def get_ntp_servers(self) -> dict[str, models.NTPServerDict]:
        """chrony's configured `server` and `pool` sources (chrony.conf, conf.d, sources.d); {} without chrony."""
        return parse.ntp_servers(self._run(CHRONY_CONFIG).stdout)

    def get_ntp_peers(self) -> dict[str, models.NTPPeerDict]:
        """chrony's configured `peer` associations; {} without chrony or peers."""
        return parse.ntp_peers(self._run(CHRONY_CONFIG).stdout)

    def get_ntp_stats(self) -> list[models.NTPStats]:
        """Every time source chronyd uses, with its state (`chronyc -c sources` and `sourcestats`, one call);
        [] when chronyd does not run."""
        result = self._run(f"chronyc -n -c sources && echo {PART_MARKER}sourcestats && chronyc -n -c sourcestats")
        if result.rc != 0:
            return []
        sources, _, stats = result.stdout.partition(f"{PART_MARKER}sourcestats\n")
        return parse.ntp_stats(sources, stats)

    def get_snmp_information(self) -> models.SNMPDict:
        """snmpd's system name (also the chassis id), location, contact and v1/v2c communities, from
        /etc/snmp/snmpd.conf and snmpd.conf.d (as the login user or through `sudo -n`); empty without snmpd."""
        return parse.snmp_information(self._run(SNMPD_CONFIG).stdout)

    def get_users(self) -> dict[str, models.UsersDict]:
        """Local accounts with a login shell, their level (15: uid 0, frrvty or sudo) and authorized SSH keys."""
        return parse.users(self._run(USERS, check=True).stdout)

    def get_environment(self) -> models.EnvironmentDict:
        """CPU use per core (over half a second), memory, and temperatures, fans and power supplies where sysfs
        has them."""
        return parse.environment(self._run(ENVIRONMENT, check=True).stdout)

    def get_network_instances(self, name: str = "") -> dict[str, models.NetworkInstanceDict]:
        """The default instance and each kernel VRF, with their interfaces (`ip -j -d link show`)."""
        return parse.network_instances(self._ip_json("-d link show"), name)

    def get_config(self, retrieve: str = "all", full: bool = False, sanitized: bool = False,
                   format: str = "text") -> models.ConfigDict:
        """Running (`show running-config`), startup (/etc/frr/frr.conf) and the loaded candidate.

        `full=True`: "running" is the whole box's running configuration, not only FRR's: frr.conf, then each
        host part the login user can read, after a line `!netops-part <suffix>` (suffixes as `netops render`
        names the files; `netops.backup.fetch.split_parts` splits them again):

        - `nft`: `nft -s list table inet netops` (the loaded ruleset, without counters), as the login user or
          through `sudo -n` (the user needs CAP_NET_ADMIN or that one sudo rule; otherwise the part is left out);
        - the host daemons' files (HOST_FILES): `snmpd` /etc/snmp/snmpd.conf, `chrony` /etc/chrony/chrony.conf,
          `rsyslog` /etc/rsyslog.d/60-netops.conf, `sshd` /etc/ssh/sshd_config.d/60-netops.conf, `banner`
          /etc/issue.net, `radius` /etc/pam_radius_auth.conf, `keepalived` /etc/keepalived/keepalived.conf (the
          VRRP groups of a router sharing LAN gateways): `cat` as the login user, else `sudo -n cat`
          (a file neither can read is left out, and compliance reports it MISSING);
        - `dhcrelay`: /etc/default/isc-dhcp-relay, when the box has it.

        Secrets in those files (SNMPv3 keys, the RADIUS shared key) come back as they are on the box: the
        caller masks them (netops.backup.store does before anything is written).
        """
        if format != "text":
            raise NotImplementedError("FRR configurations are text only")
        config: models.ConfigDict = {"running": "", "startup": "", "candidate": ""}
        if retrieve in ("all", "running"):
            config["running"] = parse.strip_running(self._vtysh("show running-config"))
            if full:
                for suffix, command in HOST_PARTS.items():
                    text = self._run(command).stdout
                    if text.strip():
                        config["running"] = f"{config['running'].rstrip()}\n{PART_MARKER}{suffix}\n{text.rstrip()}\n"
        if retrieve in ("all", "startup"):
            config["startup"] = self._run("cat /etc/frr/frr.conf", check=True).stdout
        if retrieve in ("all", "candidate"):
            config["candidate"] = self._candidate or ""
        if sanitized:
            config = {"running": parse.sanitize(config["running"]), "startup": parse.sanitize(config["startup"]),
                      "candidate": parse.sanitize(config["candidate"])}
        return config

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str | dict[str, Any]]:
        """vtysh commands (several: one vtysh call); with encoding="json" each output is parsed (the commands should
        end in `json`)."""
        if encoding not in ("text", "json"):
            raise NotImplementedError(f"encoding {encoding!r}: text or json")
        output: dict[str, str | dict[str, Any]] = {}
        with self._snapshot_of(commands if len(commands) > 1 else ()):
            for command in commands:
                if command in self._snapshot:
                    text, rc = self._snapshot[command], 0
                else:
                    result = self._run(f"vtysh -c {quote(command)}")
                    text, rc = result.stdout + result.stderr, result.rc
                output[command] = json.loads(text) if encoding == "json" and rc == 0 else text
        return output

    def compliance_report(self, validation_file: str | None = None,
                          validation_source: str | None = None) -> models.ReportResult:
        """NAPALM's compliance report (napalm.base.validate), the vtysh commands of its getters read in one call."""
        # napalm's own reader: a validation file means here what it means to napalm.base.validate.
        source = _get_validation_file(validation_file) if validation_file else validation_source
        getters = [getter for check in source or [] if isinstance(check, dict) for getter in check]
        with self._snapshot_of(command for getter in getters for command in GETTER_COMMANDS.get(getter, ())):
            return cast(models.ReportResult, super().compliance_report(validation_source=source))

    def ping(self, destination: str, source: str = c.PING_SOURCE, ttl: int = c.PING_TTL,
             timeout: int = c.PING_TIMEOUT, size: int = c.PING_SIZE, count: int = c.PING_COUNT,
             vrf: str = c.PING_VRF, source_interface: str = c.PING_SOURCE_INTERFACE) -> models.PingResultDict:
        """iputils ping from the router (0.2 s between probes, the fastest an unprivileged user may send)."""
        if vrf:
            return {"error": "ping in a VRF needs root (ip vrf exec); not supported"}
        command = f"ping -n -c {int(count)} -W {int(timeout)} -s {int(size)} -t {int(ttl)} -i 0.2"
        if source or source_interface:
            command += f" -I {quote(source or source_interface)}"
        result = self._run(f"{command} {quote(destination)}", timeout=count * (timeout + 1) + 10)
        return parse.ping(result.stdout + result.stderr, destination)

    def traceroute(self, destination: str, source: str = c.TRACEROUTE_SOURCE, ttl: int = c.TRACEROUTE_TTL,
                   timeout: int = c.TRACEROUTE_TIMEOUT, vrf: str = c.TRACEROUTE_VRF) -> models.TracerouteResultDict:
        """traceroute -n from the router (the `traceroute` package)."""
        if vrf:
            return {"error": "traceroute in a VRF needs root (ip vrf exec); not supported"}
        command = f"traceroute -n -q 3 -w {int(timeout)} -m {int(ttl)}"
        if source:
            command += f" -s {quote(source)}"
        result = self._run(f"{command} {quote(destination)}", timeout=ttl * 3 * (timeout + 1) + 10)
        if result.rc == 127:
            return {"error": "traceroute is not installed on the router"}
        return parse.traceroute(result.stdout + result.stderr)

    # -- configuration ----------------------------------------------------------------------------------------

    def _load(self, filename: str | None, config: str | None, merge: bool) -> None:
        error = MergeConfigException if merge else ReplaceConfigException
        self._candidate, self._merge, self._effects, self._base = None, False, [], ""
        if (filename is None) == (config is None):
            raise error("give exactly one of filename or config")
        if filename:
            try:
                text = Path(filename).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as problem:
                raise error(f"{self.hostname}: cannot read the candidate {filename}: {problem}") from problem
        else:
            text = cast(str, config)
        if not merge and not has_statements(text):
            raise error(f"{self.hostname}: the replace candidate holds no configuration (only comments or blank "
                        "lines): committing it would remove the whole running config; give the full config")
        # The user's own text is checked first, so FRR's line numbers are the user's. One command per step:
        # stage, check (its complaints on stderr) and, for a merge, mark the blocks (`vtysh -m`, on stdout).
        staged = quote(self._path("merge.conf" if merge else "candidate.conf"))
        then = f"vtysh -m -f {staged}; rc=$?; rm -f {staged}; exit $rc" if merge else "exit 0"
        check = self._run(f"mkdir -p {quote(self.state_dir)} && cat > {staged} || exit 90; "
                          f"vtysh -C -f {staged} >&2 || {{ rc=$?; rm -f {staged}; exit $rc; }}; {then}", stdin=text)
        if check.rc == 90:
            raise error(f"{self.hostname}: cannot stage the candidate in {self.state_dir}: {_tail(check)}")
        if check.rc != 0:
            raise error(f"{self.hostname}: FRR refused the {'merge' if merge else 'replace'} candidate "
                        f"(vtysh exit {check.rc}): {refusal(text, check.stderr + check.stdout)}")
        effects: list[merging.Effect] = []
        if merge:
            # FRR has no merge: the candidate is the whole config the merge results in (napalm_frr.merge),
            # which frr-reload.py then reconciles like any replace.
            base = parse.strip_running(self._vtysh("show running-config"))
            merged = merging.merge(base, check.stdout, text)
            text, effects = merged.config, merged.effects
            candidate = quote(self._path("candidate.conf"))
            check = self._run(f"cat > {candidate} && vtysh -C -f {candidate} >&2 || {{ rc=$?; rm -f {candidate}; "
                              "exit $rc; }", stdin=text)
            if check.rc != 0:
                raise error(f"{self.hostname}: FRR refused the config the merge results in (vtysh -C exit "
                            f"{check.rc}): {refusal(text, check.stderr + check.stdout)}")
            self._base = base
        self._candidate = text
        self._merge = merge
        self._effects = effects

    def load_replace_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Load a whole configuration that will replace the running one."""
        self._load(filename, config, merge=False)

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Load lines to merge into the running configuration."""
        self._load(filename, config, merge=True)

    def compare_config(self) -> str:
        """The lines a commit would delete and add (frr-reload.py --test); "" when nothing would change."""
        if self._candidate is None:
            return ""
        result = self._run(f"{self.frr_reload} --test --stdout --rundir {quote(self.state_dir)} "
                           f"{quote(self._path('candidate.conf'))}")
        if result.rc != 0:
            raise CommandError(self.hostname, "frr-reload.py --test", result)
        return diff_text(result.stdout)

    def _reload(self, path: str) -> Result:
        """Apply a config file with frr-reload.py and save what runs to frr.conf.

        --rundir: frr-reload.py writes its temporary file there, and /run/frr is not writable by the login user.
        """
        command = f"{self.frr_reload} --reload --stdout --rundir {quote(self.state_dir)} {quote(path)} && {SAVE}"
        result = self._run(command, timeout=120)
        if result.rc != 0:
            # Seen on FRR 8.4: replacing `router bgp A` by `router bgp B` fails once (bgpd is still deleting
            # instance A when B is added); frr-reload.py is idempotent, so a second pass applies what is missing.
            time.sleep(1)
            result = self._run(command, timeout=120)
        return result

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Apply the candidate; with revert_in, roll back by itself unless confirmed within that many seconds."""
        if self._candidate is None:
            raise CommitError(f"{self.hostname}: no candidate loaded")
        if self.has_pending_commit():
            raise CommitError(f"{self.hostname}: a commit is waiting for confirmation: confirm or roll it back first")
        running = parse.strip_running(self._vtysh("show running-config"))
        if self._merge and running != self._base:
            # The merge's candidate is a whole config built on the running config of its load: committed now,
            # it would undo what changed since.
            self.discard_config()
            raise CommitError(f"{self.hostname}: the running config changed since the merge was loaded "
                              "(another commit?): nothing applied; load the merge again")
        self._run(f"cat > {quote(self._path('rollback.conf'))}", stdin=running, check=True)
        if revert_in is not None:
            # The marker and the timer exist before the change, so even a commit that cuts us off reverts.
            self._start_revert_timer(int(revert_in))
        applied = self._reload(self._path("candidate.conf"))
        if applied.rc != 0:
            self._cancel_revert_timer()
            restored = self._reload(self._path("rollback.conf"))
            raise CommitError(f"{self.hostname}: frr-reload.py --reload failed (exit {applied.rc}): "
                              f"{_tail(applied)}; previous config restored: {restored.rc == 0}")
        if self._merge:
            # frr-reload.py can report success for lines it did not apply: the merge is checked line by line.
            missed = merging.check(self._effects, parse.strip_running(self._vtysh("show running-config")))
            if missed:
                self._cancel_revert_timer()
                restored = self._reload(self._path("rollback.conf"))
                self.discard_config()
                raise CommitError(f"{self.hostname}: the merge did not take effect: {'; '.join(missed)}; "
                                  f"previous config restored: {restored.rc == 0}")
        self.discard_config()

    def _start_revert_timer(self, seconds: int) -> None:
        pending, reverting = self._path("pending"), self._path("pending.reverting")
        rollback, pid_file = self._path("rollback.conf"), self._path("timer.pid")
        # The timer is a session (and process group) leader: confirming kills the group, its sleep included.
        # mv is atomic: either confirm_commit removes the marker first, or the timer takes it and reverts.
        body = (f"sleep {seconds}; if mv {pending} {reverting} 2>/dev/null; then "
                f"{self.frr_reload} --reload --stdout --rundir {self.state_dir} {rollback} "
                f">{self._path('revert.log')} 2>&1; {SAVE}; "
                f"rm -f {reverting}; fi; rm -f {pid_file}")
        self._run(f"date +%s > {quote(pending)} && cd / && setsid sh -c {quote(body)} </dev/null >/dev/null 2>&1 & "
                  f"echo $! > {quote(pid_file)}", check=True)

    def _cancel_revert_timer(self) -> bool:
        """Remove the marker and stop the timer; whether a commit was pending."""
        pending, pid_file = quote(self._path("pending")), quote(self._path("timer.pid"))
        result = self._run(f"rm {pending} 2>/dev/null || exit 3; "
                           f"[ -f {pid_file} ] && kill -- -$(cat {pid_file}) 2>/dev/null; rm -f {pid_file}; exit 0")
        return result.rc == 0

    def confirm_commit(self) -> None:
        """Keep the pending commit: stop its revert timer."""
        if not self._cancel_revert_timer():
            raise CommitConfirmException(f"{self.hostname}: no commit is waiting for confirmation "
                                         "(none was made with revert_in, or it was already rolled back)")

    def has_pending_commit(self) -> bool:
        """Whether a commit made with revert_in awaits confirmation."""
        return self._run(f"test -e {quote(self._path('pending'))}").rc == 0

    def discard_config(self) -> None:
        """Forget the loaded candidate (the router's running config was never touched by loading)."""
        if self._transport is not None:
            self._run(f"rm -f {quote(self._path('candidate.conf'))}")
        self._candidate = None
        self._merge = False
        self._effects = []
        self._base = ""

    def rollback(self) -> None:
        """Go back to the configuration that ran before the last commit (and cancel a pending confirmation)."""
        self._cancel_revert_timer()
        self._wait_for_revert()
        if self._run(f"test -f {quote(self._path('rollback.conf'))}").rc != 0:
            raise CommitError(f"{self.hostname}: nothing to roll back to (no commit was made by this driver)")
        result = self._reload(self._path("rollback.conf"))
        if result.rc != 0:
            raise CommitError(f"{self.hostname}: rollback failed (exit {result.rc}): {_tail(result)}")

    def _wait_for_revert(self, seconds: float = 30) -> None:
        """A revert the timer has already started is allowed to finish before anything else reloads."""
        deadline = time.monotonic() + seconds
        while self._run(f"test -e {quote(self._path('pending.reverting'))}").rc == 0:
            if time.monotonic() > deadline:
                raise CommitError(f"{self.hostname}: the revert timer's rollback did not finish")
            time.sleep(0.2)


class CommandError(ConnectionException):  # type: ignore[misc]
    """A command on the router failed."""

    def __init__(self, host: str, command: str, result: Result) -> None:
        self.host = host
        self.command = command
        self.result = result
        super().__init__(f"{host}: {command!r} exited {result.rc}: {_tail(result)}")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _tail(result: Result, lines: int = 5) -> str:
    text = [line.strip() for line in _ANSI.sub("", result.stderr or result.stdout).splitlines() if line.strip()]
    return " | ".join(text[-lines:])


def diff_text(reload_output: str) -> str:
    """frr-reload.py --test output without its log lines: the `Lines To Delete` / `Lines To Add` sections."""
    lines = [line for line in reload_output.splitlines() if " INFO: " not in line and " DEBUG: " not in line]
    return "\n".join(lines).strip()


def has_statements(text: str) -> bool:
    """Whether a config holds anything but comments (`!`, `#`), blank lines and `end`."""
    return any(line.strip() and not line.strip().startswith(("!", "#")) and line.strip() != "end"
               for line in text.splitlines())


_REFUSED = re.compile(r"^line (\d+): (.*?)(?:\[\d+\])?: ?(.*)$")


def refusal(text: str, output: str) -> str:
    """vtysh -C's complaints, each naming the candidate's line number and that line's text.

    vtysh prints `line 2: % Unknown command[4]: bogus line`; this gives `line 2 `bogus line`: % Unknown command`.
    """
    lines = text.splitlines()
    found = []
    for complaint in output.splitlines():
        match = _REFUSED.match(complaint.strip())
        if not match:
            if complaint.strip():
                found.append(complaint.strip())
            continue
        number = int(match.group(1))
        quoted = lines[number - 1].strip() if 0 < number <= len(lines) else match.group(3).strip()
        quoted = parse.sanitize(quoted)  # a refused line that carries a secret is named without it
        found.append(f"line {number} `{quoted}`: {match.group(2).strip()}")
    return "; ".join(found) or "no reason given"
