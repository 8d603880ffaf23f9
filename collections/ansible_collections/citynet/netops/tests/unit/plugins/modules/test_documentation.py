"""Each module's documented options (its DOCUMENTATION with the doc fragments it extends) are its argument spec:
the same names, types, element types, defaults, choices and required flags; secrets are not logged."""

import importlib

import pytest
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import add_fragments, get_docstring
from ansible_collections.citynet.netops.plugins.module_utils.netops_task import SPECS

MODULES = sorted(SPECS)


def _documented(name):
    module = importlib.import_module(f"ansible_collections.citynet.netops.plugins.modules.{name}")
    return get_docstring(module.__file__, fragment_loader, collection_name="citynet.netops")[0]


@pytest.mark.parametrize("name", MODULES)
def test_documented_options_are_the_argument_spec(name):
    options = _documented(name)["options"]
    spec = SPECS[name].argument_spec
    assert set(options) == set(spec)
    for option, argument in spec.items():
        documented = options[option]
        assert documented.get("type", "str") == argument.get("type", "str"), option
        assert documented.get("elements") == argument.get("elements"), option
        assert bool(documented.get("required", False)) == bool(argument.get("required", False)), option
        assert documented.get("choices") == argument.get("choices"), option
        assert documented.get("default") == argument.get("default"), option


@pytest.mark.parametrize("name", MODULES)
def test_every_module_documents_its_requirements_attributes_examples_and_return(name):
    module = importlib.import_module(f"ansible_collections.citynet.netops.plugins.modules.{name}")
    docs = _documented(name)
    assert any(requirement.startswith("city-netops") for requirement in docs["requirements"])
    assert {"check_mode", "diff_mode", "platform", "action"} <= set(docs["attributes"])
    assert f"citynet.netops.{name}:" in module.EXAMPLES
    assert module.RETURN.strip()


def test_passwords_and_secrets_are_not_logged():
    for name, spec in SPECS.items():
        for option, argument in spec.argument_spec.items():
            if option in ("password", "secrets"):
                assert argument.get("no_log") is True, (name, option)


assert add_fragments  # the loader get_docstring uses to merge the fragments
