# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``lispnet.lisp.inventory_hosts``: flatten a YAML inventory into one record per host.

The reference lab writes its inventory as an ordinary Ansible YAML inventory. A play that starts
the lab loads it with ``ansible.builtin.add_host``, which takes one host at a time with its groups
and variables; this filter turns the inventory into exactly that: ``[{name, groups, vars}]``, with
the variables merged the way Ansible merges them (``all`` first, then parent groups before their
children, then the host's own).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _mapping(value, where):
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("inventory_hosts: %s must be a mapping, got a %s" % (where, type(value).__name__))
    return value


def inventory_hosts(inventory):
    """A parsed YAML inventory -> [{'name', 'groups', 'vars'}] in the order hosts first appear."""
    inventory = _mapping(inventory, "the inventory")
    order = []
    host_vars = {}
    host_groups = {}
    # (group name, depth, group vars) for each group a host is in, to merge parents before children.
    host_group_vars = {}

    def walk(name, group, depth, ancestors):
        group = _mapping(group, "group %s" % name)
        if name in ancestors:
            raise AnsibleFilterError("inventory_hosts: group %s is its own ancestor" % name)
        chain = ancestors + [name]
        for host, hvars in _mapping(group.get("hosts"), "the hosts of group %s" % name).items():
            if host not in host_vars:
                order.append(host)
                host_vars[host] = {}
                host_groups[host] = []
                host_group_vars[host] = []
            host_vars[host].update(_mapping(hvars, "host %s" % host))
            for depth_i, gname in enumerate(chain):
                if gname != "all" and gname not in host_groups[host]:
                    host_groups[host].append(gname)
                gvars = group_vars.get(gname, {})
                host_group_vars[host].append((depth_i, gname, gvars))
        for child, sub in _mapping(group.get("children"), "the children of group %s" % name).items():
            group_vars.setdefault(child, dict(_mapping(_mapping(sub, "group %s" % child).get("vars"), "the vars of group %s" % child)))
            walk(child, sub, depth + 1, chain)

    group_vars = {}
    if "all" in inventory:
        top = {"all": inventory["all"]}
    else:
        top = {"all": {"children": inventory}}
    group_vars["all"] = dict(_mapping(_mapping(top["all"], "group all").get("vars"), "the vars of group all"))
    walk("all", top["all"], 0, [])

    hosts = []
    for host in order:
        merged = {}
        seen = set()
        for _depth, gname, gvars in sorted(host_group_vars[host], key=lambda item: (item[0], item[1])):
            if gname in seen:
                continue
            seen.add(gname)
            merged.update(gvars)
        merged.update(host_vars[host])
        hosts.append({"name": host, "groups": host_groups[host], "vars": merged})
    return hosts


class FilterModule(object):
    """lispnet.lisp filters."""

    def filters(self):
        return {"inventory_hosts": inventory_hosts}
