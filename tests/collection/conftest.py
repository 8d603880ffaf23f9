"""The collection installed once per session, outside the checkout (installed.py)."""

from pathlib import Path

import pytest

from tests.collection.installed import Installation, install


@pytest.fixture(scope="session")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    where: Path = tmp_path_factory.mktemp("installed")
    return install(where)
