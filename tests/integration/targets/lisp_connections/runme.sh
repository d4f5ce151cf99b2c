#!/usr/bin/env bash
# Every module over the four ways to reach a device: ansible.netcommon.network_cli and
# ansible.netcommon.netconf (persistent connections, inventory written the cisco.ios way, no
# lispnet_* variable), and the direct SSH CLI and NETCONF transports (ansible_connection=local).
# The lab runs on 127.0.81.1-127.0.83.1 (topology.yml), apart from the default lab's addresses.
set -eux
state="${OUTPUT_DIR:-$(mktemp -d)}/lab-connections"
python=(python)
if ! python -c 'import lispxtr' 2>/dev/null; then
    python=("$(command -v python3)")
fi
empty_home="$(mktemp -d)"
# Ansible keeps the persistent connections' sockets under ~/.ansible/pc: with HOME in the (long) lab
# directory the socket path would pass the 108 bytes of AF_UNIX, so they go to a short folder.
control_dir="$(mktemp -d)"
export ANSIBLE_PERSISTENT_CONTROL_PATH_DIR="${control_dir}"
cleanup() {
    "${python[@]}" -m lispxtr.cli lab down --state-dir "${state}" || true
    rm -rf "${empty_home}" "${control_dir}"
}
trap cleanup EXIT
"${python[@]}" -m lispxtr.cli lab down --state-dir "${state}" >/dev/null 2>&1 || true
"${python[@]}" -m lispxtr.cli lab up --topology "$(pwd)/topology.yml" --state-dir "${state}"
# The lab writes its inventory in the cisco.ios form too (inventory-network_cli.yml,
# inventory-netconf.yml: no lispnet_* variable) and a home whose ~/.ssh/known_hosts is the lab's:
# network_cli (paramiko) and netconf (ncclient) check host keys there, never trust on first use.
for way in network_cli netconf; do
    if grep -q lispnet_ "${state}/inventory-${way}.yml"; then
        echo "inventory-${way}.yml has a lispnet_* variable" >&2
        exit 1
    fi
    test "$(stat -c %a "${state}/inventory-${way}.yml")" = 600
done
cmp "${state}/known_hosts" "${state}/home/.ssh/known_hosts"
# netcommon's network_cli would add an unknown key by itself (host_key_auto_add): off, as documented
# (the modules refuse an unknown key over network_cli either way: see failures.yml).
export HOME="${state}/home" ANSIBLE_HOST_KEY_CHECKING=true ANSIBLE_HOST_KEY_AUTO_ADD=false

ansible-playbook -i "${state}/inventory-network_cli.yml" ways.yml -e way=network_cli "$@"
ansible-playbook -i "${state}/inventory-netconf.yml" ways.yml -e way=netconf "$@"
ansible-playbook -i "${state}/inventory.yml" ways.yml -e way=cli -e lispnet_transport=cli "$@"
ansible-playbook -i "${state}/inventory.yml" ways.yml -e way=netconf_direct -e lispnet_transport=netconf "$@"

# No known_hosts at all: refused over both connections, whatever host_key_auto_add says.
for auto_add in true false; do
    HOME="${empty_home}" ANSIBLE_HOST_KEY_AUTO_ADD="${auto_add}" \
        ansible-playbook -i "${state}/inventory-network_cli.yml" failures.yml -e expect=network_cli "$@"
done
HOME="${empty_home}" ansible-playbook -i "${state}/inventory-netconf.yml" failures.yml -e expect=netconf "$@"
# the persistent connections have closed now: none of them wrote a key
test ! -e "${empty_home}/.ssh/known_hosts"
