#!/usr/bin/env bash
# lisp_sites against the reference lab, over NETCONF and over the SSH CLI.
# Settings (ansible-test passes no environment through): tests/integration/integration_config.yml,
# for example "setup_lab_topology: /path/to/topology.yml" to run the lab on other 127.x addresses.
set -eux
export ANSIBLE_ROLES_PATH="${ANSIBLE_ROLES_PATH:-$(cd .. && pwd)}"
export LISPNET_LAB_STATE_DIR="${LISPNET_LAB_STATE_DIR:-${OUTPUT_DIR:-$(mktemp -d)}/lab}"
inventory="${INVENTORY_PATH:-localhost,}"
extra=()
if [ -f ../../integration_config.yml ]; then
    extra+=(-e @../../integration_config.yml)
fi
trap 'ansible-playbook -i "${inventory}" "${extra[@]}" ../setup_lab/lab_down.yml' EXIT
ansible-playbook -i "${inventory}" "${extra[@]}" main.yml "$@"
