"""The house YAML style of the files netops writes into an intent: list items indented under their key, as
yamllint (.yamllint) and the engineers write them."""

import yaml


class IndentedDumper(yaml.SafeDumper):
    """SafeDumper with list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)
