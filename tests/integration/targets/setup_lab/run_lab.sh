#!/usr/bin/env bash
# Run PLAYBOOK of the calling target (its working directory) against the reference lab, and take
# the lab down at exit. Shared by the targets' runme.sh.
# Usage: exec ../setup_lab/run_lab.sh [--story] PLAYBOOK [ansible-playbook options]
# --story: the playbook plays the write-up's story first: it gets lab_intent_dir (the write-up's
# intent, examples/lab/). Every playbook runs with a home whose ~/.ssh/known_hosts is the lab's.
# Settings (ansible-test passes no environment through): tests/integration/integration_config.yml,
# for example "setup_lab_topology: /path/to/topology.yml", or "setup_lab_base: 127.N" (default auto:
# free 127.N.x.y addresses picked per run, never those of a running lab).
set -eux
story=false
if [ "${1:-}" = "--story" ]; then
    story=true
    shift
fi
export ANSIBLE_ROLES_PATH="${ANSIBLE_ROLES_PATH:-$(cd .. && pwd)}"
export LISPNET_LAB_STATE_DIR="${LISPNET_LAB_STATE_DIR:-${OUTPUT_DIR:-$(mktemp -d)}/lab}"
inventory="${INVENTORY_PATH:-localhost,}"
extra=()
if [ -f ../../integration_config.yml ]; then
    extra+=(-e @../../integration_config.yml)
fi
if [ "${story}" = true ]; then
    # The write-up's intent (examples/lab/) ships with the collection: find the collection
    # ansible-test installed (ANSIBLE_COLLECTIONS_PATH), else this source tree.
    intent=""
    IFS=: read -r -a collection_paths <<< "${ANSIBLE_COLLECTIONS_PATH:-}"
    candidates=()
    for path in "${collection_paths[@]}"; do
        candidates+=("${path}/ansible_collections/lispnet/lisp/examples/lab")
    done
    candidates+=("$(cd ../../../.. && pwd)/examples/lab")
    for dir in "${candidates[@]}"; do
        if [ -f "${dir}/lab.yml" ]; then
            intent="$(cd "${dir}" && pwd)"
            break
        fi
    done
    [ -n "${intent}" ] || { echo "examples/lab of lispnet.lisp not found" >&2; exit 1; }
    extra+=(-e "lab_intent_dir=${intent}")
fi
# A ping over ansible.netcommon.network_cli checks host keys against ~/.ssh/known_hosts only: give
# ansible-playbook a home whose known_hosts is the lab's (as scripts/lab does), never the user's.
lab_home="$(mktemp -d)"
mkdir -p "${lab_home}/.ssh"
chmod 700 "${lab_home}" "${lab_home}/.ssh"
ln -s "${LISPNET_LAB_STATE_DIR}/known_hosts" "${lab_home}/.ssh/known_hosts"
cleanup() {
    HOME="${lab_home}" ansible-playbook -i "${inventory}" "${extra[@]}" ../setup_lab/lab_down.yml
    rm -rf "${lab_home}"
}
trap cleanup EXIT
HOME="${lab_home}" ansible-playbook -i "${inventory}" "${extra[@]}" "$@"
