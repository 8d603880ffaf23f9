# shellcheck shell=bash
# What scripts/demo-lab and scripts/twin both do around a lab: the lab lock, the Ansible inventory of the netops
# plugin, the playbook runs over the lab's routers and the figures of their PLAY RECAP. Sourced, not run; the
# caller sets ROOT (the checkout) and OUT (where logs and reports go) first.

LOCK=/run/lock/netops-lab-tests.lock  # one lab per machine: take turns with the lab tests and benchmarks

step() { printf '\n== %s\n' "$*"; }

recap_changed() {  # the sum of changed= over the PLAY RECAP of an ansible-playbook log
    awk '/^PLAY RECAP/ {on=1; next} on && /changed=/ {split($0, a, "changed="); split(a[2], b, " "); s += b[1]}
         END {print s + 0}' "$1"
}

recap_failed() {
    awk '/^PLAY RECAP/ {on=1; next} on && /failed=/ {split($0, a, "failed="); split(a[2], b, " "); s += b[1]}
         END {print s + 0}' "$1"
}

take_lab_lock() {  # held on fd 9 until the caller exits
    if [[ -n ${NETOPS_LAB_LOCK_FD:-} ]]; then
        # The caller (a lab test) holds the lock and handed its descriptor down: locking it again is ours at once,
        # where a lock of our own on the file would wait for the caller forever.
        flock "$NETOPS_LAB_LOCK_FD"
        return
    fi
    exec 9>>"$LOCK"
    if ! flock -n 9; then
        echo "waiting for the lab lock ($LOCK: another lab run on this machine)"
        flock 9
    fi
}

lab_devices() {  # the lab's routers, comma-separated (what the playbooks are limited to): a switch's namespace
    # has its links and management only, no configuration agent to push to (docs/lab.md), so it is left out
    netops lab status --json | python3 -c 'import json, sys
print(",".join(sorted(r["device"] for r in json.load(sys.stdin)["routers"] if r["daemons"])))'
}

count_devices() {  # count_devices LIST: how many devices a comma-separated list names
    tr ',' '\n' <<<"$1" | grep -c .
}

load_lab_secrets() {  # the render secrets the routers are pushed with (made by `netops lab up`)
    set -a
    # shellcheck disable=SC1091
    . "$NETOPS_LAB_HOME/secrets.env"
    set +a
}

write_inventory() {  # write_inventory DIR SOURCE INTENT WRITER: the netops inventory plugin reading SOURCE
    local dir=$1 source=$2 intent=$3 writer=$4
    mkdir -p "$dir"
    cat >"$dir/netops.yml" <<INVENTORY
# Written by $writer: the netops inventory plugin reading $source.
plugin: citynet.netops.netops
source: $source
intent: $intent
configs: $OUT/configs
INVENTORY
    # The checkout's settings for the lab (inventory/group_vars) beside this inventory, as beside inventory/netops.yml.
    ln -sfn "$ROOT/inventory/group_vars" "$dir/group_vars"
}

show_inventory() {  # show_inventory DIR: its graph into $OUT/inventory.txt, its devices by district and role
    ansible-inventory -i "$1/netops.yml" --graph >"$OUT/inventory.txt"
    ansible-inventory -i "$1/netops.yml" --list | python3 -c 'import json, sys
data = json.load(sys.stdin)
hosts = data["_meta"]["hostvars"]
print(f"{len(hosts)} devices")
for parent in ("districts", "roles"):
    groups = data.get(parent, {}).get("children", [])
    sizes = [len(data.get(group, {}).get("hosts", [])) for group in groups]
    print(f"  {parent}: " + ", ".join(f"{group} ({size})" for group, size in zip(groups, sizes)))'
}

play_on() {  # play_on INVENTORY DEVICES LOG PLAYBOOK [ARGS...]: a playbook on those devices, its log kept
    local inventory=$1 devices=$2 log=$3 playbook=$4
    shift 4
    ansible-playbook -i "$inventory" "playbooks/$playbook" --limit "$devices,localhost" \
        -e "provision_configs=$OUT/configs" "$@" >"$log" 2>&1
}
