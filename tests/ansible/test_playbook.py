"""netops.ansible.playbook: the hosts of an ansible-playbook run counted done as their plays end, on a real run."""

import sys
from pathlib import Path

from netops.ansible.playbook import HostsDone, run_playbook
from netops.progress import Counter
from tests.terminal import REPO, environment


class Counted(Counter):
    """A task that keeps every advance, in order."""

    def __init__(self, description: str, total: int | None) -> None:
        super().__init__(description, total)
        self.advances: list[int] = []

    def advance(self, count: int = 1) -> None:
        super().advance(count)
        self.advances.append(count)


class Recorder:
    """A Progress that keeps its lines and tasks."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tasks: list[Counted] = []

    def __call__(self, message: str) -> None:
        self.lines.append(message)

    def task(self, description: str, total: int | None) -> Counted:
        self.tasks.append(Counted(description, total))
        return self.tasks[-1]


OUTPUT = """
PLAY [Render the device configs from the model] ********************************

TASK [Render] ******************************************************************
changed: [localhost]

PLAY [Provision the aggregation routers] ***************************************

TASK [citynet.netops.frr_config : Push] ****************************************
ok: [agg-01]
changed: [agg-02] => (item=frr.conf)
ok: [agg-02 -> localhost]

PLAY [Provision the site routers] **********************************************

TASK [citynet.netops.frr_config : Push] ****************************************
fatal: [site-r01]: UNREACHABLE! => changed=false
ok: [stranger]

PLAY RECAP *********************************************************************
agg-01                     : ok=1    changed=0    unreachable=0    failed=0
"""


def test_hosts_are_done_when_their_play_ends_each_once() -> None:
    task = Counted("provision", 3)
    counter = HostsDone(["agg-01", "agg-02", "site-r01"], task)
    for line in OUTPUT.splitlines():
        counter.line(line)
    counter.end_of_play()
    assert task.advances == [2, 1]  # localhost and hosts not asked for are not counted
    assert counter.done == {"agg-01", "agg-02", "site-r01"}


PLAYBOOK = """\
- name: First
  hosts: first
  gather_facts: false
  tasks:
    - name: Fail on one host
      ansible.builtin.fail:
        msg: refused
      when: inventory_hostname == 'b'
    - name: Say
      ansible.builtin.debug:
        msg: hello
- name: Second
  hosts: second
  gather_facts: false
  tasks:
    - name: Say
      ansible.builtin.debug:
        msg: hello
"""


def test_a_real_run_counts_every_host_and_keeps_its_output(tmp_path: Path) -> None:
    # YAML: the project's ansible.cfg (the rollout's) enables only its own inventory plugin and yaml.
    (tmp_path / "hosts.yml").write_text(
        "all:\n  vars:\n    ansible_connection: local\n"
        f"    ansible_python_interpreter: {sys.executable}\n"
        "  children:\n    first:\n      hosts:\n        a:\n        b:\n    second:\n      hosts:\n        c:\n")
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    progress = Recorder()
    done = run_playbook([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"),
                         str(tmp_path / "play.yml")], cwd=REPO, env=environment(), hosts=["a", "b", "c"],
                        progress=progress, description="play.yml: hosts")
    assert done.returncode == 2, done.stdout + done.stderr  # a host failed
    assert "PLAY RECAP" in done.stdout and "fatal: [b]" in done.stdout
    [task] = progress.tasks
    assert (task.description, task.total, task.finished) == ("play.yml: hosts", 3, True)
    assert task.advances == [2, 1]
