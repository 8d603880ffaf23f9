"""Secrets never land on disk: rendered files carry `$NETOPS_SECRET{name}` tokens instead.

The push step substitutes each token right before it hands the config to the device, from the
environment variable `NETOPS_SECRET_<NAME>` (upper case) or an ansible-vault variable
`vault_netops_secret_<name>`. Templates can only ask for the names listed in SECRETS; a typo is a
template bug caught at render time, and a token left unfilled is caught at substitution time.
"""

import os
import re
from collections.abc import Mapping

#: Every secret a template may ask for, and what it is.
SECRETS: dict[str, str] = {
    "ospf_key": "OSPF authentication key of the WAN links (MD5: at most 16 characters)",
    "bgp_key": "TCP MD5 password of the iBGP sessions (every peer group; at most 80 characters)",
    "local_admin_password": "password of the local fallback account",
    "aaa_shared_key": "RADIUS shared key",
    "snmp_auth_key": "SNMPv3 authentication key (SHA)",
    "snmp_priv_key": "SNMPv3 privacy key (AES-128)",
}

TOKEN = re.compile(r"\$NETOPS_SECRET\{([a-z_]+)\}")


class SecretError(KeyError):
    """A secret that is unknown or has no value."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"secret {name!r}: {reason}")


def token(name: str) -> str:
    """The placeholder a template writes for a secret (the Jinja2 global `secret`)."""
    if name not in SECRETS:
        raise SecretError(name, f"not a known secret (known: {', '.join(sorted(SECRETS))})")
    return "$NETOPS_SECRET{" + name + "}"


def secret_names(text: str) -> set[str]:
    """The secrets a rendered file needs."""
    return set(TOKEN.findall(text))


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Secret values from `NETOPS_SECRET_<NAME>` variables."""
    environ = os.environ if environ is None else environ
    return {name: environ[f"NETOPS_SECRET_{name.upper()}"] for name in SECRETS
            if f"NETOPS_SECRET_{name.upper()}" in environ}


def substitute(text: str, values: Mapping[str, str]) -> str:
    """The text with every token replaced by its value (push time, in memory only)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise SecretError(name, f"no value: set NETOPS_SECRET_{name.upper()} or vault_netops_secret_{name}")
        return values[name]

    return TOKEN.sub(replace, text)
