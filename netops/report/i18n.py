"""The report's words in Vietnamese (the default, for the city's planners) and English (`netops report --lang en`).

One catalog per language, as Python dictionaries with the same keys: mypy checks them, nothing is compiled
(gettext would need .mo files built and shipped), and tests/report/test_i18n.py checks the two catalogs have
the same keys, that every enum value the report shows has a word in both, and that their placeholders agree.
Keys are dotted: ``col.*`` column heads, ``<domain>.<value>`` the values of an enum (``kind.party_agency``),
everything else a sentence of a page, with ``{name}`` placeholders filled by :meth:`Words.__call__`.

The CSV exports keep the machine's words (column keys and enum values): scripts read them, and they do not
change with the language.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from netops.report.catalog import EN, VI


class Lang(StrEnum):
    """A language of the report."""

    VI = "vi"
    EN = "en"


CATALOGS: dict[Lang, dict[str, str]] = {Lang.VI: VI, Lang.EN: EN}

#: Enum domains whose values pass through untranslated when the catalog has no word for them (names of groups
#: and rows that are data, next to the few the report itself adds, such as ``city`` and ``total``).
OPEN_DOMAINS = frozenset({"row"})
#: Vietnamese writes "." between thousands and "," before decimals: the reverse of Python's format.
_VI_SEPARATORS = str.maketrans(",.", ".,")


@dataclass(frozen=True)
class Words:
    """The catalog of one language, with its way of writing numbers and dates."""

    lang: Lang

    @property
    def catalog(self) -> dict[str, str]:
        return CATALOGS[self.lang]

    def __call__(self, key: str, **params: object) -> str:
        """The sentence ``key`` with its placeholders filled."""
        text = self.catalog[key]
        return text.format(**params) if params else text

    def value(self, domain: str, value: object) -> str:
        """An enum value in words (``value('kind', 'party_agency')``); empty for None or ''."""
        if value is None or value == "":
            return ""
        key = f"{domain}.{value}"
        if domain in OPEN_DOMAINS and key not in self.catalog:
            return str(value)
        return self.catalog[key]

    def column(self, key: str) -> str:
        """A column head."""
        return self.catalog[f"col.{key}"]

    def number(self, value: float, digits: int | None = None) -> str:
        """1.234.567 and 12,5 in Vietnamese; 1,234,567 and 12.5 in English."""
        text = f"{value:,.{digits}f}" if digits is not None else f"{value:,}"
        if self.lang is Lang.VI:
            text = text.translate(_VI_SEPARATORS)
        return text

    def date(self, when: datetime) -> str:
        """dd/mm/yyyy HH:MM in Vietnamese, yyyy-mm-dd HH:MM in English (UTC either way)."""
        return when.strftime("%d/%m/%Y %H:%M UTC" if self.lang is Lang.VI else "%Y-%m-%d %H:%M UTC")

    def iso_date(self, text: str | None) -> str:
        """An ISO 8601 time of the analyses ('2026-12-01T08:00:00Z') as :meth:`date` writes it."""
        if not text:
            return ""
        return self.date(datetime.fromisoformat(text.replace("Z", "+00:00")))
