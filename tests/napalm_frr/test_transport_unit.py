"""napalm_frr.transport's known_hosts handling, with real paramiko keys and files (no connection)."""

from pathlib import Path

import paramiko

from napalm_frr.transport import trust_known_keys


def test_a_client_trusts_its_hosts_keys_only_plain_hashed_or_off_port_22(tmp_path: Path) -> None:
    keys: dict[str, paramiko.PKey] = {f"10.0.0.{n}": paramiko.RSAKey.generate(1024) for n in range(1, 5)}
    path = tmp_path / "known_hosts"
    hashed = paramiko.HostKeys.hash_host("10.0.0.4")
    path.write_text("".join([
        "# a comment\n",
        "\n",
        f"10.0.0.1,r1 {keys['10.0.0.1'].get_name()} {keys['10.0.0.1'].get_base64()}\n",
        f"10.0.0.2 {keys['10.0.0.2'].get_name()} {keys['10.0.0.2'].get_base64()}\n",
        f"[10.0.0.3]:2222 {keys['10.0.0.3'].get_name()} {keys['10.0.0.3'].get_base64()}\n",
        f"{hashed} {keys['10.0.0.4'].get_name()} {keys['10.0.0.4'].get_base64()}\n",
        f"@revoked 10.0.0.2 {keys['10.0.0.1'].get_name()} {keys['10.0.0.1'].get_base64()}\n",
    ]))
    before = path.read_text()

    def trusted(hostname: str, port: int = 22) -> dict[str, paramiko.PKey]:
        client = paramiko.SSHClient()
        trust_known_keys(client, str(path), hostname, port)
        known = client.get_host_keys()
        return {name: known.lookup(name)["ssh-rsa"] for name in known}  # type: ignore[index]

    assert trusted("10.0.0.2") == {"10.0.0.2": keys["10.0.0.2"]}
    assert trusted("r1") == {"r1": keys["10.0.0.1"]}
    assert trusted("10.0.0.3", 2222) == {"[10.0.0.3]:2222": keys["10.0.0.3"]}
    assert trusted("10.0.0.3") == {}
    assert trusted("10.0.0.4") == {"10.0.0.4": keys["10.0.0.4"]}
    assert trusted("10.0.0.9") == {}
    assert path.read_text() == before  # the file is not the client's: nothing written back
