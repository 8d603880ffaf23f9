"""A site's transition as a NetBox journal entry on the site: who, when, the intent commit, the summary and the
evidence kept in git, so that someone looking at the site in NetBox sees how it got to its status.

An entry is written once per transition: its first line names the site, the state and the time, and an entry
with that line already on the site (an interrupted run, run again) is not written twice.
"""

from citynet_models.problems import Problem, item
from citynet_models.rollout import Transition
from citynet_models.types import LifecycleStatus
from netops.errors import InputError
from netops.netbox.client import NetBoxClient

#: NetBox's journal kinds (JournalEntryKindChoices) by the state a site entered.
KIND = {
    LifecycleStatus.PLANNED: "info", LifecycleStatus.STAGED: "info", LifecycleStatus.PROVISIONED: "info",
    LifecycleStatus.VERIFIED: "success", LifecycleStatus.ACCEPTED: "success",
    LifecycleStatus.DECOMMISSIONED: "warning",
}
SITE_TYPE = "dcim.site"


def entry_title(slug: str, transition: Transition) -> str:
    """The entry's first line: what makes one transition's entry recognisable among the site's entries."""
    at = transition.at.isoformat().replace("+00:00", "Z")
    return f"**netops rollout: {slug} {transition.state.value}** at {at}"


def entry_comments(slug: str, transition: Transition, body_markdown: str) -> str:
    """The entry's text (Markdown, as NetBox renders journal comments; without a final line break, which NetBox
    strips)."""
    lines = [entry_title(slug, transition), "",
             f"- by: {transition.by or 'netops (no sign-off)'}",
             f"- when: {transition.at.isoformat().replace('+00:00', 'Z')}",
             f"- commit: {transition.commit or 'not in git'}",
             f"- summary: {transition.summary or '-'}",
             f"- evidence (rollout/{slug}/ beside the intent): "
             + (", ".join(f"`{name}`" for name in transition.evidence) or "none")]
    if body_markdown.strip():
        lines += ["", body_markdown.strip()]
    return "\n".join(lines)


def post_journal(client: NetBoxClient, slug: str, transition: Transition, body_markdown: str) -> None:
    """Attach the transition to the NetBox site ``slug`` as a journal entry, unless it is there already.

    InputError when NetBox has no such site (apply the intent first); NetBoxError when NetBox cannot be reached
    or refuses the entry.
    """
    sites = list(client.rest_list("dcim/sites", {"slug": slug, "fields": "id"}))
    if not sites:
        raise InputError([Problem(path=("sites", item(slug)), message="site not in NetBox",
                                  expected=f"site {slug} in NetBox", found="no such site",
                                  hint="apply the intent first: `netops apply`")])
    site_id = int(sites[0]["id"])
    title = entry_title(slug, transition)
    held = client.rest_list("extras/journal-entries", {"assigned_object_type": SITE_TYPE,
                                                       "assigned_object_id": site_id, "fields": "id,comments"})
    if any(str(entry.get("comments", "")).startswith(title) for entry in held):
        return
    client.create("extras/journal-entries", [{
        "assigned_object_type": SITE_TYPE, "assigned_object_id": site_id, "kind": KIND[transition.state],
        "comments": entry_comments(slug, transition, body_markdown),
    }], f"netops rollout: {slug} {transition.state.value}")
