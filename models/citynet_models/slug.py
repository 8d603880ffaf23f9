"""Deterministic ASCII slugs from Vietnamese display names."""

import re
import unicodedata

from text_unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Return the ASCII slug of a display name.

    The same name always gives the same slug, on every machine: NFC first (so composed and
    decomposed diacritics agree), then transliteration (Đ becomes D), lower case, and runs of
    anything else collapsed to one hyphen.

    >>> slugify("Phường Phúc Xá")
    'phuong-phuc-xa'
    >>> slugify("UBND Quận Ba Đình")
    'ubnd-quan-ba-dinh'
    """
    ascii_text = unidecode(unicodedata.normalize("NFC", text)).lower()
    return _NON_ALNUM.sub("-", ascii_text).strip("-")
