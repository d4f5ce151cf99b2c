#!/usr/bin/env bash
# lisp_verify against the reference lab after the write-up's pings: the expectations of the write-up
# hold, wrong ones fail with a message that explains them, a changed locator of SITE2 reaches SITE1's
# map-cache at once (Solicit-Map-Request), and recorded outputs are checked offline.
set -eux
exec ../setup_lab/run_lab.sh --story main.yml "$@"
