"""Adding an entry to a YAML file as text: every other byte kept, whatever the file's indentation and comments."""

import pytest
import yaml

from netops.site.yamledit import NotInsertableError, append_to_list, insert_sorted_entry

ITEM = ["  - name: New", "    lans:", "      - {role: staff, hosts: 4}"]


@pytest.mark.parametrize(("before", "after"), [
    ("# head\nunit: {code: '1'}\nsites:\n  - name: A  # first\n    kind: x\n# trailing comment\n",
     "# head\nunit: {code: '1'}\nsites:\n  - name: A  # first\n    kind: x\n  - name: New\n    lans:\n"
     "      - {role: staff, hosts: 4}\n# trailing comment\n"),
    ("sites:\n- name: A\nother: 1\n",
     "sites:\n- name: A\n- name: New\n  lans:\n    - {role: staff, hosts: 4}\nother: 1\n"),
    ("sites: []  # none yet\n",
     "sites:  # none yet\n  - name: New\n    lans:\n      - {role: staff, hosts: 4}\n"),
    ("unit: {code: '1'}", "unit: {code: '1'}\nsites:\n  - name: New\n    lans:\n      - {role: staff, hosts: 4}\n"),
    ("sites:\n  - note: |\n      two\n      lines\n",
     "sites:\n  - note: |\n      two\n      lines\n  - name: New\n    lans:\n      - {role: staff, hosts: 4}\n"),
], ids=["comments-kept", "unindented-list", "empty-flow-list", "no-list-yet", "block-scalar-last"])
def test_a_list_item_is_appended_and_nothing_else_changes(before: str, after: str) -> None:
    assert append_to_list(before, "sites", ITEM, "f.yml") == after
    assert yaml.safe_load(after)["sites"][-1] == {"name": "New", "lans": [{"role": "staff", "hosts": 4}]}


@pytest.mark.parametrize("text", ["sites: [{name: A}]\n", "sites:\n", "sites: {a: 1}\n", "- a\n"],
                         ids=["one-line-list", "null", "mapping", "not-a-mapping"])
def test_a_list_that_cannot_take_an_item_as_text_is_refused(text: str) -> None:
    with pytest.raises(NotInsertableError):
        append_to_list(text, "sites", ITEM, "f.yml")


@pytest.mark.parametrize(("before", "after"), [
    ("version: 1\nsites:\n  a: {key: 1}\n  c: {key: 3}\n", "version: 1\nsites:\n  a: {key: 1}\n  b: {key: 2}\n"
     "  c: {key: 3}\n"),
    ("version: 1\nsites:\n  a: {key: 1}\n", "version: 1\nsites:\n  a: {key: 1}\n  b: {key: 2}\n"),
    ("version: 1\nsites: {}\n", "version: 1\nsites:\n  b: {key: 2}\n"),
    ("sites:\n  c: {key: 3}\n", "sites:\n  b: {key: 2}\n  c: {key: 3}\n"),
], ids=["middle", "last", "empty", "first"])
def test_a_mapping_entry_goes_where_its_key_sorts(before: str, after: str) -> None:
    assert insert_sorted_entry(before, "sites", "b", "  b: {key: 2}", "f.yml") == after
