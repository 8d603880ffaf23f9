"""The batches a playbook runs its hosts in, as Ansible itself computes them (benchmarks only).

`python benchmarks/ansible_batches.py OUT.json ANSIBLE-PLAYBOOK-ARGUMENTS...` runs `ansible-playbook
--list-hosts` with those arguments (the same inventory plugin, `--limit`, `-e` variables, templated play `hosts`
patterns, `serial` and `order`), and for each play it lists asks Ansible's own `PlaybookExecutor` for the play's
serialized batches. OUT.json gets {"forks": N, "plays": [{"name", "hosts", "batches": [[host, ...], ...]}]}.
bench_provision.py runs its floor in the same batches, so the order and the blast radius are the playbook's,
not a copy of them.
"""

import json
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    """Write the plays' batches of the playbook given on the command line."""
    from ansible import context
    from ansible.cli.playbook import PlaybookCLI
    from ansible.executor.playbook_executor import PlaybookExecutor

    out = Path(sys.argv[1])
    plays: list[dict[str, Any]] = []
    listing = PlaybookExecutor.run

    def run(executor: PlaybookExecutor) -> Any:
        result = listing(executor)
        for entry in result:
            for play in entry["plays"]:
                executor._inventory.remove_restriction()  # as the executor does before each play it runs
                batches = executor._get_serialized_batches(play)
                plays.append({"name": play.get_name(), "hosts": play.hosts,
                              "batches": [[host.name for host in batch] for batch in batches]})
        out.write_text(json.dumps({"forks": context.CLIARGS["forks"], "plays": plays}))
        return result

    PlaybookExecutor.run = run  # type: ignore[method-assign]  # the listing, plus each play's batches
    PlaybookCLI.cli_executor(["ansible-playbook", *sys.argv[2:], "--list-hosts"])  # exits with its code


if __name__ == "__main__":
    main()
