#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module documentation and argument spec of lispnet.lisp.lisp_xtr; the work is done by its action plugin."""

from __future__ import annotations

DOCUMENTATION = r"""
module: lisp_xtr
short_description: Manage the ITR/ETR (xTR) configuration of a LISP router (Cisco IOS-XE)
version_added: 0.1.0
author:
- lispnet.lisp developers (@lispnet)
description:
- 'Manages the xTR side of C(router lisp): locator-sets (RLOCs with priority and weight), per address family the ITR (map-resolvers), ETR (map-servers
  and their keys), Proxy-ITR/ETR and use-petr settings, and per EID instance the EID table, database-mappings and static map-cache entries (RFC
  9300, RFC 9301).'
- Runs on the controller and reaches the device over NETCONF (Cisco-IOS-XE-native + Cisco-IOS-XE-lisp YANG) or the SSH CLI,
  chosen by the host's C(ansible_connection) (C(ansible.netcommon.network_cli), C(ansible.netcommon.netconf))
  or, with C(ansible_connection=local), by C(lispnet_transport).
- 'Follows the resource-module conventions of C(cisco.ios): states merged, replaced, overridden, deleted, gathered, rendered and parsed; check
  mode and diff mode.'
- Every database-mapping must name a locator-set the device holds after the task; this is checked before anything is sent.
options:
  config:
    description:
    - 'The ITR/ETR side of C(router lisp): locator-sets, per-family ITR/ETR/PxTR settings and EID instances.'
    type: dict
    suboptions:
      locator_sets:
        description:
        - Named sets of RLOCs (C(locator-set NAME)) that database-mappings refer to.
        type: list
        elements: dict
        suboptions:
          name:
            description:
            - Locator-set name.
            type: str
            required: true
          locators:
            description:
            - RLOCs of the set, each given by O(config.locator_sets[].locators[].address) or O(config.locator_sets[].locators[].interface).
            type: list
            elements: dict
            suboptions:
              address:
                description:
                - RLOC address (IPv4 or IPv6).
                type: str
              interface:
                description:
                - Interface whose address is the RLOC (C(IPv4-interface Loopback0)).
                type: str
              family:
                description:
                - Address family of an O(config.locator_sets[].locators[].interface) locator (an address carries its own).
                type: str
                choices:
                - ipv4
                - ipv6
              priority:
                description:
                - Locator priority, 0-255; lower is preferred (RFC 9301 section 5.4).
                - A new locator needs it; it may be left out to keep a configured locator's value (V(merged)) or to delete the locator (V(deleted)).
                type: int
              weight:
                description:
                - Locator weight, 0-100, for load sharing among locators of equal priority.
                - A new locator needs it; it may be left out like O(config.locator_sets[].locators[].priority).
                type: int
      ipv4:
        description:
        - ITR/ETR settings for IPv4 EIDs (C(service ipv4)).
        type: dict
        suboptions: &service_options
          itr:
            description:
            - Ingress Tunnel Router role.
            type: dict
            suboptions:
              enabled:
                description:
                - Enable the ITR role (C(itr)).
                type: bool
              map_resolvers:
                description:
                - Map-Resolvers the ITR sends Map-Requests to (C(itr map-resolver ADDRESS)).
                type: list
                elements: str
          etr:
            description:
            - Egress Tunnel Router role.
            type: dict
            suboptions:
              enabled:
                description:
                - Enable the ETR role (C(etr)).
                type: bool
              map_servers:
                description:
                - Map-Servers the ETR registers its EID-prefixes with (C(etr map-server ADDRESS ...)).
                type: list
                elements: dict
                suboptions:
                  address:
                    description:
                    - Map-Server address.
                    type: str
                    required: true
                  key:
                    description:
                    - Key the Map-Registers are signed with; must match the site's C(authentication_key) on the Map-Server (M(lispnet.lisp.lisp_sites)).
                    - 'Never shown: results, diffs and errors print C(********).'
                    type: str
                  key_type:
                    description:
                    - 'How the key is written: V(0) clear text, V(6) AES-encrypted, V(7) Cisco type 7.'
                    type: int
                    choices:
                    - 0
                    - 6
                    - 7
                  hash_function:
                    description:
                    - 'HMAC used to sign Map-Registers: V(sha1) (HMAC-SHA-1-96) or V(sha2) (HMAC-SHA-256-128).'
                    - Unset, the device signs with HMAC-SHA-1-96, as IOS-XE does.
                    type: str
                    choices:
                    - sha1
                    - sha2
                  proxy_reply:
                    description:
                    - Ask the Map-Server to answer Map-Requests for this ETR's prefixes (C(proxy-reply)).
                    type: bool
          use_petr:
            description:
            - Proxy-ETRs to send traffic for non-LISP destinations to (C(use-petr)).
            type: list
            elements: dict
            suboptions:
              address:
                description:
                - Proxy-ETR locator address.
                type: str
                required: true
              priority:
                description:
                - Priority of this Proxy-ETR, 0-255 (given together with weight).
                type: int
              weight:
                description:
                - Weight of this Proxy-ETR, 0-100 (given together with priority).
                type: int
          proxy_itr:
            description:
            - Act as a Proxy-ITR with these locator addresses (C(proxy-itr)); at most one IPv4 and one IPv6 address.
            type: list
            elements: str
          proxy_etr:
            description:
            - Act as a Proxy-ETR (C(proxy-etr)).
            type: bool
      ipv6:
        description:
        - ITR/ETR settings for IPv6 EIDs (C(service ipv6)).
        type: dict
        suboptions: *service_options
      instances:
        description:
        - EID instances (C(instance-id N)); instance 0 is the default EID table.
        type: list
        elements: dict
        suboptions:
          instance_id:
            description:
            - LISP Instance ID (RFC 8060), 0-16777214.
            type: int
            required: true
          ipv4:
            description:
            - The IPv4 EID service of the instance (C(service ipv4)).
            type: dict
            suboptions:
              eid_table:
                description:
                - 'Routing table the EIDs live in: V(default) or C(vrf NAME).'
                - Omitted, the device holds V(default) (it adds C(eid-table default) to every instance service); the modules compare it so.
                type: str
              database_mappings:
                description:
                - EID-prefixes this ETR is authoritative for (C(database-mapping PREFIX locator-set NAME)).
                type: list
                elements: dict
                suboptions:
                  prefix:
                    description:
                    - Local EID-prefix.
                    type: str
                    required: true
                  locator_set:
                    description:
                    - Locator-set holding the RLOCs of the prefix; must be one of O(config.locator_sets).
                    type: str
                    required: true
              map_cache:
                description:
                - Static map-cache entries (C(map-cache PREFIX ACTION)).
                type: list
                elements: dict
                suboptions:
                  prefix:
                    description:
                    - EID-prefix of the entry, for example C(0.0.0.0/0).
                    type: str
                    required: true
                  action:
                    description:
                    - 'What to do with traffic to the prefix: V(map-request) (resolve it), V(native-forward) or V(drop).'
                    type: str
                    default: map-request
                    choices:
                    - map-request
                    - native-forward
                    - drop
          ipv6:
            description:
            - The IPv6 EID service of the instance (C(service ipv6)).
            type: dict
            suboptions:
              eid_table:
                description:
                - 'Routing table the EIDs live in: V(default) or C(vrf NAME).'
                - Omitted, the device holds V(default) (it adds C(eid-table default) to every instance service); the modules compare it so.
                type: str
              database_mappings:
                description:
                - EID-prefixes this ETR is authoritative for (C(database-mapping PREFIX locator-set NAME)).
                type: list
                elements: dict
                suboptions:
                  prefix:
                    description:
                    - Local EID-prefix.
                    type: str
                    required: true
                  locator_set:
                    description:
                    - Locator-set holding the RLOCs of the prefix; must be one of O(config.locator_sets).
                    type: str
                    required: true
              map_cache:
                description:
                - Static map-cache entries (C(map-cache PREFIX ACTION)).
                type: list
                elements: dict
                suboptions:
                  prefix:
                    description:
                    - EID-prefix of the entry, for example C(0.0.0.0/0).
                    type: str
                    required: true
                  action:
                    description:
                    - 'What to do with traffic to the prefix: V(map-request) (resolve it), V(native-forward) or V(drop).'
                    type: str
                    default: map-request
                    choices:
                    - map-request
                    - native-forward
                    - drop
      rloc_probing:
        description:
        - Probe the locators of the map-cache with Map-Requests (RLOC-probing, RFC 9301 section 7.1;
          C(loc-reach-algorithm rloc-probing)). A locator that stops answering is taken out of use
          until it answers again.
        type: bool
extends_documentation_fragment:
- ansible.builtin.action_common_attributes
- lispnet.lisp.resource
- lispnet.lisp.resource.keys
- lispnet.lisp.transport
seealso:
- module: lispnet.lisp.lisp_mapping_system
- module: lispnet.lisp.lisp_sites
"""

EXAMPLES = r"""
# SITE1 of the write-up lab: ITR and ETR, RLOC 127.0.1.1, EID-prefix 192.168.1.0/24,
# registering with and resolving through MR_MS (127.0.10.1)
- name: Configure SITE1 as an xTR
  lispnet.lisp.lisp_xtr:
    config:
      locator_sets:
        - name: RLOCS
          locators:
            - address: 127.0.1.1
              priority: 10
              weight: 50
      ipv4:
        itr:
          enabled: true
          map_resolvers:
            - 127.0.10.1
        etr:
          enabled: true
          map_servers:
            - address: 127.0.10.1
              key: "{{ vault_site1_key }}"
      instances:
        - instance_id: 0
          ipv4:
            eid_table: default
            database_mappings:
              - prefix: 192.168.1.0/24
                locator_set: RLOCS
            map_cache:
              - prefix: 0.0.0.0/0
                action: map-request
    state: merged

# Commands sent over the CLI:
# router lisp
# locator-set RLOCS
# 127.0.1.1 priority 10 weight 50
# exit-locator-set
# service ipv4
# itr map-resolver 127.0.10.1
# itr
# etr map-server 127.0.10.1 key 0 ********
# etr
# exit-service-ipv4
# instance-id 0
# service ipv4
# eid-table default
# database-mapping 192.168.1.0/24 locator-set RLOCS
# map-cache 0.0.0.0/0 map-request
# ...

- name: Replace the whole IPv4 service (what is not given is removed from it)
  lispnet.lisp.lisp_xtr:
    config:
      ipv4:
        itr:
          enabled: true
          map_resolvers:
            - 127.0.10.1
    state: replaced

- name: Remove the static map-cache entry only
  lispnet.lisp.lisp_xtr:
    config:
      instances:
        - instance_id: 0
          ipv4:
            map_cache:
              - prefix: 0.0.0.0/0
    state: deleted

- name: Check what would change, over the SSH CLI
  lispnet.lisp.lisp_xtr:
    config:
      ipv4:
        etr:
          map_servers:
            - address: 127.0.10.1
              key: "{{ vault_site1_key }}"
              hash_function: sha2
    state: merged
  check_mode: true
  diff: true
  vars:
    lispnet_transport: cli

- name: Read the xTR configuration
  lispnet.lisp.lisp_xtr:
    state: gathered
  register: xtr
"""

RETURN = r"""
before:
  description: The configuration of this resource on the device before the task, keys shown as C(********).
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: dict
  sample: &id001
    locator_sets:
    - name: RLOCS
      locators:
      - address: 127.0.1.1
        priority: 10
        weight: 50
    ipv4:
      itr:
        enabled: true
        map_resolvers:
        - 127.0.10.1
      etr:
        enabled: true
        map_servers:
        - address: 127.0.10.1
          key: '********'
          key_type: 0
    instances:
    - instance_id: 0
      ipv4:
        eid_table: default
        database_mappings:
        - prefix: 192.168.1.0/24
          locator_set: RLOCS
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
  - locator-set RLOCS
  - 127.0.1.1 priority 10 weight 50
  - exit-locator-set
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

from ansible_collections.lispnet.lisp.plugins.module_utils.argspec import XTR_ARGSPEC


def main():
    """Only reached when the module is run without its action plugin (for example as a raw module on a target host).

    The module talks to the device from the controller, like the network resource modules of
    cisco.ios; on a managed host there is nothing it could do, so it says so instead of guessing.
    """
    module = AnsibleModule(argument_spec=XTR_ARGSPEC, supports_check_mode=True)
    module.fail_json(msg="lispnet.lisp.lisp_xtr runs on the controller through its action plugin; it cannot run on a managed host. "
                         "Use it as a task of the collection (lispnet.lisp.lisp_xtr) with ansible_connection=local.")


if __name__ == "__main__":
    main()
