"""Adding an entry to a YAML file as text, or removing a list item: every other byte kept, whatever the file's
indentation and comments."""

import pytest
import yaml

from netops.site.yamledit import NotInsertableError, append_to_list, insert_sorted_entry, remove_list_item

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


@pytest.mark.parametrize(("before", "index", "after"), [
    ("# head\nsites:\n  - name: A  # first\n    kind: x\n  # about B\n  - name: B\n    kind: y\nother: 1\n", 0,
     "# head\nsites:\n  # about B\n  - name: B\n    kind: y\nother: 1\n"),
    ("sites:\n- name: A\n- name: B\n  lans:\n    - {role: staff}\n# trailing comment\n", 1,
     "sites:\n- name: A\n# trailing comment\n"),
    ("unit: {code: '1'}\nsites:  # the unit's\n  - name: A\n    kind: x\n", 0,
     "unit: {code: '1'}\nsites: []  # the unit's\n"),
], ids=["first-the-next-ones-comment-kept", "last-of-an-unindented-list", "the-only-item"])
def test_a_list_item_is_removed_and_nothing_else_changes(before: str, index: int, after: str) -> None:
    assert remove_list_item(before, "sites", index, "f.yml") == after
    kept = yaml.safe_load(after)["sites"]
    assert kept == [item for i, item in enumerate(yaml.safe_load(before)["sites"]) if i != index]


@pytest.mark.parametrize(("text", "index"), [("sites: [{name: A}]\n", 0), ("sites:\n  - a\n", 1),
                                              ("sites: {a: 1}\n", 0), ("unit: 1\n", 0)],
                         ids=["one-line-list", "no-such-item", "mapping", "no-list"])
def test_an_item_that_cannot_be_removed_as_text_is_refused(text: str, index: int) -> None:
    with pytest.raises(NotInsertableError):
        remove_list_item(text, "sites", index, "f.yml")
