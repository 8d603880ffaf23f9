"""How the driver runs commands on the router: SSH exec channels on one connection (paramiko).

Every remote action is a shell command line: the unit tests swap the transport for one that replays
output recorded from a real FRR (tests/napalm_frr/mocked_data), and a recording transport writes those files.
"""

import re
import shlex
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import paramiko


@dataclass(frozen=True)
class Result:
    """The exit status and output of one command."""

    rc: int
    stdout: str
    stderr: str


class Transport(Protocol):
    """Runs shell command lines on the router."""

    def run(self, command: str, stdin: str | None = None, timeout: float = 60) -> Result:
        """Run one command line (optionally feeding `stdin`) and wait for it."""

    def close(self) -> None:
        """Close the connection."""

    def is_alive(self) -> bool:
        """Whether the connection is still usable."""


def fixture_name(command: str) -> str:
    """The file name (without suffix) a command's recorded output is stored under."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", command).strip("_")
    return name[:150]


def known_keys(known_hosts_file: str, name: str) -> list[paramiko.hostkeys.HostKeyEntry]:
    """The entries of a known_hosts file for one host name (plain or hashed, as OpenSSH writes them).

    Only the lines naming the host are parsed: paramiko's whole-file load parses every key (0.6 CPU-seconds for a
    lab of 1,613 routers), and a verify or a provisioning connects to each router once or more."""
    entries = []
    with Path(known_hosts_file).open(encoding="utf-8") as lines:
        for line in lines:
            names = line.split(None, 1)[0].split(",") if line.strip() and not line.startswith(("#", "@")) else []
            if any(_names_host(field, name) for field in names):
                entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
                if entry is not None:
                    entries.append(entry)
    return entries


def _names_host(field: str, name: str) -> bool:
    if field.startswith("|1|"):
        return bool(paramiko.HostKeys.hash_host(name, field.split("|")[2]) == field)
    return field == name


def trust_known_keys(client: paramiko.SSHClient, known_hosts_file: str, hostname: str, port: int) -> None:
    """Give the client the known keys of this one host (as paramiko looks it up: `[host]:port` off port 22). The
    file itself is not the client's: a key it learns is not written back into it."""
    name = hostname if port == 22 else f"[{hostname}]:{port}"
    for entry in known_keys(known_hosts_file, name):
        client.get_host_keys().add(name, entry.key.get_name(), entry.key)


class SSHTransport:
    """One SSH connection; each command opens an exec channel on it (no shell prompt to scrape)."""

    def __init__(self, hostname: str, username: str, password: str, port: int = 22, timeout: float = 60,
                 key_file: str | None = None, known_hosts_file: str | None = None, ssh_strict: bool = False,
                 allow_agent: bool = False) -> None:
        self.hostname = hostname
        self.client = paramiko.SSHClient()
        self.client.load_system_host_keys()
        if known_hosts_file:
            trust_known_keys(self.client, known_hosts_file, hostname, port)
        # Strict: an unknown or changed host key refuses the connection; otherwise NAPALM's usual default.
        self.client.set_missing_host_key_policy(paramiko.RejectPolicy() if ssh_strict else paramiko.AutoAddPolicy())
        self.client.connect(hostname, port=port, username=username, password=password or None,
                            key_filename=key_file, timeout=timeout, banner_timeout=timeout, auth_timeout=timeout,
                            allow_agent=allow_agent, look_for_keys=False)

    def run(self, command: str, stdin: str | None = None, timeout: float = 60) -> Result:
        """Run a command in an exec channel; feed stdin, then read stdout and stderr to the end."""
        transport = self.client.get_transport()
        if transport is None:
            raise ConnectionError(f"{self.hostname}: SSH connection closed")
        channel = transport.open_session(timeout=timeout)
        try:
            channel.settimeout(timeout)
            channel.exec_command(command)
            if stdin is not None:
                channel.sendall(stdin.encode())
            channel.shutdown_write()
            out, err = bytearray(), bytearray()
            try:
                while True:
                    chunk = channel.recv(65536)
                    if not chunk:
                        break
                    out += chunk
                while True:
                    chunk = channel.recv_stderr(65536)
                    if not chunk:
                        break
                    err += chunk
            except TimeoutError as error:
                raise TimeoutError(f"{self.hostname}: {command!r} did not finish in {timeout} s") from error
            except socket.timeout as error:  # noqa: UP041 (paramiko raises socket.timeout)
                raise TimeoutError(f"{self.hostname}: {command!r} did not finish in {timeout} s") from error
            rc = channel.recv_exit_status()
        finally:
            channel.close()
        return Result(rc, out.decode(errors="replace"), err.decode(errors="replace"))

    def close(self) -> None:
        """Close the SSH connection."""
        self.client.close()

    def is_alive(self) -> bool:
        """Whether the SSH transport is active."""
        transport = self.client.get_transport()
        return bool(transport is not None and transport.is_active())


class RecordingTransport:
    """Wraps a transport and stores each command's output as `<dir>/<command>.txt|json` (fixture recording)."""

    def __init__(self, inner: Transport, directory: Path) -> None:
        self.inner = inner
        self.directory = directory

    def run(self, command: str, stdin: str | None = None, timeout: float = 60) -> Result:
        """Run and record stdout (rc and stderr too, when they are not 0 and empty); a `vtysh -E -c A -c B ...`
        call that succeeded is recorded as the calls `vtysh -c A`, `vtysh -c B`... it is replayed from."""
        result = self.inner.run(command, stdin, timeout)
        if command.startswith("vtysh -E ") and result.rc == 0:
            words = shlex.split(command)[2:]
            outputs = split_echoed(result.stdout, words[1::2])
            if outputs is not None:
                for vtysh_command, output in outputs.items():
                    self._write(f"vtysh -c {quote(vtysh_command)}", Result(0, output, ""))
                return result
        self._write(command, result)
        return result

    def _write(self, command: str, result: Result) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = fixture_name(command)
        suffix = ".json" if result.stdout.lstrip().startswith(("{", "[")) else ".txt"
        (self.directory / (stem + suffix)).write_text(result.stdout, encoding="utf-8")
        if result.rc or result.stderr:
            (self.directory / (stem + ".rc")).write_text(f"{result.rc}\n{result.stderr}", encoding="utf-8")

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()

    def is_alive(self) -> bool:
        """Whether the inner transport is alive."""
        return self.inner.is_alive()


class ReplayTransport:
    """Replays recorded outputs; a command with no recording fails the test that ran it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.commands: list[str] = []

    def run(self, command: str, stdin: str | None = None, timeout: float = 60) -> Result:
        """The recorded output of this command; a `vtysh -E -c A -c B ...` call is replayed from the recordings of
        `vtysh -c A`, `vtysh -c B`..., each after its echo (`replayed# A`), up to the first that failed (as vtysh,
        which stops there)."""
        self.commands.append(command)
        if command.startswith("vtysh -E "):
            words = shlex.split(command)[2:]
            stdout, stderr = [], ""
            for flag, vtysh_command in zip(words[::2], words[1::2], strict=True):
                assert flag == "-c", command
                stdout.append(f"replayed# {vtysh_command}\n")
                one = self._recorded(f"vtysh -c {quote(vtysh_command)}")
                stdout.append(one.stdout)
                if one.rc:
                    return Result(one.rc, "".join(stdout), one.stderr)
                stderr += one.stderr
            return Result(0, "".join(stdout), stderr)
        return self._recorded(command)

    def _recorded(self, command: str) -> Result:
        stem = fixture_name(command)
        for suffix in (".json", ".txt"):
            path = self.directory / (stem + suffix)
            if path.exists():
                rc, stderr = 0, ""
                status = self.directory / (stem + ".rc")
                if status.exists():
                    first, _, stderr = status.read_text(encoding="utf-8").partition("\n")
                    rc = int(first)
                return Result(rc, path.read_text(encoding="utf-8"), stderr)
        raise FileNotFoundError(f"no recorded output for {command!r} ({self.directory / stem}.txt|json)")

    def close(self) -> None:
        """Nothing to close."""

    def is_alive(self) -> bool:
        """Always alive."""
        return True


def split_echoed(output: str, commands: list[str]) -> dict[str, str] | None:
    """The output of `vtysh -E -c A -c B ...` by command: vtysh echoes `<hostname># <command>` before each command's
    output. None when the echoes are not there as expected (the outputs are then not told apart)."""
    lines = output.splitlines(keepends=True)
    starts: list[int] = []
    prompt = None
    for command in commands:
        at = next((i for i in range(starts[-1] + 1 if starts else 0, len(lines))
                   if lines[i].rstrip("\n").endswith(f"# {command}")), None)
        if at is None:
            return None
        this = lines[at].rstrip("\n")[:-len(command)]
        if (prompt is None and at != 0) or prompt not in (None, this):
            return None  # output before the first echo, or echoes with different prompts: not vtysh -E's
        prompt = this
        starts.append(at)
    ends = [*starts[1:], len(lines)]
    return {command: "".join(lines[start + 1:end]) for command, start, end in zip(commands, starts, ends, strict=True)}


def quote(text: str) -> str:
    """Shell-quote one argument."""
    return shlex.quote(text)
