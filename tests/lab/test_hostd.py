"""When provisioning restarts keepalived rather than reloading it: its shared LANs' own addresses changed."""

from netops.lab.hostd import readdressed


def test_a_changed_own_address_restarts_keepalived() -> None:
    # a member's own LAN address going from the LAN's prefix to a /32: keepalived must read it again
    assert readdressed("eth0.10 10.128.4.126/25 eth0.20 10.128.4.158/27",
                       "eth0.10 10.128.4.126/32 eth0.20 10.128.4.158/27")
    assert readdressed("eth0.10 10.128.4.126/32", "")  # the address went away


def test_the_same_addresses_or_first_ones_keep_the_reload() -> None:
    assert not readdressed("eth0.10 10.128.4.126/32", "eth0.10 10.128.4.126/32")
    # a bootstrap router had no address on its LANs: keepalived had no instance there, a reload makes them
    assert not readdressed("", "eth0.10 10.128.4.126/32 eth0.20 10.128.4.158/32")
    # a LAN added beside one that kept its address
    assert not readdressed("eth0.10 10.128.4.126/32", "eth0.10 10.128.4.126/32 eth0.20 10.128.4.158/32")
    assert not readdressed(None, "eth0.10 10.128.4.126/32")  # never recorded: unknown, as it was
