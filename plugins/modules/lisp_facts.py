#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lispnet.lisp.lisp_facts: documentation and argument spec (the code runs in the action plugin)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: lisp_facts
short_description: Gather LISP operational state (map-cache, sites, database, sessions, services) as facts
version_added: 0.1.0
description:
  - Reads the LISP (RFC 9300/9301) operational state of a Cisco IOS-XE router, or of the collection's
    reference xTR, and returns it as C(ansible_facts.lisp) in one documented schema, whatever the transport.
  - Over NETCONF (C(lispnet_transport=netconf)) it reads C(Cisco-IOS-XE-lisp-oper) with one C(<get>);
    over the SSH CLI it runs the C(show lisp) commands and parses their output. Both output generations
    are read - the older C(show ip lisp ...) family and 16.x/17.x C(show lisp instance-id N ipv4 ...).
  - With O(outputs) (or O(oper_xml)) it works offline on recorded outputs, with no device.
  - Durations and times are integer seconds (C(00:09:22) is 562, C(1d00h) is 86400, C(never) is null);
    NETCONF time stamps are turned into the same seconds relative to the current time. See
    C(docs/facts-schema.md) for every field.
  - Runs on the controller (action plugin). With C(ansible_connection=ansible.netcommon.network_cli) or
    C(ansible.netcommon.netconf) it reads over the host's persistent connection (the CLI or NETCONF way above);
    with C(ansible_connection=local) it opens its own NETCONF or SSH session from the inventory
    variables C(ansible_host), C(ansible_user), C(ansible_password), C(lispnet_transport),
    C(lispnet_netconf_port), C(lispnet_cli_port), C(lispnet_known_hosts), C(lispnet_host_key_checking).
author:
  - lispnet.lisp developers (@lispnet)
options:
  gather_subset:
    description:
      - Which parts of the state to gather. V(all) is every part; V(!name) excludes one.
      - V(config) is the C(router lisp) configuration in the model of the lispnet.lisp.lisp_mapping_system,
        lispnet.lisp.lisp_sites and lispnet.lisp.lisp_xtr modules, with every secret masked.
    type: list
    elements: str
    default: [all]
    choices: [all, map_cache, sites, database, sessions, services, config,
              '!all', '!map_cache', '!sites', '!database', '!sessions', '!services', '!config']
  instance_ids:
    description:
      - LISP instance IDs to read the map-cache and database of (and to keep in the facts).
      - By default they are discovered from C(show lisp service ipv4|ipv6 summary) (CLI) or are all the
        instances the oper data holds (NETCONF); a device with no such command is read with
        C(show ip lisp map-cache) and C(show ip lisp database).
    type: list
    elements: int
  outputs:
    description:
      - Offline mode - recorded show outputs, (a dict, command to output text); no session is opened.
      - Commands are recognised in full or abbreviated (C(sh ip lisp map-cache)); unknown ones are reported
        in RV(unparsed) and skipped. C(show running-config | section router lisp) feeds the V(config) subset.
    type: dict
  oper_xml:
    description:
      - Offline mode - a recorded NETCONF C(<get>) reply (C(<data>) with C(Cisco-IOS-XE-lisp-oper) C(<lisp-state>)).
    type: str
  now:
    description:
      - The device's current time for O(oper_xml) and NETCONF replies (ISO 8601, for example
        C(2026-11-25T12:00:00Z)); ages and expiry times are computed against it.
      - Default is the controller's clock.
    type: str
notes:
  - Check mode is supported; the module changes nothing.
  - TTP templates for the same show commands ship in C(templates/ttp/) for M(ansible.utils.cli_parse) users.
seealso:
  - module: lispnet.lisp.lisp_verify
"""

EXAMPLES = r"""
- name: Gather everything
  lispnet.lisp.lisp_facts:

- name: Only the map-cache of instance 0
  lispnet.lisp.lisp_facts:
    gather_subset: [map_cache]
    instance_ids: [0]

- name: Everything but the configuration
  lispnet.lisp.lisp_facts:
    gather_subset: ['!config']

- name: Offline, from recorded outputs
  lispnet.lisp.lisp_facts:
    outputs:
      show ip lisp map-cache: "{{ lookup('ansible.builtin.file', 'site1_map_cache.txt') }}"

- name: The first map-cache entry
  ansible.builtin.debug:
    msg: "{{ ansible_facts.lisp.map_cache[0] }}"
"""

RETURN = r"""
ansible_facts:
  description: The facts, under C(lisp); only the gathered subsets are present.
  returned: always
  type: dict
  contains:
    lisp:
      description: LISP operational state.
      returned: always
      type: dict
      contains:
        map_cache:
          description: Map-cache entries (ITR/PITR), one per EID-prefix and instance.
          returned: when gathered
          type: list
          elements: dict
          sample:
            - instance_id: 0
              afi: ipv4
              prefix: 192.168.2.0/24
              negative: false
              action: null
              uptime: 562
              expires: 85838
              via: map-reply
              state: complete
              locators: [{address: 127.0.2.1, state: up, priority: 10, weight: 50, uptime: 562}]
        sites:
          description:
            - Map-Server sites with their EID-prefix registrations.
            - C(authentication_failures) and C(allowed_locator_mismatches) are the sums over the EID records
              (null when the device did not report them).
            - C(map_register_replays) and C(map_register_refreshes) count Map-Registers refused as replays and
              same-nonce refreshes accepted (RFC 9301 section 5.6), from the reference router's detail output;
              null elsewhere.
          returned: when gathered
          type: list
          elements: dict
          sample:
            - name: SITE2
              description: Branch 2
              registered: true
              authentication_failures: 0
              allowed_locator_mismatches: 0
              map_register_replays: 0
              map_register_refreshes: 0
              eid_records:
                - instance_id: 0
                  prefix: 192.168.2.0/24
                  registered: true
                  last_registered_by: 127.0.2.1
                  last_registered_by_port: 4342
                  last_registered: 50
                  first_registered: 1881
                  ttl: 86400
                  state: complete
                  authentication_failures: 0
                  allowed_locator_mismatches: 0
                  etrs:
                    - {address: 127.0.2.1, port: 4342, last_registered: 50, ttl: 86400, proxy_reply: false,
                       map_notify: true, state: complete,
                       locators: [{address: 127.0.2.1, local: true, state: up, priority: 10, weight: 50}]}
        database:
          description: Local EID-prefixes (ETR mapping database).
          returned: when gathered
          type: list
          elements: dict
          sample:
            - instance_id: 0
              afi: ipv4
              prefix: 192.168.1.0/24
              locator_set: RLOCS
              do_not_register: false
              no_route: false
              uptime: 1200
              locators: [{address: 127.0.1.1, priority: 10, weight: 50, source: cfg-addr, location: site-self,
                          state: reachable}]
        sessions:
          description: Reliable-registration (TCP) sessions.
          returned: when gathered
          type: list
          elements: dict
          sample:
            - {vrf: default, peer: 127.0.1.1, port: 51234, state: up, last_state_change: 1890, messages_in: 12,
               messages_out: 9, users: 3, rtt_ms: null}
        services:
          description: Roles and mapping-system servers per address family (V(ipv4), V(ipv6)), with the instances.
          returned: when gathered
          type: dict
          sample:
            ipv4:
              itr: true
              etr: true
              pitr: false
              petr: false
              map_server: false
              map_resolver: false
              map_resolvers: [127.0.10.1]
              map_servers: [127.0.10.1]
              instances: [{instance_id: 0, eid_table: default, interface: LISP0.0, roles: [itr, etr],
                           database_size: 1, map_cache_size: 3}]
        config:
          description: The C(router lisp) configuration, per resource (C(mapping_system), C(sites), C(xtr)),
            in the model of the configuration modules; secrets are masked.
          returned: when gathered
          type: dict
commands:
  description: The show commands run (CLI) or read (offline).
  returned: always
  type: list
  elements: str
refused_commands:
  description: Commands the device rejected (for example C(show lisp site) on an xTR); their subsets are empty.
  returned: always
  type: list
  elements: str
unparsed:
  description: Commands of O(outputs) that no parser knows (ignored).
  returned: always
  type: list
  elements: str
transport:
  description: V(netconf), V(cli) or V(offline).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

SUBSET_CHOICES = ["all", "map_cache", "sites", "database", "sessions", "services", "config"]

ARGUMENT_SPEC = {
    "gather_subset": {"type": "list", "elements": "str", "default": ["all"],
                      "choices": SUBSET_CHOICES + ["!" + c for c in SUBSET_CHOICES]},
    "instance_ids": {"type": "list", "elements": "int"},
    "outputs": {"type": "dict"},
    "oper_xml": {"type": "str"},
    "now": {"type": "str"},
}
MUTUALLY_EXCLUSIVE = [["outputs", "oper_xml"]]


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    module.fail_json(msg="lispnet.lisp.lisp_facts runs on the controller through its action plugin; "
                         "it cannot run on a managed host")


if __name__ == "__main__":
    main()
