#!/usr/bin/env bash
# Test stage `newcomer` (scripts/test newcomer): a new user's path through the README, on a fresh
# clone of HEAD in a temporary folder, with the README's command blocks run verbatim (the blocks
# after a `<!-- newcomer: run -->` line, extracted from the README itself so that it cannot drift):
#   1. scripts/bootstrap, activate .venv, ansible-doc lispnet.lisp.lisp_xtr;
#   2. scripts/lab, the main job, on addresses of its own (LISPNET_LAB_TOPOLOGY);
#   3. the real-router block, twice, aimed at a running lab through an inventory shaped like
#      examples/inventory-iosxe.yml whose intent omits optional settings: --check --diff shows the
#      change with keys masked, the real run applies it, verify.yml passes; the second time
#      deploy.yml reports changed=0;
# then what the README promises around it: a bad value's error is shown (not hidden by no_log), an
# inventory without intent fails by host name, no secret is printed, and the main job's SSH CLI
# refuses a router whose host key is not known (known_hosts left untouched).
# Usage: tests/newcomer/newcomer.sh REPOSITORY   (REPOSITORY: the clone's source; HEAD is used)
set -uo pipefail
SRC=$(cd "${1:?usage: newcomer.sh REPOSITORY}" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lispnet-newcomer.XXXXXX")
CLONE=$WORK/lisp
LAB=$WORK/lab
export NEWCOMER_OUT=$WORK/out NEWCOMER_LOG=$WORK/out/all.log
mkdir -p "$NEWCOMER_OUT"
checks=0
say() { printf '[newcomer] %s\n' "$*"; }
ok() { checks=$((checks + 1)); say "ok $checks: $*"; }
fail() { say "FAILED: $*"; exit 1; }
cleanup() {
  if [ -x "$CLONE/.venv/bin/lisp-xtr" ]; then
    for dir in "$LAB" "$WORK/mainjob-lab"; do
      [ -f "$dir/lab.json" ] && "$CLONE/.venv/bin/lisp-xtr" lab down --state-dir "$dir" >/dev/null 2>&1
    done
  fi
  if [ "${NEWCOMER_KEEP:-}" != 1 ]; then rm -rf "$WORK"; else say "kept $WORK"; fi
}
trap cleanup EXIT
helper() { python3 "$CLONE/tests/newcomer/helper.py" "$@"; }
# The last step's output (the block scripts number the steps).
last() { cat "$NEWCOMER_OUT/step$step.log"; }

start=$(date +%s)
say "cloning HEAD of $SRC into $CLONE"
git clone -q --no-hardlinks "$SRC" "$CLONE" || fail "git clone"
cd "$CLONE" || exit 1
step=0

# --- block 2: bootstrap, activate, ansible-doc ----------------------------------------------------
t=$(date +%s)
eval "$(helper blocks README.md 2)" || fail "README block 2 (bootstrap, activate, ansible-doc)"
say "bootstrap and first commands: $(( $(date +%s) - t ))s"
last | grep -q 'lispnet.lisp.lisp_xtr' || fail "ansible-doc lispnet.lisp.lisp_xtr printed no documentation"
command -v ansible-playbook | grep -q "^$CLONE/.venv/bin/" || fail "activating .venv did not put its ansible-playbook first on PATH"
ok "scripts/bootstrap, . .venv/bin/activate and ansible-doc lispnet.lisp.lisp_xtr work verbatim"
if grep -q 'CryptographyDeprecationWarning' "$NEWCOMER_LOG"; then fail "the DSA deprecation warning is printed"; fi
ok "no CryptographyDeprecationWarning"

# --- block 1: the main job, on addresses of its own -----------------------------------------------
topology=$WORK/topology.yml
addresses=$(helper topology "$topology") || fail "no free addresses for the lab"
say "the stage's lab runs on $addresses"
t=$(date +%s)
export LISPNET_LAB_TOPOLOGY=$topology LISPNET_LAB_DIR=$WORK/mainjob-lab
eval "$(helper blocks README.md 1)" || fail "README block 1 (scripts/lab)"
unset LISPNET_LAB_TOPOLOGY LISPNET_LAB_DIR
say "scripts/lab: $(( $(date +%s) - t ))s"
last | grep -q '^\s*- \.\.!!!$' || fail "scripts/lab did not show ..!!!"
ok "scripts/lab ran the main job on the stage's own addresses"
helper secrets "$NEWCOMER_OUT/step$step.log" "$WORK/mainjob-lab/inventory.yml" examples/lab/lab.yml || fail "scripts/lab printed a secret"
ok "scripts/lab printed no password or key"
lab_help=$(scripts/lab --help)
test_help=$(scripts/test --help)
grep -q '^Usage: scripts/lab' <<< "$lab_help" || fail "scripts/lab --help does not print its own help"
grep -q '^Usage: scripts/test' <<< "$test_help" || fail "scripts/test --help does not print its own help"
ok "scripts/lab --help and scripts/test --help print their own help"

# --- block 3: the real-router section, against a running lab ----------------------------------------
lisp-xtr lab up --topology "$topology" --state-dir "$LAB" > "$NEWCOMER_OUT/lab-up.log" 2>&1 || { cat "$NEWCOMER_OUT/lab-up.log"; fail "lisp-xtr lab up"; }
helper inventory "$LAB" examples/inventory-iosxe.yml good || fail "writing the inventory"
secret_files=("$LAB/inventory.yml" examples/inventory-iosxe.yml)
# As the README asks of a user: the routers' host keys in ~/.ssh/known_hosts (here the lab's, which
# lisp-xtr lab up wrote); a home of the stage's own, never the real user's.
user_home=$WORK/user-home
mkdir -p "$user_home/.ssh" && chmod 700 "$user_home" "$user_home/.ssh"
cp "$LAB/known_hosts" "$user_home/.ssh/known_hosts"
real_home=$HOME
export HOME=$user_home
eval "$(helper blocks README.md 3)" || fail "README block 3 (deploy --check --diff, deploy, verify), first run"
first=$step
check_log=$NEWCOMER_OUT/step$((first - 2)).log
apply_log=$NEWCOMER_OUT/step$((first - 1)).log
grep -q -- '+.*key: \*\*\*\*\*\*\*\*' "$check_log" || grep -q -- '+.*\*\*\*\*\*\*\*\*' "$check_log" \
  || fail "deploy.yml --check --diff shows no masked key in its diff"
grep -q -- '^+.*192.168.1.0/24' "$check_log" || fail "deploy.yml --check --diff shows no change for SITE1's EID-prefix"
ok "deploy.yml --check --diff shows the change, keys as ********"
for host in SITE1 MR_MS; do
  grep -qE "^$host +: ok=[0-9]+ +changed=[1-9]" "$apply_log" || fail "deploy.yml did not change $host"
done
ok "deploy.yml applied the change"
ok "verify.yml passed"
for log in "$check_log" "$apply_log" "$NEWCOMER_OUT/step$first.log"; do
  helper secrets "$log" "${secret_files[@]}" || fail "a README command printed a secret"
done
ok "the README's real-router commands printed no password or key"
eval "$(helper blocks README.md 3)" || fail "README block 3, second run"
second_apply=$NEWCOMER_OUT/step$((step - 1)).log
if sed -n 's/.* changed=\([0-9]*\) .*/\1/p' "$second_apply" | grep -qv '^0$'; then
  grep -A30 'changed:' "$second_apply" | head -40; fail "the second deploy.yml run changed something"
fi
grep -q 'changed=0' "$second_apply" || fail "the second deploy.yml run shows no recap"
ok "the second run of deploy.yml reports changed=0"

# --- a bad value: the role's error is shown, keys masked ---------------------------------------------
helper inventory "$LAB" "$WORK/bad.yml" bad || fail "writing the bad inventory"
ansible-playbook -i "$WORK/bad.yml" playbooks/deploy.yml --check > "$NEWCOMER_OUT/bad.log" 2>&1 && fail "deploy.yml accepted a priority of 300"
grep -q 'has been hidden' "$NEWCOMER_OUT/bad.log" && fail "the failure is hidden by no_log"
if ! grep -q 'priority' "$NEWCOMER_OUT/bad.log" || ! grep -q '300' "$NEWCOMER_OUT/bad.log"; then
  tail -n 30 "$NEWCOMER_OUT/bad.log"; fail "the failure does not name the setting and the value"
fi
helper secrets "$NEWCOMER_OUT/bad.log" "$WORK/bad.yml" "$LAB/inventory.yml" || fail "the failure printed a secret"
ok "a bad value fails with its setting and value shown, no secret"

# --- an inventory without intent fails by host name ---------------------------------------------------
helper inventory "$LAB" "$WORK/empty.yml" empty || fail "writing the inventory without intent"
ansible-playbook -i "$WORK/empty.yml" playbooks/deploy.yml --check --diff > "$NEWCOMER_OUT/empty.log" 2>&1 \
  && fail "deploy.yml --check --diff passed on an inventory without intent"
for want in "MR_MS: no intent to deploy: neither lisp_mapping_system_config nor" \
            "SITE1: no intent to deploy: lisp_xtr_config" "SITE2: no intent to deploy: lisp_xtr_config"; do
  grep -q "$want" "$NEWCOMER_OUT/empty.log" || { tail -n 30 "$NEWCOMER_OUT/empty.log"; fail "no message '$want'"; }
done
ok "deploy.yml on an inventory without intent fails, naming each host and the missing variables"
export HOME=$real_home

# --- the main job's SSH CLI never trusts an unknown host key -------------------------------------------
home=$WORK/stranger-home
mkdir -p "$home/.ssh" && printf '# no key of the lab here\n' > "$home/.ssh/known_hosts"
before=$(sha256sum < "$home/.ssh/known_hosts")
HOME=$home ansible-playbook playbooks/main.yml -e "lab_state_dir=$LAB" -e "lab_topology=$topology" -e keep_lab=true \
  > "$NEWCOMER_OUT/tofu.log" 2>&1 && fail "the main job's SSH CLI connected to a router whose host key is unknown"
grep -q 'host key verification failed' "$NEWCOMER_OUT/tofu.log" || { tail -n 30 "$NEWCOMER_OUT/tofu.log"; fail "no host-key error"; }
[ "$(sha256sum < "$home/.ssh/known_hosts")" = "$before" ] || fail "known_hosts was modified (trust on first use)"
ok "the main job's SSH CLI refuses an unknown host key and leaves known_hosts as it was"

say "$checks checks passed in $(( $(date +%s) - start ))s"
