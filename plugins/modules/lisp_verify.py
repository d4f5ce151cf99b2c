#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lispnet.lisp.lisp_verify: documentation and argument spec (the code runs in the action plugin)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: lisp_verify
short_description: Wait until the LISP state a playbook expects is there, and explain any difference
version_added: 0.1.0
description:
  - Gathers the same facts as M(lispnet.lisp.lisp_facts) (only the subsets the expectations need) again and
    again until every expectation holds or O(timeout) seconds have passed.
  - While waiting it prints, with C(-v), what it still waits for; on failure C(msg) lists each unmet
    expectation next to what was observed.
  - Runs on the controller (action plugin) over the host's persistent connection (C(network_cli), C(netconf)) or,
    with C(ansible_connection=local), a NETCONF or SSH session of its own from the inventory, like
    M(lispnet.lisp.lisp_facts); a session of its own that fails is reopened at the next attempt.
author:
  - lispnet.lisp developers (@lispnet)
options:
  sites:
    description: Map-Server site registrations.
    type: list
    elements: dict
    suboptions:
      name:
        description: Site name.
        type: str
        required: true
      registered:
        description: Whether the site (or O(sites[].prefix)) must be registered.
        type: bool
        default: true
      rlocs:
        description: RLOC addresses that must be among the registered locators of the site.
        type: list
        elements: str
      prefix:
        description: Check only this EID-prefix of the site.
        type: str
      instance_id:
        description: Check only the EID-prefixes of this instance.
        type: int
  map_cache:
    description:
      - Map-cache expectations (ITR). The entry checked is the longest-prefix match of O(map_cache[].eid)
        among the gathered entries.
      - With neither O(map_cache[].negative) nor O(map_cache[].locators) nor O(map_cache[].action), the
        expectation is that the EID is resolved (a positive entry covers it).
    type: list
    elements: dict
    suboptions:
      eid:
        description: EID address or prefix.
        type: str
        required: true
      instance_id:
        description: Instance ID; default is every gathered instance.
        type: int
      negative:
        description: The matching entry must be (V(true)) or must not be (V(false)) a negative entry.
        type: bool
      action:
        description: Expected action of the entry (for example V(send-map-request), V(forward-native), V(drop)).
        type: str
      state:
        description: Expected state of the entry (for example V(complete)).
        type: str
      locators:
        description: Locators that must be in the entry; only the attributes given are compared.
        type: list
        elements: dict
        suboptions:
          address:
            description: RLOC address.
            type: str
            required: true
          state:
            description: Locator state (V(up), V(down), ...).
            type: str
          priority:
            description: Locator priority.
            type: int
          weight:
            description: Locator weight.
            type: int
  database:
    description: Local EID-prefixes (ETR database).
    type: list
    elements: dict
    suboptions:
      prefix:
        description: EID-prefix.
        type: str
        required: true
      instance_id:
        description: Instance ID; default is any.
        type: int
      locators:
        description: Locators that must be in the entry; only the attributes given are compared.
        type: list
        elements: dict
        suboptions:
          address:
            description: RLOC address.
            type: str
            required: true
          state:
            description: Locator state (V(reachable), ...).
            type: str
          priority:
            description: Locator priority.
            type: int
          weight:
            description: Locator weight.
            type: int
  counters:
    description: Site counters on the Map-Server (sums over the site's EID-prefixes).
    type: list
    elements: dict
    suboptions:
      site:
        description: Site name.
        type: str
        required: true
      authentication_failures:
        description: Expected count of registrations refused for a bad authentication key.
        type: int
      allowed_locator_mismatches:
        description: Expected count of registrations with an RLOC that is not allowed.
        type: int
  timeout:
    description: Seconds to keep trying; V(0) checks once.
    type: int
    default: 60
  interval:
    description: Seconds between two attempts.
    type: int
    default: 5
  instance_ids:
    description: Instance IDs to gather (see M(lispnet.lisp.lisp_facts)); default discovers them.
    type: list
    elements: int
  outputs:
    description: Offline mode - check recorded show outputs (a dict, command to output text) once.
    type: dict
notes:
  - Check mode is supported; the module changes nothing.
seealso:
  - module: lispnet.lisp.lisp_facts
"""

EXAMPLES = r"""
- name: SITE2 registered on the Map-Server with its RLOC, no bad keys
  lispnet.lisp.lisp_verify:
    sites:
      - name: SITE2
        registered: true
        rlocs: [127.0.2.1]
    counters:
      - site: SITE2
        authentication_failures: 0
    timeout: 90
  delegate_to: mr_ms

- name: SITE1 resolved the host behind SITE2
  lispnet.lisp.lisp_verify:
    map_cache:
      - eid: 192.168.2.1
        instance_id: 0
        locators:
          - {address: 127.0.2.1, state: up, priority: 10, weight: 50}
    timeout: 30
    interval: 2

- name: Before the first ping, the default entry still sends Map-Requests
  lispnet.lisp.lisp_verify:
    map_cache:
      - eid: 192.168.2.1
        negative: true
        action: send-map-request
    timeout: 0
"""

RETURN = r"""
lisp:
  description: The facts seen at the last attempt (the schema of M(lispnet.lisp.lisp_facts)).
  returned: always
  type: dict
attempts:
  description: How many times the facts were gathered.
  returned: always
  type: int
  sample: 3
elapsed:
  description: Seconds from the first attempt to the last.
  returned: always
  type: float
  sample: 4.02
unmet:
  description: The expectations that did not hold at the last attempt (empty on success).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(sites), V(map_cache), V(database), V(counters) or V(gather).
      type: str
    what:
      description: What was checked.
      type: str
    expected:
      description: What was expected.
      type: raw
    observed:
      description: What was observed instead.
      type: raw
  sample:
    - {kind: map_cache, what: EID 192.168.2.1 (IID 0), expected: resolved (positive entry),
       observed: "0.0.0.0/0 (IID 0) negative, action send-map-request"}
msg:
  description: Summary; on failure every unmet expectation with its observation.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

_LOCATOR = {
    "address": {"type": "str", "required": True},
    "state": {"type": "str"},
    "priority": {"type": "int"},
    "weight": {"type": "int"},
}

ARGUMENT_SPEC = {
    "sites": {"type": "list", "elements": "dict", "options": {
        "name": {"type": "str", "required": True},
        "registered": {"type": "bool", "default": True},
        "rlocs": {"type": "list", "elements": "str"},
        "prefix": {"type": "str"},
        "instance_id": {"type": "int"},
    }},
    "map_cache": {"type": "list", "elements": "dict", "options": {
        "eid": {"type": "str", "required": True},
        "instance_id": {"type": "int"},
        "negative": {"type": "bool"},
        "action": {"type": "str"},
        "state": {"type": "str"},
        "locators": {"type": "list", "elements": "dict", "options": _LOCATOR},
    }},
    "database": {"type": "list", "elements": "dict", "options": {
        "prefix": {"type": "str", "required": True},
        "instance_id": {"type": "int"},
        "locators": {"type": "list", "elements": "dict", "options": _LOCATOR},
    }},
    "counters": {"type": "list", "elements": "dict", "options": {
        "site": {"type": "str", "required": True},
        "authentication_failures": {"type": "int"},
        "allowed_locator_mismatches": {"type": "int"},
    }},
    "timeout": {"type": "int", "default": 60},
    "interval": {"type": "int", "default": 5},
    "instance_ids": {"type": "list", "elements": "int"},
    "outputs": {"type": "dict"},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="lispnet.lisp.lisp_verify runs on the controller through its action plugin; "
                         "it cannot run on a managed host")


if __name__ == "__main__":
    main()
