"""The allocation record as a file: `<intent>/allocations.yml`, one line per site, sorted by slug.

Only netops writes it (`netops allocations update | release | rename`), so that a change of allocations is a
reviewed diff of one line per site. Resolve reads it (netops/resolve/record.py).
"""

import re
from dataclasses import dataclass
from pathlib import Path

from citynet_models.allocations import AllocationRecord, SiteAllocation
from netops.intent.allocations import ALLOCATIONS_FILE
from netops.resolve.naming import ROLE_ABBREVIATION

#: The first line of every record netops writes.
HEADER = "# Allocations, written by `netops allocations`"


def record_path(intent: Path) -> Path:
    """Where the intent keeps its allocation record."""
    return intent / ALLOCATIONS_FILE


def site_line(slug: str, entry: SiteAllocation) -> str:
    """One site's entry as the record writes it (flow style, the uplinks quoted: 0.1 would read as a number)."""
    ports = ", ".join(f"'{ref}': {port}" for ref, port in entry.ports.items())
    return f"  {slug}: {{key: {entry.key}, ports: {{{ports}}}}}"


def dump_record(record: AllocationRecord) -> str:
    """The record file: a header saying who writes it and how to release, then one line per site."""
    lines = [
        f"{HEADER}: every site's addressing key (level/unit/number: all its addresses follow",
        "# from it) and, by device number and uplink index, the upstream port each uplink lands on.",
        "# Do not edit by hand: `netops allocations update` adds new sites and links, keeping everything recorded.",
        "# A site keeps its allocations whatever its ward or district becomes; a site removed from the intent keeps",
        "# them until `netops allocations release SLUG`; a site renamed without a pinned `slug:` moves with",
        "# `netops allocations rename OLD NEW`. See docs/allocations.md.",
        "# yamllint disable rule:line-length",
        f"version: {record.version}",
        "sites:" if record.sites else "sites: {}",
        *(site_line(slug, entry) for slug, entry in sorted(record.sites.items())),
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class RecordChange:
    """One site whose entry an update adds or changes."""

    slug: str
    before: SiteAllocation | None
    after: SiteAllocation

    def line(self) -> str:
        """The change as `allocations update --check` lists it."""
        if self.before is None:
            return f"add {site_line(self.slug, self.after).strip()}"
        moved = [f"{ref}: {self.before.ports.get(ref, '-')} -> {port}" for ref, port in self.after.ports.items()
                 if self.before.ports.get(ref) != port]
        moved += [f"{ref}: {port} -> -" for ref, port in self.before.ports.items() if ref not in self.after.ports]
        return f"change {self.slug}: ports " + ", ".join(moved)


def changes(before: AllocationRecord | None, after: AllocationRecord) -> list[RecordChange]:
    """The sites whose entries differ between two records, by slug."""
    kept = before.sites if before is not None else {}
    return [RecordChange(slug, kept.get(slug), entry) for slug, entry in sorted(after.sites.items())
            if kept.get(slug) != entry]


def renamed(record: AllocationRecord, old: str, new: str) -> AllocationRecord:
    """The record with site ``old`` under slug ``new``; the ports other sites hold on its devices follow the
    devices whose names derive from the slug (``<slug>-r01``), so they stay held."""
    derived = re.compile(rf"^{re.escape(old)}(-(?:{'|'.join(ROLE_ABBREVIATION.values())})\d{{2}}:)")

    def moved(entry: SiteAllocation) -> SiteAllocation:
        ports = {ref: derived.sub(rf"{new}\1", port) for ref, port in entry.ports.items()}
        return entry if ports == entry.ports else entry.model_copy(update={"ports": ports})

    return AllocationRecord(version=record.version,
                            sites={new if slug == old else slug: moved(entry) for slug, entry in record.sites.items()})
