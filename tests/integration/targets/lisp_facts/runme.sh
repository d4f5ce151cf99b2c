#!/usr/bin/env bash
# lisp_facts against the reference lab after the write-up's pings: the facts read over the SSH CLI
# (show output) and over NETCONF (Cisco-IOS-XE-lisp-oper) must be the same.
set -eux
exec ../setup_lab/run_lab.sh --story main.yml "$@"
