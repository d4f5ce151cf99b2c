#!/usr/bin/env bash
# lisp_xtr against the reference lab, over NETCONF and over the SSH CLI.
set -eux
exec ../setup_lab/run_lab.sh main.yml "$@"
