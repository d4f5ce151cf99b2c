# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the lispnet.lisp modules reach a device: shared notes, requirements and attributes."""

from __future__ import annotations


class ModuleDocFragment:
    """Transport notes of the lispnet.lisp resource modules (see docs/transports.md)."""

    DOCUMENTATION = r"""
requirements:
  - ncclient >= 0.6.15 (NETCONF transport), netmiko >= 4.3 (CLI transport), paramiko, lxml, on the controller.
notes:
  - The module runs on the controller (through its action plugin). With C(ansible_connection=ansible.netcommon.network_cli)
    or C(ansible_connection=ansible.netcommon.netconf) it works over the host's persistent connection (one SSH login kept
    across tasks, shared with the C(cisco.ios) and C(ansible.netcommon) modules), configured by Ansible's own variables
    (C(ansible_port), C(ansible_user), C(ansible_password), C(ansible_private_key_file), C(ansible_become) with
    C(ansible_become_method=enable), C(ansible_command_timeout)); no C(lispnet_*) variable is read then.
  - With C(ansible_connection=local) the module opens its own session (ncclient or netmiko) from these
    inventory variables.
  - "Inventory variables: C(ansible_host) (else the inventory name), C(ansible_user), C(ansible_password),
    C(ansible_ssh_private_key_file), C(ansible_become_password) (enable secret, CLI only),
    C(lispnet_transport) (V(netconf), the default, or V(cli)), C(lispnet_netconf_port) (default 830),
    C(lispnet_cli_port) (default 22), C(lispnet_known_hosts) (default C(~/.ssh/known_hosts)),
    C(lispnet_host_key_checking) (default V(true)) and C(lispnet_timeout) (seconds, default 30)."
  - Over C(network_cli) with paramiko the device's key must be in C(~/.ssh/known_hosts) when host key checking is on;
    the module fails before the connection logs in otherwise (network_cli would accept an unknown key on first use).
  - The device's SSH host key must be in C(lispnet_known_hosts) (OpenSSH format, C([HOST]:PORT) for ports other than 22);
    an unknown or changed key fails the task before any password is sent. Set C(lispnet_host_key_checking=false) to skip the check.
  - Over NETCONF a change is one C(<edit-config>); with the C(:candidate) capability it is committed with a confirmed commit
    (C(:confirmed-commit)) and a confirming commit, otherwise written to C(running) with C(rollback-on-error).
    A failed change leaves the device as it was.
  - Over the CLI a change is one C(configure terminal) set; the first line the device rejects stops it and the lines
    already applied are reverted. The module re-reads the device after every change and fails if it does not hold the
    intended configuration.
  - Keys are never shown; C(before), C(after), C(diff), C(commands), C(xml) and error messages print C(********).
  - Like the C(cisco.ios) resource modules, the module does not save the running configuration to startup.
attributes:
  check_mode:
    support: full
    details: Reads the device and reports the change it would make, sending nothing.
  diff_mode:
    support: full
    details: Returns C(diff.before) and C(diff.after) as YAML text, keys masked.
  platform:
    platforms: ios
    details: Cisco IOS-XE 17, and the bundled reference router (C(lisp-xtr)).
"""
