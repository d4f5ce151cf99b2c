#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module documentation and argument spec of lispnet.lisp.lisp_sites; the work is done by its action plugin."""

from __future__ import annotations

DOCUMENTATION = r"""
module: lisp_sites
short_description: Manage the LISP sites of a Map-Server (Cisco IOS-XE)
version_added: 0.1.0
author:
- lispnet.lisp developers (@lispnet)
description:
- 'Manages the C(site) entries of C(router lisp) on a Map-Server: name, description, authentication key, the EID-prefixes (C(eid-record)) the
  site may register and the RLOCs it may register from (RFC 9301 section 5.6).'
- Runs on the controller and reaches the device over NETCONF (Cisco-IOS-XE-native + Cisco-IOS-XE-lisp YANG) or the SSH CLI,
  chosen by the host's C(ansible_connection) (C(ansible.netcommon.network_cli), C(ansible.netcommon.netconf))
  or, with C(ansible_connection=local), by C(lispnet_transport).
- 'Follows the resource-module conventions of C(cisco.ios): states merged, replaced, overridden, deleted, gathered, rendered and parsed; check
  mode and diff mode.'
- Sites are identified by O(config[].name); with O(state=replaced) a given site replaces the device's site of that name wholly.
options:
  config:
    description:
    - The LISP sites a Map-Server accepts registrations from (C(router lisp) / C(site NAME)), one entry per site.
    type: list
    elements: dict
    suboptions:
      name:
        description:
        - Site name (C(site NAME)), as shown by C(show lisp site).
        type: str
        required: true
      description:
        description:
        - Free text shown by C(show lisp site detail) (C(description)).
        type: str
      authentication_key:
        description:
        - Shared key the site's ETRs sign their Map-Registers with (C(authentication-key)); RFC 9301 section 5.6.
        - 'Never shown: results, diffs and errors print C(********).'
        type: str
      key_type:
        description:
        - 'How O(config[].authentication_key) is written: V(0) clear text, V(6) AES-encrypted, V(7) Cisco type 7.'
        type: int
        default: 0
        choices:
        - 0
        - 6
        - 7
      eid_records:
        description:
        - EID-prefixes the site may register (C(eid-record)).
        type: list
        elements: dict
        suboptions:
          prefix:
            description:
            - EID-prefix in CIDR form, IPv4 or IPv6, for example C(192.168.2.0/24).
            type: str
            required: true
          instance_id:
            description:
            - LISP Instance ID of the prefix (RFC 8060); V(0) is the default EID table.
            type: int
            default: 0
          accept_more_specifics:
            description:
            - Also accept registrations for more specific prefixes (C(accept-more-specifics)).
            type: bool
            default: false
      allowed_locators:
        description:
        - RLOC addresses the site's ETRs may register from (C(allowed-locator)); at most one IPv4 and one IPv6 address.
        type: list
        elements: str
extends_documentation_fragment:
- ansible.builtin.action_common_attributes
- lispnet.lisp.resource
- lispnet.lisp.resource.keys
- lispnet.lisp.transport
seealso:
- module: lispnet.lisp.lisp_mapping_system
- module: lispnet.lisp.lisp_xtr
"""

EXAMPLES = r"""
# The sites of the write-up lab, on MR_MS
- name: Accept registrations from SITE1 and SITE2
  lispnet.lisp.lisp_sites:
    config:
      - name: SITE1
        authentication_key: "{{ vault_site1_key }}"
        eid_records:
          - prefix: 192.168.1.0/24
            accept_more_specifics: true
      - name: SITE2
        description: Branch 2
        authentication_key: "{{ vault_site2_key }}"
        eid_records:
          - prefix: 192.168.2.0/24
            accept_more_specifics: true
    state: merged

# Commands sent over the CLI (keys shown masked in the task result):
# router lisp
# site SITE1
# authentication-key 0 ********
# eid-record 192.168.1.0/24 accept-more-specifics
# exit-site
# site SITE2
# description Branch 2
# ...

- name: Replace SITE2 as a whole (its description goes away)
  lispnet.lisp.lisp_sites:
    config:
      - name: SITE2
        authentication_key: "{{ vault_site2_key }}"
        eid_records:
          - prefix: 192.168.2.0/24
            instance_id: 0
    state: replaced

- name: Keep exactly these sites, remove any other
  lispnet.lisp.lisp_sites:
    config:
      - name: SITE1
        authentication_key: "{{ vault_site1_key }}"
        eid_records:
          - prefix: 192.168.1.0/24
    state: overridden

- name: Remove SITE2
  lispnet.lisp.lisp_sites:
    config:
      - name: SITE2
    state: deleted

- name: Read the sites over the SSH CLI
  lispnet.lisp.lisp_sites:
    state: gathered
  vars:
    lispnet_transport: cli
  register: sites

- name: Render the NETCONF payload and the CLI lines offline
  lispnet.lisp.lisp_sites:
    config:
      - name: SITE1
        eid_records:
          - prefix: 192.168.1.0/24
    state: rendered
"""

RETURN = r"""
before:
  description: The configuration of this resource on the device before the task, keys shown as C(********).
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  sample: &id001
  - name: SITE2
    description: Branch 2
    authentication_key: '********'
    key_type: 0
    eid_records:
    - prefix: 192.168.2.0/24
      instance_id: 0
      accept_more_specifics: true
  elements: dict
after:
  description: 'The configuration of this resource on the device after the task (in check mode: what it would be), keys shown as C(********).'
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  sample: *id001
  elements: dict
commands:
  description:
  - 'The CLI lines sent (in check mode: that would be sent), keys shown as C(********).'
  - Empty when nothing needs to change.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted) over the CLI (C(network_cli), or C(lispnet_transport=cli))
  type: list
  elements: str
  sample: &id002
  - router lisp
  - site SITE2
  - description Branch 2
  - authentication-key 0 ********
  - eid-record 192.168.2.0/24 accept-more-specifics
  - exit-site
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
  type: list
  sample: *id001
  elements: dict
rendered:
  description: The CLI lines that configure O(config) on a device that has none of it, keys shown as C(********).
  returned: when O(state=rendered)
  type: list
  elements: str
  sample: *id002
parsed:
  description: O(running_config) in the structure of O(config), keys shown as C(********).
  returned: when O(state=parsed)
  type: list
  sample: *id001
  elements: dict
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

from ansible_collections.lispnet.lisp.plugins.module_utils.argspec import SITES_ARGSPEC


def main():
    """Only reached when the module is run without its action plugin (for example as a raw module on a target host).

    The module talks to the device from the controller, like the network resource modules of
    cisco.ios; on a managed host there is nothing it could do, so it says so instead of guessing.
    """
    module = AnsibleModule(argument_spec=SITES_ARGSPEC, supports_check_mode=True)
    module.fail_json(msg="lispnet.lisp.lisp_sites runs on the controller through its action plugin; it cannot run on a managed host. "
                         "Use it as a task of the collection (lispnet.lisp.lisp_sites) with ansible_connection=local.")


if __name__ == "__main__":
    main()
