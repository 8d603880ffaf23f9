"""The sample city as shipped (VRRP at its hubs, the firewall pair, its design rules) and as it was before
first-hop redundancy, shared by the analysis tests."""

import pytest

from citynet_models.network import Network
from netops.pipeline import load_network
from tests.analysis.networks import without_redundancy
from tests.conftest import REPO


@pytest.fixture(scope="session")
def shipped() -> Network:
    """The sample city as inventory/city describes it, the sites in service."""
    return load_network(REPO / "inventory" / "city").running


@pytest.fixture(scope="session")
def sample(shipped: Network) -> Network:
    """The sample with every LAN on its one gateway router, no pair and no design rules, as before VRRP."""
    return without_redundancy(shipped)
