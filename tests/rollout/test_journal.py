"""The NetBox journal entry of a transition, on the real NetBox of tests/netbox/test_sync.py (marker ``netbox``),
and its text worked out by hand."""

from datetime import UTC, datetime
from typing import Any

import pytest

from citynet_models.rollout import Transition
from citynet_models.types import LifecycleStatus as S
from netops.errors import InputError
from netops.netbox.client import NetBoxClient
from netops.rollout.journal import entry_comments, post_journal
from tests.netbox.test_sync import client, env, nb, reset  # noqa: F401  (the module's server fixtures)

SLUG = "ubnd-phuong-ba-dinh"
ACCEPTED = Transition(state=S.ACCEPTED, at=datetime(2026, 12, 2, 10, 0, tzinfo=UTC), by="Nguyễn Văn An",
                      commit="0123456789abcdef0123456789abcdef01234567", evidence=("verify-verified.json",),
                      summary="handed over to the ward")


def test_the_entry_says_who_when_which_commit_what_and_the_evidence() -> None:
    assert entry_comments(SLUG, ACCEPTED, "# Verification\n\n**PASS**\n") == (
        "**netops rollout: ubnd-phuong-ba-dinh accepted** at 2026-12-02T10:00:00Z\n"
        "\n"
        "- by: Nguyễn Văn An\n"
        "- when: 2026-12-02T10:00:00Z\n"
        "- commit: 0123456789abcdef0123456789abcdef01234567\n"
        "- summary: handed over to the ward\n"
        "- evidence (rollout/ubnd-phuong-ba-dinh/ beside the intent): `verify-verified.json`\n"
        "\n"
        "# Verification\n\n**PASS**")
    staged = Transition(state=S.STAGED, at=ACCEPTED.at)
    assert entry_comments(SLUG, staged, "").endswith("none")
    assert "- by: netops (no sign-off)\n- when: 2026-12-02T10:00:00Z\n- commit: not in git\n- summary: -\n" \
           "- evidence (rollout/ubnd-phuong-ba-dinh/ beside the intent): none" in entry_comments(SLUG, staged, "")


@pytest.mark.netbox
def test_the_entry_is_on_the_site_once(env: dict[str, str], client: NetBoxClient, nb: Any) -> None:  # noqa: F811
    reset(env)
    site = nb.dcim.sites.create(name="UBND phường Ba Đình", slug=SLUG, status="active")
    other = nb.dcim.sites.create(name="Other", slug="other-site", status="active")

    post_journal(client, SLUG, ACCEPTED, "# Verification\n\n**PASS**\n")
    post_journal(client, SLUG, ACCEPTED, "# Verification\n\n**PASS**\n")  # a re-run adds no second entry

    entries = list(nb.extras.journal_entries.filter(assigned_object_type="dcim.site", assigned_object_id=site.id))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.kind.value == "success"
    assert entry.comments == entry_comments(SLUG, ACCEPTED, "# Verification\n\n**PASS**\n")
    for text in ("Nguyễn Văn An", "2026-12-02T10:00:00Z", ACCEPTED.commit, "handed over to the ward",
                 "`verify-verified.json`"):
        assert str(text) in entry.comments
    assert not list(nb.extras.journal_entries.filter(assigned_object_type="dcim.site",
                                                     assigned_object_id=other.id))

    later = Transition(state=S.DECOMMISSIONED, at=datetime(2027, 1, 1, tzinfo=UTC), by="An", summary="closed")
    post_journal(client, SLUG, later, "")
    kinds = sorted(e.kind.value for e in nb.extras.journal_entries.filter(assigned_object_type="dcim.site",
                                                                          assigned_object_id=site.id))
    assert kinds == ["success", "warning"]


@pytest.mark.netbox
def test_a_site_not_in_netbox_is_bad_input(env: dict[str, str], client: NetBoxClient) -> None:  # noqa: F811
    reset(env)
    with pytest.raises(InputError, match="1 error"):
        post_journal(client, "no-such-site", ACCEPTED, "")
