# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``lispnet.lisp.known_host_key``: whether a known_hosts file holds a key for a host and port.

ansible.netcommon's network_cli over paramiko accepts and records an unknown host key whatever
``host_key_auto_add`` says (8.7.1: its inner paramiko defaults override the configured value), so
the playbooks of this collection that use network_cli check first that the device's key is already
known. A key that is known but does not match is refused by paramiko itself.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleFilterError


def _entry_name(host, port):
    port = int(port)
    return host if port == 22 else "[%s]:%d" % (host, port)


def known_host_key(path, host, port=22):
    """True when the known_hosts file at path holds a key for host (and port), hashed names included."""
    try:
        import paramiko  # pylint: disable=import-outside-toplevel  # a controller requirement, needed only here
    except ImportError as exc:
        raise AnsibleFilterError("known_host_key: paramiko is needed (pip install paramiko): %s" % exc)
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise AnsibleFilterError("known_host_key: port must be an integer, got %r" % (port,))
    path = os.path.expanduser(str(path))
    if not os.path.isfile(path):
        return False
    keys = paramiko.HostKeys()
    try:
        keys.load(path)
    except (IOError, OSError) as exc:
        raise AnsibleFilterError("known_host_key: cannot read %s: %s" % (path, exc))
    return keys.lookup(_entry_name(str(host), port)) is not None


class FilterModule(object):
    """lispnet.lisp filters."""

    def filters(self):
        return {"known_host_key": known_host_key}
