"""Every recorded IOS-XE output read by the facts parser, checked against Genie's values field by field.

GENIE_TO_OURS below is the one place that says which Genie key is which facts key. For every record
Genie parsed, each of its keys is either compared with our value (after the listed transform of
Genie's text) or listed in NOT_IN_SCHEMA; a Genie key in neither table fails the test, so nothing
the schema covers can be skipped silently.
"""

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.cli import classify, parse_cli
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.normalise import norm_address, norm_prefix, role_list
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.times import duration
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts import samples


def same(value):
    return value


def as_int(value):
    return int(value)


def yes(value):
    return str(value).lower().rstrip("#*") == "yes"


def who(value):
    return None if value == "--" else norm_address(value)


def lower(value):
    return value.lower()


def roles(value):
    return role_list("-".join(value))  # Genie keys the roles: {'etr-pitr-petr': ...}


def source(value):
    return value if value == "local" else norm_address(value)


def rloc_list(value):
    return [norm_address(a.strip()) for a in value.split(",")]


def petrs(value):
    """Genie's ['1.1.1.1 (self)', '66.66.66.66'] -> our use_petr entries."""
    out = []
    for item in value:
        words = item.split()
        note = words[1].strip("()") if len(words) > 1 else ""
        out.append({"address": norm_address(words[0]), "self": note == "self",
                    "encap_iid": int(note) if note.isdigit() else None})
    return out


# level -> {Genie key (dotted for nested dicts): (our key (dotted), transform of Genie's value)}
GENIE_TO_OURS = {
    # ShowLispInstanceIdIpv4MapCache: lisp_id/*/instance_id/<iid>/eid_prefix/<prefix>
    "map_cache": {
        "uptime": ("uptime", duration),
        "expiry_time": ("expires", duration),
        "via": ("via", same),
        "map_reply_state": ("state", same),
        "action": ("action", same),
        "negative_cache_entry": ("negative", same),
    },
    # .../eid_prefix/<prefix>/locators/<address>
    "map_cache_locator": {
        "uptime": ("uptime", duration),
        "rloc_state": ("state", same),
        "priority": ("priority", same),
        "weight": ("weight", same),
    },
    # ShowLispIpv4MapCachePrefix: lisp_id/*/instance_id/<iid> (one entry)
    "map_cache_prefix": {
        "eid_prefix": ("prefix", norm_prefix),
        "map_source": ("map_source", source),
        "uptime": ("uptime", duration),
        "expires": ("expires", duration),
        "via": ("via", same),
    },
    "map_cache_prefix_locator": {
        "uptime": ("uptime", duration),
        "state": ("state", same),
        "priority": ("priority", same),
        "weight": ("weight", same),
    },
    # ShowLispServiceMapCache (16.x 'show lisp all'): .../itr/map_cache/<iid>/mappings/<prefix>
    "service_map_cache": {
        "id": ("prefix", norm_prefix),
        "creation_time": ("uptime", duration),
        "time_to_live": ("expires", duration),
        "via": ("via_and_state", same),
        "negative_mapping.map_reply_action": ("action", same),
    },
    # .../mappings/<prefix>/positive_mapping/rlocs/<n>
    "service_map_cache_rloc": {
        "locator_address.ipv4.ipv4": ("address", norm_address),
        "uptime": ("uptime", duration),
        "state": ("state", same),
        "priority": ("priority", same),
        "weight": ("weight", same),
    },
    # ShowLispServiceDatabase / ShowLispEidTableServiceDatabase: .../entries/eids/<prefix>
    "database": {
        "locator_set": ("locator_set", same),
        "do_not_register": ("do_not_register", same),
        "no_route_to_prefix": ("no_route", same),
        "uptime": ("uptime", duration),
    },
    "database_locator": {
        "priority": ("priority", same),
        "weight": ("weight", same),
        "source": ("source", same),
        "location": ("location", same),
        "state": ("state", same),
    },
    # ShowLispSite / ShowLispInstanceIdIpv4Server: site_name/<s>/instance_id/<iid>/eid_prefix/<prefix>
    "site_row": {
        "last_registered": ("last_registered", duration),
        "who_last_registered": ("last_registered_by", who),
        "port": ("last_registered_by_port", same),
        "up": ("registered", yes),
    },
    # ShowLispSiteDetail: the same path, detail keys
    "site_detail": {
        "first_registered": ("first_registered", duration),
        "last_registered": ("last_registered", duration),
        "ttl": ("ttl", duration),
        "state": ("state", same),
        "registration_erros.authentication_failures": ("authentication_failures", same),
        "registration_erros.allowed_locators_mismatch": ("allowed_locator_mismatches", same),
        "origin": ("origin", same),
    },
    # .../eid_prefix/<prefix>/etr/<address>
    "site_etr": {
        "port": ("port", same),
        "last_registered": ("last_registered", duration),
        "proxy_reply": ("proxy_reply", same),
        "map_notify": ("map_notify", same),
        "ttl": ("ttl", duration),
        "state": ("state", same),
    },
    "site_etr_locator": {
        "local": ("local", yes),
        "state": ("state", same),
        "priority": ("priority", same),
        "weight": ("weight", same),
    },
    # ShowLispSiteSummary: lisp_id/*/site/<site>
    "site_summary": {
        "ipv4.configured": ("prefix_counts.ipv4.configured", same),
        "ipv4.registered": ("prefix_counts.ipv4.registered", same),
        "ipv4.inconsistent": ("prefix_counts.ipv4.inconsistent", same),
        "ipv6.configured": ("prefix_counts.ipv6.configured", same),
        "ipv6.registered": ("prefix_counts.ipv6.registered", same),
        "ipv6.inconsistent": ("prefix_counts.ipv6.inconsistent", same),
        "mac.configured": ("prefix_counts.mac.configured", same),
        "mac.registered": ("prefix_counts.mac.registered", same),
        "mac.inconsistent": ("prefix_counts.mac.inconsistent", same),
    },
    # ShowLispSession: vrf/<vrf>/peers/<address>[n]
    "session": {
        "port": ("port", as_int),
        "state": ("state", lower),
        "time": ("last_state_change", duration),
        "in": ("messages_in", as_int),
        "out": ("messages_out", as_int),
        "users": ("users", as_int),
        "rtt": ("rtt_ms", as_int),
    },
    # ShowLispService / ShowLispInstanceIdService: lisp_id/<id>[/instance_id/<iid>]
    "service": {
        "itr.enabled": ("itr", same),
        "itr.proxy_itr_router": ("pitr", same),
        "etr.enabled": ("etr", same),
        "etr.proxy_etr_router": ("petr", same),
        "map_server.enabled": ("map_server", same),
        "map_resolver.enabled": ("map_resolver", same),
        "itr.proxy_itr_rloc": ("proxy_itr_rlocs", rloc_list),
        "itr.use_proxy_etr_rloc": ("use_petr", petrs),
    },
    # ShowLisp: lisp_id/<id>
    "router": {
        "domain_id": ("domain_id", same),
        "multihoming_id": ("multihoming_id", same),
        "locator_table": ("locator_table", same),
        "locator_default_set": ("locator_default_set", lambda v: None if v == "N/A" else v),
        "eid_instance_count": ("eid_instance_count", as_int),
        "capability": ("capabilities", same),
        "tcp_path_mtu_discovery": ("tcp_path_mtu_discovery", same),
    },
    # .../map_resolvers/<address> and .../mapping_servers/<address>: membership of our lists
    "service_map_resolver": {"mr_address": ("map_resolvers", same)},
    "service_map_server": {"ms_address": ("map_servers", same)},
    # ShowLispServiceSummary: .../service/<afi>/virtual_network_ids/<iid>
    "service_instance": {
        "vrf": ("eid_table", same),
        "interface": ("interface", same),
        "db_size": ("database_size", same),
        "cache_size": ("map_cache_size", same),
        "lisp_role": ("roles", roles),
    },
}

# Genie keys our schema does not carry (per level), so the walk can tell "not covered" from "missed".
NOT_IN_SCHEMA = {
    "map_cache": {"site", "sgt", "map_cache_type", "locators"},
    "map_cache_locator": {"encap_iid", "metric"},
    # 'state' is the detail 'State:' line; our state is the one on the entry line (they differ in __5
    # and __7, where Genie's own listing parser reports the entry-line word); test_prefix_state checks
    # that the State: line is used when the entry line has none.
    "map_cache_prefix": {"eid_table", "entries", "eid", "mask", "sources", "state", "last_modified",
                         "activity", "packets_out", "packets_out_bytes", "counters_not_accurate", "locators"},
    "map_cache_prefix_locator": {"encap_iid", "state_change_time", "state_change_count",
                                 "route_reachability_change_time", "route_reachability_change_count",
                                 "priority_change", "weight_change", "rloc_probe_sent"},
    "service_map_cache": {"sgt", "eid.address_type", "eid.vrf", "eid.ipv4.ipv4", "positive_mapping"},
    "service_map_cache_rloc": {"id", "encap_iid", "locator_address.address_type",
                               "locator_address.virtual_network_id"},
    "database": {"eid", "mask", "dynamic_eid", "last_change", "domain_id", "service_insertion",
                 "service_insertion_id", "proxy", "auto_discover_rlocs", "publish_mode", "dbmap_src", "locators"},
    "database_locator": {"affinity_id_x", "affinity_id_y"},
    "site_row": set(),
    "site_detail": {"routing_table_tag", "merge_active", "proxy_reply", "skip_publication",
                    "force_withdraw", "extranet_iid", "sgt", "etr"},
    "site_etr": {"nonce", "xtr_id", "domain_id", "multihoming_id", "locators"},
    "site_etr_locator": {"scope"},
    "site_summary": set(),
    "session": set(),
    "service": {"locator_table", "eid_table", "itr.local_rloc_last_resort", "itr.solicit_map_request", "itr.max_smr_per_map_cache",
                "itr.multiple_smr_supression_time", "etr.accept_mapping_data", "etr.map_cache_ttl",
                "nat_traversal_router", "mobility_first_hop_router", "mr_use_petr.role", "first_packet_petr.role",
                "multiple_ip_per_mac", "delegated_database_tree", "mcast_flood_access_tunnel", "pub_sub.role",
                "pub_sub_eid", "site_registration_limit", "map_resolvers", "mapping_servers", "xtr_id", "site_id",
                "locator_status_algorithms", "map_cache", "database", "publication_entries_exported",
                "site_reg_entries_exported", "encapsulation_type"},
    # Genie reads the second map-resolver of ShowLispService__1 / ShowLispInstanceIdService__* as a
    # 'prefix_list' of the first: it is a map-resolver (see test_second_map_resolver_is_a_resolver).
    "service_map_resolver": {"prefix_list"},
    "service_map_server": {"prefix_list"},
    "service_instance": {"cache_idle", "incomplete", "db_no_route"},
    "router": set(),
}

# recorded outputs of commands the facts do not read
NOT_FACTS = {"ShowLispInstanceIdForwardingState__1"}


def flat(record, prefix=""):
    """{'a': {'b': 1}} -> {'a.b': 1} (dicts only; lists and scalars are leaves)."""
    out = {}
    for key, value in record.items():
        name = prefix + str(key)
        if isinstance(value, dict) and value:
            out.update(flat(value, name + "."))
        else:
            out[name] = value
    return out


def check_level(level, genie_record, ours, where, checked):
    """Compare every key of one Genie record with ours through the tables."""
    mapping = GENIE_TO_OURS[level]
    skipped = NOT_IN_SCHEMA[level]
    genie_flat = flat(genie_record)
    ours_flat = flat(ours)
    for key, value in genie_flat.items():
        top = key.split(".")[0]
        if key in mapping or top in mapping:
            name = key if key in mapping else top
            our_key, transform = mapping[name]
            genie_value = transform(value if key in mapping else genie_record[top])
            if level in ("service_map_resolver", "service_map_server"):
                assert genie_value in ours[our_key], "%s %s: %r not in %r" % (where, key, genie_value, ours[our_key])
            elif our_key in ours_flat:
                assert ours_flat[our_key] == genie_value, "%s %s -> %s: ours %r, Genie %r" % (
                    where, key, our_key, ours_flat[our_key], genie_value)
            else:
                assert ours[our_key] == genie_value, "%s %s -> %s: ours %r, Genie %r" % (
                    where, key, our_key, ours[our_key], genie_value)
            checked.append((where, key))
        elif key in skipped or top in skipped:
            continue
        else:
            raise AssertionError("%s: Genie key %r is neither mapped nor listed as outside the schema" % (where, key))


def by_prefix(entries, iid, prefix):
    found = [e for e in entries if e["instance_id"] == int(iid) and e["prefix"] == norm_prefix(prefix)]
    assert len(found) == 1, "IID %s %s: %d entries" % (iid, prefix, len(found))
    return found[0]


def by_address(items, address):
    found = [i for i in items if i["address"] == norm_address(address)]
    assert len(found) == 1, "%s: %d" % (address, len(found))
    return found[0]


def site_record(facts, site, iid, prefix):
    sites = [s for s in facts["sites"] if s["name"] == site]
    assert len(sites) == 1
    return sites[0], by_prefix(sites[0]["eid_records"], iid, prefix)


# --------------------------------------------------------------------------- walkers, one per Genie parser
def walk_map_cache(genie, facts, checked, where):
    count = 0
    for lisp in genie["lisp_id"].values():
        for iid, inst in lisp["instance_id"].items():
            for prefix, entry in inst["eid_prefix"].items():
                ours = by_prefix(facts["map_cache"], iid, prefix)
                check_level("map_cache", entry, ours, "%s %s" % (where, prefix), checked)
                assert len(ours["locators"]) == len(entry.get("locators", {}))
                for address, loc in entry.get("locators", {}).items():
                    check_level("map_cache_locator", loc, by_address(ours["locators"], address),
                                "%s %s %s" % (where, prefix, address), checked)
                count += 1
    assert len(facts["map_cache"]) == count


def walk_map_cache_prefix(genie, facts, checked, where):
    for lisp in genie["lisp_id"].values():
        for iid, inst in lisp["instance_id"].items():
            ours = by_prefix(facts["map_cache"], iid, inst["eid_prefix"])
            check_level("map_cache_prefix", inst, ours, where, checked)
            assert len(ours["locators"]) == len(inst.get("locators", {}))
            for address, loc in inst.get("locators", {}).items():
                check_level("map_cache_prefix_locator", loc, by_address(ours["locators"], address),
                            "%s %s" % (where, address), checked)
    assert len(facts["map_cache"]) == 1


def walk_service_map_cache(genie, facts, checked, where):
    count = 0
    for router in genie["lisp_router_instances"].values():
        for service in router["service"].values():
            for iid, table in service["itr"]["map_cache"].items():
                for prefix, mapping in table["mappings"].items():
                    ours = dict(by_prefix(facts["map_cache"], iid, prefix))
                    ours["via_and_state"] = ", ".join(x for x in (ours["via"], ours["state"]) if x)
                    check_level("service_map_cache", mapping, ours, "%s %s" % (where, prefix), checked)
                    rlocs = mapping.get("positive_mapping", {}).get("rlocs", {})
                    assert len(ours["locators"]) == len(rlocs)
                    for rloc in rlocs.values():
                        address = rloc["locator_address"]["ipv4"]["ipv4"]
                        check_level("service_map_cache_rloc", rloc,
                                    dict(by_address(ours["locators"], address), address=norm_address(address)),
                                    "%s %s %s" % (where, prefix, address), checked)
                    assert ours["negative"] == ("negative_mapping" in mapping)
                    count += 1
    assert len(facts["map_cache"]) == count


def walk_database(genie, facts, checked, where):
    count = 0
    for lisp in genie["lisp_id"].values():
        for iid, inst in lisp["instance_id"].items():
            eids = inst["entries"]["eids"]
            assert inst["entries"]["total"] == len(eids)
            for prefix, entry in eids.items():
                ours = by_prefix(facts["database"], iid, prefix)
                ours_view = dict(ours)
                ours_view.setdefault("no_route", False)
                check_level("database", entry, ours_view, "%s %s" % (where, prefix), checked)
                if "no_route_to_prefix" not in entry:
                    assert ours["no_route"] is False
                if "do_not_register" not in entry:
                    assert ours["do_not_register"] is False
                assert len(ours["locators"]) == len(entry["locators"])
                for address, loc in entry["locators"].items():
                    check_level("database_locator", loc, by_address(ours["locators"], address),
                                "%s %s %s" % (where, prefix, address), checked)
                count += 1
    assert len(facts["database"]) == count


def walk_sites(genie, facts, checked, where, level="site_row"):
    count = 0
    for lisp in genie["lisp_id"].values():
        for site_name, site in lisp["site_name"].items():
            for iid, inst in site["instance_id"].items():
                for prefix, entry in inst["eid_prefix"].items():
                    _site, ours = site_record(facts, site_name, iid, prefix)
                    check_level(level, entry, ours, "%s %s %s" % (where, site_name, prefix), checked)
                    for address, etr in entry.get("etr", {}).items():
                        ours_etr = by_address(ours["etrs"], address)
                        check_level("site_etr", etr, ours_etr, "%s %s ETR %s" % (where, prefix, address), checked)
                        assert len(ours_etr["locators"]) == len(etr["locators"])
                        for loc_address, loc in etr["locators"].items():
                            check_level("site_etr_locator", loc, by_address(ours_etr["locators"], loc_address),
                                        "%s %s ETR %s %s" % (where, prefix, address, loc_address), checked)
                    count += 1
    assert sum(len(s["eid_records"]) for s in facts["sites"]) == count


def walk_site_detail(genie, facts, checked, where):
    walk_sites(genie, facts, checked, where, level="site_detail")


def walk_site_summary(genie, facts, checked, where):
    for lisp in genie["lisp_id"].values():
        for site_name, counts in lisp["site"].items():
            ours = [s for s in facts["sites"] if s["name"] == site_name]
            assert len(ours) == 1
            check_level("site_summary", counts, ours[0], "%s %s" % (where, site_name), checked)


def walk_sessions(genie, facts, checked, where):
    count = 0
    for vrf, data in genie["vrf"].items():
        for address, rows in data["peers"].items():
            ours = [s for s in facts["sessions"] if s["peer"] == norm_address(address) and s["vrf"] == vrf]
            assert len(ours) == len(rows)
            for row, session in zip(rows, ours):
                check_level("session", row, session, "%s %s" % (where, address), checked)
                count += 1
    assert len(facts["sessions"]) == count


def _service_of(facts, command):
    afi = "ipv6" if "ipv6" in command else "ipv4"
    return facts["services"][afi]


def _check_service(record, service, checked, where):
    check_level("service", record, service, where, checked)
    for address, item in (record.get("map_resolvers") or {}).items():
        check_level("service_map_resolver", item, service, "%s MR %s" % (where, address), checked)
    for address, item in (record.get("mapping_servers") or {}).items():
        check_level("service_map_server", item, service, "%s MS %s" % (where, address), checked)


def walk_service(genie, facts, checked, where, command):
    service = _service_of(facts, command)
    for record in genie["lisp_id"].values():
        _check_service(record, service, checked, where)


def walk_instance_service(genie, facts, checked, where, command):
    service = _service_of(facts, command)
    for lisp in genie["lisp_id"].values():
        for iid, record in lisp["instance_id"].items():
            _check_service(record, service, checked, where)
            inst = [i for i in service["instances"] if i["instance_id"] == int(iid)]
            assert len(inst) == 1 and inst[0]["eid_table"] == record["eid_table"]


def walk_service_summary(genie, facts, checked, where, command):
    service = _service_of(facts, command)
    count = 0
    for router in genie["lisp_router_instances"].values():
        for afi_data in router["service"].values():
            for iid, row in afi_data["virtual_network_ids"].items():
                inst = [i for i in service["instances"] if i["instance_id"] == int(iid)]
                assert len(inst) == 1
                check_level("service_instance", row, inst[0], "%s IID %s" % (where, iid), checked)
                count += 1
    assert len(service["instances"]) == count


def walk_router(genie, facts, checked, where):
    for record in genie["lisp_id"].values():
        check_level("router", record, facts["services"]["router"], where, checked)


WALKERS = {
    "ShowLisp": walk_router,
    "ShowLispInstanceIdIpv4MapCache": walk_map_cache,
    "ShowLispIpv4MapCachePrefix": walk_map_cache_prefix,
    "ShowLispServiceMapCache": walk_service_map_cache,
    "ShowLispServiceDatabase": walk_database,
    "ShowLispEidTableServiceDatabase": walk_database,
    "ShowLispSite": walk_sites,
    "ShowLispInstanceIdIpv4Server": walk_sites,
    "ShowLispSiteDetail": walk_site_detail,
    "ShowLispSiteSummary": walk_site_summary,
    "ShowLispSession": walk_sessions,
    "ShowLispService": walk_service,
    "ShowLispInstanceIdService": walk_instance_service,
    "ShowLispServiceSummary": walk_service_summary,
}
NEEDS_COMMAND = {walk_service, walk_instance_service, walk_service_summary}


def recorded_with_genie():
    return [(name, command, text, genie) for name, command, text, genie in samples.recorded() if genie is not None]


@pytest.fixture(scope="module")
def all_recorded():
    return recorded_with_genie()


def test_every_recorded_output_is_accounted_for(all_recorded):
    names = {name.split("__")[0] for name, _c, _t, _g in all_recorded}
    assert names - set(WALKERS) == {n.split("__")[0] for n in NOT_FACTS}
    assert len(all_recorded) >= 33


def test_each_recorded_output_against_genie(all_recorded):
    """One assertion per Genie value the schema covers; counts the comparisons made."""
    checked = []
    for name, command, text, genie in all_recorded:
        if name in NOT_FACTS:
            continue
        assert classify(command)[0] is not None, command
        facts = parse_cli({command: text})
        walker = WALKERS[name.split("__")[0]]
        if walker in NEEDS_COMMAND:
            walker(genie, facts, checked, name, command)
        else:
            walker(genie, facts, checked, name)
    # every mapped key was compared at least once somewhere, and the total is substantial
    compared_keys = {key.split(".")[0] for _where, key in checked}
    for level, mapping in GENIE_TO_OURS.items():
        assert {k.split(".")[0] for k in mapping} & compared_keys, level
    assert len(checked) >= 570  # 576 Genie values compared today


@pytest.mark.parametrize("name", sorted(NOT_FACTS))
def test_outputs_outside_the_facts_are_reported_unparsed(name):
    command = samples.index()[name]
    assert classify(command) == (None, {})
    assert parse_cli({command: "anything"}) == {}


def test_prefix_state_from_detail_line_when_entry_line_has_none():
    name, command, text, _g = [r for r in recorded_with_genie() if r[0] == "ShowLispIpv4MapCachePrefix__10"][0]
    entry = parse_cli({command: text})["map_cache"][0]
    assert (entry["via"], entry["state"], entry["negative"], entry["expires"]) == ("static", "forward-native", False, None)


def test_second_map_resolver_is_a_resolver():
    for name in ("ShowLispService__1", "ShowLispInstanceIdService__1", "ShowLispInstanceIdService__5"):
        command = samples.index()[name]
        text = (samples.testdata_dir() / (name + ".txt")).read_text()
        service = _service_of(parse_cli({command: text}), command)
        assert service["map_resolvers"] == ["44.44.44.44", "100.100.100.100"]
        assert service["map_servers"] == ["44.44.44.44", "100.100.100.100"]


def test_unicon_header_command_echo_and_prompt_do_not_leak():
    by_name = {r[0]: r for r in recorded_with_genie()}
    _n, command, text, _g = by_name["ShowLispServiceDatabase__4"]
    facts = parse_cli({command: text})
    assert [e["prefix"] for e in facts["database"]] == ["100.64.232.1/32", "100.66.249.1/32"]
    _n, command, text, _g = by_name["ShowLispServiceSummary__4"]
    instances = parse_cli({command: text})["services"]["ipv4"]["instances"]
    assert [i["instance_id"] for i in instances] == [4097, 4099]


def test_show_lisp_all_banners_and_instances():
    by_name = {r[0]: r for r in recorded_with_genie()}
    _n, command, text, _g = by_name["ShowLispInstanceIdIpv4Server__1"]
    records = parse_cli({command: text})["sites"][0]["eid_records"]
    assert sorted({r["instance_id"] for r in records}) == [0, 4100, 4101]
    _n, command, text, _g = by_name["ShowLispSite__7"]
    records = parse_cli({command: text})["sites"][0]["eid_records"]
    wrapped = [r for r in records if r["prefix"] == "2001:192:168:2::/64"][0]
    assert (wrapped["instance_id"], wrapped["last_registered_by"], wrapped["last_registered_by_port"]) == (
        4101, "2333:2333:2333:2333::", 27643)
