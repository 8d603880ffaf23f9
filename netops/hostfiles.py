"""The files of the Debian host an FRR router runs on, as the config parts `netops render` writes beside frr.conf.

One row per part: where the file lives on the box, who reads it, its mode, and what makes a change take effect.
Render writes `<out>/frr/<device>.<part>`; napalm_frr reads the same paths back (`get_config(full=True)`);
compliance names them in its remediation and in the hint of a part the login user could not read.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HostFile:
    """A host file: its part suffix, its path on the box, the daemon that reads it."""

    part: str
    path: str
    daemon: str
    #: 0600 for files holding secrets (the SNMPv3 keys, the RADIUS shared key).
    mode: str
    #: The command that makes the daemon use the new file ("" when it reads the file each time).
    apply: str


HOST_FILES: dict[str, HostFile] = {host.part: host for host in (
    HostFile("snmpd", "/etc/snmp/snmpd.conf", "snmpd (net-snmp)", "0600", "systemctl restart snmpd"),
    HostFile("chrony", "/etc/chrony/chrony.conf", "chronyd", "0644", "systemctl restart chrony"),
    HostFile("rsyslog", "/etc/rsyslog.d/60-netops.conf", "rsyslogd", "0644", "systemctl restart rsyslog"),
    HostFile("sshd", "/etc/ssh/sshd_config.d/60-netops.conf", "sshd", "0644", "systemctl reload ssh"),
    HostFile("banner", "/etc/issue.net", "sshd (Banner)", "0644", ""),
    HostFile("radius", "/etc/pam_radius_auth.conf", "PAM (pam_radius_auth)", "0600", ""),
    HostFile("keepalived", "/etc/keepalived/keepalived.conf", "keepalived (VRRP)", "0644",
             "systemctl reload keepalived"),
)}


def install_commands(device: str, part: str) -> list[str]:
    """The shell commands that put a rendered host file in place and make its daemon read it."""
    host = HOST_FILES[part]
    commands = [f"install -m {host.mode} {device}.{part} {host.path}"]
    return [*commands, host.apply] if host.apply else commands
