"""The inventory plugin's configuration checked against its options, without Ansible (the same through the real
ansible-inventory: tests/ansible/cases/invalid)."""

from pathlib import Path

from netops.ansible.plugin_options import option_problems

DEFINITIONS = {"plugin": {"choices": ["citynet.netops.netops", "netops"]}, "source": {"choices": ["intent", "netbox"]},
               "strict": {"type": "bool"}, "keyed_groups": {"type": "list"}, "compose": {"type": "dict"},
               "cache_timeout": {"type": "int"}}


def test_a_valid_configuration_has_no_problem(tmp_path: Path) -> None:
    config = {"plugin": "netops", "source": "netbox", "strict": False, "keyed_groups": [], "compose": {},
              "cache_timeout": 60}

    assert option_problems(tmp_path / "netops.yml", config, DEFINITIONS) is None


def test_each_problem_with_the_line_of_its_key(tmp_path: Path) -> None:
    path = tmp_path / "netops.yml"
    path.write_text('plugin: netops\n# a comment: not a key\n"sourse": intent\nstrict: "yes"\ncompose: [a]\n'
                    "keyed_groups:\n  - key: tenant\nsource: nbox\n")
    config = {"plugin": "netops", "sourse": "intent", "strict": "yes", "compose": ["a"],
              "keyed_groups": [{"key": "tenant"}], "source": "nbox"}

    problems = option_problems(path, config, DEFINITIONS)

    assert problems is not None
    assert f"{path}:3: unknown option 'sourse' for the netops inventory plugin" in problems
    assert "hint:     did you mean 'source'?" in problems
    assert f"{path}:4: option 'strict' has the wrong type\n  expected: true or false\n  found:    'yes'" in problems
    assert f"{path}:5: option 'compose' has the wrong type\n  expected: a mapping" in problems
    assert f"{path}:8: option 'source' has a value it does not take\n  expected: one of intent, netbox" in problems
    assert "option 'keyed_groups'" not in problems and problems.count("\n  hint:") == 4


def test_a_key_whose_line_cannot_be_found_is_named_with_the_file(tmp_path: Path) -> None:
    problems = option_problems(tmp_path / "missing.yml", {"bogus": 1}, DEFINITIONS)

    assert problems is not None and problems.startswith(f"{tmp_path / 'missing.yml'}: unknown option 'bogus'")
    assert "hint:     remove it, or spell it as one of the options above" in problems
