#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module documentation and argument spec of lispnet.lisp.lisp_mapping_system; the work is done by its action plugin."""

from __future__ import annotations

DOCUMENTATION = r"""
module: lisp_mapping_system
short_description: Manage the Map-Server and Map-Resolver roles of a LISP router (Cisco IOS-XE)
version_added: 0.1.0
author:
- lispnet.lisp developers (@lispnet)
description:
- Turns the LISP Map-Server (C(map-server)) and Map-Resolver (C(map-resolver)) roles of C(router lisp) / C(service ipv4|ipv6) on or off (RFC 9301).
- Runs on the controller and reaches the device over NETCONF (Cisco-IOS-XE-native + Cisco-IOS-XE-lisp YANG) or the SSH CLI,
  chosen by the host's C(ansible_connection) (C(ansible.netcommon.network_cli), C(ansible.netcommon.netconf))
  or, with C(ansible_connection=local), by C(lispnet_transport).
- 'Follows the resource-module conventions of C(cisco.ios): states merged, replaced, overridden, deleted, gathered, rendered and parsed; check
  mode and diff mode.'
options:
  config:
    description:
    - The Map-Server and Map-Resolver roles of the device, per address family (RFC 9301 section 4).
    type: dict
    suboptions:
      ipv4:
        description:
        - Roles for IPv4 EIDs (C(service ipv4)).
        type: dict
        suboptions: &service_roles
          map_server:
            description:
            - 'Act as a Map-Server (C(map-server)): accept Map-Registers from the ETRs of the configured sites and forward Map-Requests to them
              (RFC 9301 section 5.6).'
            type: bool
          map_resolver:
            description:
            - 'Act as a Map-Resolver (C(map-resolver)): accept Map-Requests from ITRs and hand them to the mapping system (RFC 9301 section 5.4).'
            type: bool
      ipv6:
        description:
        - Roles for IPv6 EIDs (C(service ipv6)).
        type: dict
        suboptions: *service_roles
extends_documentation_fragment:
- ansible.builtin.action_common_attributes
- lispnet.lisp.resource
- lispnet.lisp.transport
seealso:
- module: lispnet.lisp.lisp_sites
- module: lispnet.lisp.lisp_xtr
"""

EXAMPLES = r"""
# The Map-Server/Map-Resolver of the write-up lab (MR_MS, 127.0.10.1)
- name: Make MR_MS the Map-Server and Map-Resolver for IPv4 EIDs
  lispnet.lisp.lisp_mapping_system:
    config:
      ipv4:
        map_server: true
        map_resolver: true
    state: merged

# Commands sent over the CLI (lispnet_transport: cli):
# router lisp
# service ipv4
# map-server
# map-resolver
# exit-service-ipv4
# exit-router-lisp

- name: Same, over the SSH CLI instead of NETCONF
  lispnet.lisp.lisp_mapping_system:
    config:
      ipv4:
        map_server: true
        map_resolver: true
  vars:
    lispnet_transport: cli

- name: Stop resolving (the Map-Server role stays)
  lispnet.lisp.lisp_mapping_system:
    config:
      ipv4:
        map_resolver: false
    state: merged

- name: Read the roles from the device
  lispnet.lisp.lisp_mapping_system:
    state: gathered
  register: roles

- name: Remove both roles for every address family
  lispnet.lisp.lisp_mapping_system:
    state: deleted

- name: Show what would be sent, without a device
  lispnet.lisp.lisp_mapping_system:
    config:
      ipv4:
        map_server: true
    state: rendered

- name: Parse saved output offline
  lispnet.lisp.lisp_mapping_system:
    running_config: "{{ lookup('ansible.builtin.file', 'mr_ms_router_lisp.txt') }}"
    state: parsed
"""

RETURN = r"""
before:
  description: The configuration of this resource on the device before the task, keys shown as C(********).
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: dict
  sample: &id001
    ipv4:
      map_server: true
      map_resolver: true
after:
  description: 'The configuration of this resource on the device after the task (in check mode: what it would be), keys shown as C(********).'
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: dict
  sample: *id001
commands:
  description:
  - 'The CLI lines sent (in check mode: that would be sent), keys shown as C(********).'
  - Empty when nothing needs to change.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted) over the CLI (C(network_cli), or C(lispnet_transport=cli))
  type: list
  elements: str
  sample: &id002
  - router lisp
  - service ipv4
  - map-server
  - map-resolver
  - exit-service-ipv4
  - exit-router-lisp
xml:
  description:
  - 'With O(state=rendered): the NETCONF C(<config>) payload that creates O(config), keys shown as C(********).'
  - 'Otherwise the C(<edit-config>) payload sent (in check mode: that would be sent); empty when nothing needs to change.'
  returned: with O(state=rendered), and
    when O(state) is V(merged), V(replaced), V(overridden) or V(deleted) over NETCONF (C(netconf), or C(lispnet_transport=netconf))
  type: str
  sample: <config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><native xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-native">...</native></config>
gathered:
  description: The configuration of this resource read from the device, keys shown as C(********).
  returned: when O(state=gathered)
  type: dict
  sample: *id001
rendered:
  description: The CLI lines that configure O(config) on a device that has none of it, keys shown as C(********).
  returned: when O(state=rendered)
  type: list
  elements: str
  sample: *id002
parsed:
  description: O(running_config) in the structure of O(config), keys shown as C(********).
  returned: when O(state=parsed)
  type: dict
  sample: *id001
transport:
  description: The transport the task used, V(cli) or V(netconf) (from C(ansible_connection), else C(lispnet_transport)).
  returned: when the task connected to the device
  type: str
  sample: netconf
connection:
  description: The persistent connection the task used, V(ansible.netcommon.network_cli) or V(ansible.netcommon.netconf).
  returned: when the task ran over the host's persistent connection
  type: str
  sample: ansible.netcommon.network_cli
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lispnet.lisp.plugins.module_utils.argspec import MAPPING_SYSTEM_ARGSPEC


def main():
    """Only reached when the module is run without its action plugin (for example as a raw module on a target host).

    The module talks to the device from the controller, like the network resource modules of
    cisco.ios; on a managed host there is nothing it could do, so it says so instead of guessing.
    """
    module = AnsibleModule(argument_spec=MAPPING_SYSTEM_ARGSPEC, supports_check_mode=True)
    module.fail_json(msg="lispnet.lisp.lisp_mapping_system runs on the controller through its action plugin; it cannot run on a managed host. "
                         "Use it as a task of the collection (lispnet.lisp.lisp_mapping_system) with ansible_connection=local.")


if __name__ == "__main__":
    main()
