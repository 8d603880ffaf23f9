"""Per-site variables: free-form values an engineer attaches to a site, which reach Ansible as host variables.

A site's `vars:` in intent (a maintenance window, a contact, a local setting a playbook reads) travel through the
model and NetBox to every device of the site in the Ansible inventory, under their own names. Their names must
be usable there: a Jinja2/Ansible identifier that neither shadows one of Ansible's own names (a play keyword
such as `tags` or `serial`, a magic variable such as `groups`) nor takes the `ansible_` or `netops_` prefixes,
which belong to Ansible's connection settings and to the variables netops itself gives every host, nor take one
of the names the inventory gives every host as netbox.netbox.nb_inventory does (site, role, platform, ...).
"""

import keyword
from typing import Annotated, Any

from pydantic import AfterValidator, Field, JsonValue, StringConstraints
from pydantic_core import PydanticCustomError

#: Ansible's reserved names (`ansible.vars.reserved.get_reserved_names()`, ansible-core 2.21): play, role, block and
#: task keywords. Kept here because the models import nothing of Ansible; tests/models compares it with Ansible's.
ANSIBLE_RESERVED_NAMES = frozenset({
    "action", "always", "any_errors_fatal", "args", "async", "async_val", "become", "become_exe", "become_flags",
    "become_method", "become_user", "block", "changed_when", "check_mode", "collections", "connection", "cycler",
    "debugger", "delay", "delegate_facts", "delegate_to", "dict", "diff", "environment", "fact_path", "failed_when",
    "force_handlers", "gather_facts", "gather_timeout", "handlers", "hosts", "ignore_errors", "ignore_unreachable",
    "joiner", "lipsum", "local_action", "lookup", "loop", "loop_control", "loop_with", "max_fail_percentage",
    "module_defaults", "name", "namespace", "no_log", "notify", "now", "omit", "order", "poll", "port", "post_tasks",
    "pre_tasks", "q", "query", "range", "register", "remote_user", "rescue", "retries", "roles", "run_once", "serial",
    "strategy", "tags", "tasks", "throttle", "timeout", "undef", "until", "validate_argspec", "vars", "vars_files",
    "vars_prompt", "when", "with_",
})
#: Ansible's magic variables, which it sets itself for every host and play.
ANSIBLE_MAGIC_NAMES = frozenset({
    "hostvars", "groups", "group_names", "inventory_hostname", "inventory_hostname_short", "inventory_dir",
    "inventory_file", "playbook_dir", "play_hosts", "role_name", "role_names", "role_path", "item",
})
#: The variables the netops inventory plugin gives every host under netbox.netbox.nb_inventory's names, so a
#: playbook written against NetBox's own inventory plugin reads them unchanged.
INVENTORY_NAMES = frozenset({"site", "role", "platform", "tenant", "regions", "status", "primary_ip4", "oob_ip"})
#: Prefixes of variables that are not the site's to set.
RESERVED_PREFIXES = ("ansible_", "netops_")


#: pydantic error type of a rule broken by a value: its context carries message, expected, found and hint, which
#: netops.intent.schema_errors turns into a Problem.
RULE_ERROR = "netops_rule"


def _usable_name(name: str) -> str:
    prefix = next((p for p in RESERVED_PREFIXES if name.startswith(p)), None)
    if prefix is not None:
        raise PydanticCustomError(RULE_ERROR, "{message}", {
            "message": f"variable name starts with the reserved prefix {prefix!r}",
            "expected": "a name of the site's own (ansible_ is Ansible's connection settings, netops_ the "
                        "variables netops gives every host)",
            "found": repr(name), "hint": f"rename it, e.g. {'site_' + name.removeprefix(prefix)!r}"})
    if name in ANSIBLE_RESERVED_NAMES or name in ANSIBLE_MAGIC_NAMES or keyword.iskeyword(name):
        raise PydanticCustomError(RULE_ERROR, "{message}", {
            "message": "variable name is one of Ansible's own",
            "expected": "a name that is not a play keyword, a magic variable or a Python keyword",
            "found": repr(name), "hint": f"Ansible would refuse or shadow it; rename it, e.g. {'site_' + name!r}"})
    if name in INVENTORY_NAMES:
        raise PydanticCustomError(RULE_ERROR, "{message}", {
            "message": "variable name is one the inventory gives every host",
            "expected": f"a name other than {', '.join(sorted(INVENTORY_NAMES))} (the device's NetBox site, role, "
                        "platform, tenant, regions, status and addresses, as nb_inventory names them)",
            "found": repr(name), "hint": f"rename it, e.g. {'site_' + name!r}"})
    return name


VariableName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$", max_length=64),
    AfterValidator(_usable_name),
    Field(description="Variable name: lower-case letters, digits and underscores, not starting with a digit"),
]
def _sorted(value: Any) -> Any:
    """Mappings in key order, at every depth: the canonical form. NetBox keeps JSON as PostgreSQL jsonb, which
    reorders keys, so the order written in intent could not survive a round trip anyway."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


SiteVariables = Annotated[
    dict[VariableName, JsonValue],
    AfterValidator(_sorted),
    Field(description="Free-form variables of the site (strings, numbers, booleans, lists, mappings), "
                      "given to Ansible as host variables of the site's devices"),
]
