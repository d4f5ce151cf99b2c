#!/usr/bin/env bash
# The collection on the dual-stack lab (lisp-xtr's built-in topology: the write-up's lab with IPv6
# EID-prefixes and hosts beside the IPv4 ones): IPv6 configuration written over NETCONF and over the
# SSH CLI, the write-up's ping in IPv6, and the IPv6 facts over both transports.
set -eux
exec ../setup_lab/run_lab.sh main.yml -e setup_lab_topology=dual-stack "$@"
