"""Live reconfiguration of a running lab, configured from IOS-XE text (``parse_config``)."""

import pytest

from lispxtr.config import parse_config
from lispxtr.core.prefix import parse_prefix
from lispxtr.wire import decode_control

from .test_core_lab import MS_RLOC, SITE1_HOST, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, Lab, ping_story

MR_MS_TEXT = """hostname MR_MS
router lisp
 service ipv4
  map-server
  map-resolver
  exit-service-ipv4
 !
{sites} exit-router-lisp
"""

SITE_TEXT = """ site {name}
  description {description}
  authentication-key 0 {key}
{records}  exit-site
 !
"""

XTR_TEXT = """hostname {name}
router lisp
 locator-set RLOCS
  IPv4-interface Loopback0 priority 10 weight 50
  exit-locator-set
 !
 service ipv4
  itr map-resolver 127.0.10.1
  itr
  etr map-server 127.0.10.1 key 0 {key}{hash}
{proxy}  etr
  exit-service-ipv4
 !
 instance-id 0
  service ipv4
   eid-table default
{db}   map-cache 0.0.0.0/0 map-request
   exit-service-ipv4
  !
  exit-instance-id
 !
 exit-router-lisp
"""


def mr_ms(sites=None):
    sites = sites if sites is not None else {"SITE1": ("SITE1-KEY", ["192.168.1.0/24"]),
                                             "SITE2": ("SITE2-KEY", ["192.168.2.0/24"])}
    text = "".join(SITE_TEXT.format(name=name, description="Branch " + name[-1], key=key,
                                    records="".join("  eid-record %s accept-more-specifics\n" % p for p in prefixes))
                   for name, (key, prefixes) in sites.items())
    return parse_config(MR_MS_TEXT.format(sites=text))


def xtr(name, key, prefixes, hash_function=None, proxy_reply=False):
    return parse_config(XTR_TEXT.format(
        name=name, key=key, hash=" hash-function %s" % hash_function if hash_function else "",
        proxy="  etr map-server 127.0.10.1 proxy-reply\n" if proxy_reply else "",
        db="".join("   database-mapping %s locator-set RLOCS\n" % p for p in prefixes)))


def site1(**kw):
    return xtr("SITE1", "SITE1-KEY", ["192.168.1.0/24"], **kw)


def site2(prefixes=("192.168.2.0/24",), key="SITE2-KEY", **kw):
    return xtr("SITE2", key, list(prefixes), **kw)


def text_lab(**configs):
    configs = {MS_RLOC: configs.get("ms") or mr_ms(), SITE1_RLOC: configs.get("s1") or site1(),
               SITE2_RLOC: configs.get("s2") or site2()}
    return Lab(configs=configs)


def test_lab_from_ios_text_tells_the_story():
    lab = text_lab()
    assert ping_story(lab) == "..!!!"
    assert ping_story(lab, start_seq=5) == "!!!!!"
    # the interface locator stands for the router's own RLOC
    assert lab["SITE1"].etr.database[parse_prefix("192.168.1.0/24")].locators == ((SITE1_RLOC, 10, 50),)
    assert "cfg-intf" in lab["SITE1"].show("show lisp instance-id 0 ipv4 database", lab.now)


def test_new_site_accepts_registrations_at_once():
    lab = text_lab(ms=mr_ms({"SITE1": ("SITE1-KEY", ["192.168.1.0/24"])}))
    ms = lab["MR_MS"]
    assert "SITE2" not in ms.map_server.sites and ms.counters["map_register_no_site"] == 1
    lab.apply(MS_RLOC, mr_ms())
    lab.advance(2)  # SITE2 retries after 1 s (no Map-Notify yet)
    assert ms.map_server.sites["SITE2"].registrations
    assert ping_story(lab) == "..!!!"


def test_changed_key_reregisters_at_once():
    lab = text_lab()
    ms = lab["MR_MS"]
    lab.apply(MS_RLOC, mr_ms({"SITE1": ("NEW-KEY", ["192.168.1.0/24"]), "SITE2": ("SITE2-KEY", ["192.168.2.0/24"])}))
    out = lab["SITE1"].apply_config(site1(), lab.now)
    assert out == []  # nothing changed on SITE1 yet
    cfg = xtr("SITE1", "NEW-KEY", ["192.168.1.0/24"], hash_function="sha1")
    out = lab["SITE1"].apply_config(cfg, lab.now)
    assert len(out) == 1 and decode_control(out[0].data).alg_id == 1  # hash-function sha1
    mark = lab.mark()
    lab.deliver(out)
    assert lab.sent(after=mark, kind=4, dst=SITE1_RLOC)  # Map-Notify: accepted with the new key
    assert ms.map_server.sites["SITE1"].auth_failures == 0
    etr = ms.map_server.sites["SITE1"].registrations[parse_prefix("192.168.1.0/24")].latest()
    assert etr.hash_function == "sha1" and etr.last_registered == lab.now
    assert "hash-function sha1" in ms.show("show lisp site name SITE1", lab.now)


def test_new_database_mapping_is_registered_and_answered():
    lab = text_lab()
    ms = lab["MR_MS"]
    lab.apply(MS_RLOC, mr_ms({"SITE1": ("SITE1-KEY", ["192.168.1.0/24"]),
                              "SITE2": ("SITE2-KEY", ["192.168.2.0/24", "192.168.20.0/24"])}))
    mark = lab.mark()
    lab.apply(SITE2_RLOC, site2(["192.168.2.0/24", "192.168.20.0/24"]))
    regs = lab.sent(after=mark, kind=3, src=SITE2_RLOC)
    assert len(regs) == 1 and len(decode_control(regs[0].data).records) == 2
    assert parse_prefix("192.168.20.0/24") in ms.map_server.sites["SITE2"].registrations
    lab.ping(SITE1_RLOC, SITE1_HOST, "192.168.20.5", 0)
    entry = lab["SITE1"].map_cache.get(parse_prefix("192.168.20.0/24"))
    assert entry is not None and entry.authoritative and entry.locators[0].address == SITE2_RLOC


def test_removed_database_mapping_stops_being_answered_and_expires():
    lab = text_lab(ms=mr_ms({"SITE1": ("SITE1-KEY", ["192.168.1.0/24"]),
                             "SITE2": ("SITE2-KEY", ["192.168.2.0/24", "192.168.20.0/24"])}),
                   s2=site2(["192.168.2.0/24", "192.168.20.0/24"]))
    ms = lab["MR_MS"]
    assert parse_prefix("192.168.20.0/24") in ms.map_server.sites["SITE2"].registrations
    lab.apply(SITE2_RLOC, site2())
    lab.ping(SITE1_RLOC, SITE1_HOST, "192.168.20.5", 0)  # the MS still forwards; SITE2 no longer answers
    assert lab["SITE2"].counters["etr_map_request_dropped"] == 1
    assert lab["SITE1"].map_cache.get(parse_prefix("192.168.20.0/24")) is None
    lab.advance(181)
    assert parse_prefix("192.168.20.0/24") not in ms.map_server.sites["SITE2"].registrations
    assert parse_prefix("192.168.2.0/24") in ms.map_server.sites["SITE2"].registrations


def test_removed_site_drops_its_registrations():
    lab = text_lab()
    ms = lab["MR_MS"]
    lab.apply(MS_RLOC, mr_ms({"SITE1": ("SITE1-KEY", ["192.168.1.0/24"])}))
    assert "SITE2" not in ms.map_server.sites
    assert "SITE2" not in ms.show("show lisp site", lab.now)
    mark = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0)
    record = decode_control(lab.sent(after=mark, kind=2)[0].data).records[0]
    assert record.ttl == 15 and record.locators == ()  # no longer an EID at all


def test_proxy_reply_switched_on_live():
    lab = text_lab()
    lab.apply(SITE2_RLOC, site2(proxy_reply=True))
    mark = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0)
    replies = lab.sent(after=mark, kind=2)
    assert [s.src[0] for s in replies] == [MS_RLOC]


def test_roles_switched_off_and_static_entries_removed():
    lab = text_lab()
    ping_story(lab)
    s1 = lab["SITE1"]
    text = XTR_TEXT.format(name="SITE1", key="SITE1-KEY", hash="", proxy="",
                           db="   database-mapping 192.168.1.0/24 locator-set RLOCS\n")
    text = text.replace("   map-cache 0.0.0.0/0 map-request\n", "").replace("  itr\n", "")
    lab.apply(SITE1_RLOC, parse_config(text))
    assert s1.itr is None and s1.etr is not None
    assert s1.map_cache.get(parse_prefix("0.0.0.0/0")) is None
    assert s1.send_echo(SITE1_HOST, SITE2_HOST, 1, 1, b"", lab.now) == []
    assert s1.counters["host_no_itr_dropped"] == 1
    assert "Ingress Tunnel Router (ITR):              disabled" in s1.show("show lisp service ipv4", lab.now)
    lab.apply(SITE1_RLOC, parse_config("hostname SITE1\n"))
    assert (s1.itr, s1.etr, s1.map_server, s1.map_resolver) == (None, None, None, None)
    assert s1.next_timer() is None or s1.next_timer() > lab.now


def test_unusable_config_raises_before_anything_changes():
    lab = text_lab()
    s1 = lab["SITE1"]
    before = (s1.config, s1.etr.database, s1.service_flags)
    bad = site1()
    bad.lisp.instances[0].services["ipv4"].database_mappings["300.1.1.0/24"] = "RLOCS"
    with pytest.raises(ValueError):
        s1.apply_config(bad, lab.now)
    assert (s1.config, s1.etr.database, s1.service_flags) == before
    assert ping_story(lab) == "..!!!"


def test_ipv6_eid_prefixes_register_and_are_answered():
    ms_text = MR_MS_TEXT.format(sites=SITE_TEXT.format(
        name="SITE1", description="Branch 1", key="SITE1-KEY",
        records="  eid-record 192.168.1.0/24 accept-more-specifics\n  eid-record 2001:DB8:1::/48 accept-more-specifics\n"))
    ms_text = ms_text.replace("  map-resolver\n  exit-service-ipv4\n",
                              "  map-resolver\n  exit-service-ipv4\n !\n service ipv6\n  map-server\n  map-resolver\n"
                              "  exit-service-ipv6\n")
    s1_text = XTR_TEXT.format(name="SITE1", key="SITE1-KEY", hash="", proxy="",
                              db="   database-mapping 192.168.1.0/24 locator-set RLOCS\n")
    s1_text = s1_text.replace("  exit-instance-id\n", "  service ipv6\n   eid-table default\n"
                              "   database-mapping 2001:DB8:1::/48 locator-set RLOCS\n   exit-service-ipv6\n  !\n"
                              "  exit-instance-id\n")
    lab = text_lab(ms=parse_config(ms_text), s1=parse_config(s1_text))
    ms = lab["MR_MS"]
    assert parse_prefix("2001:db8:1::/48") in ms.map_server.sites["SITE1"].registrations
    assert "2001:DB8:1::/48" in ms.show("show lisp site", lab.now)
    assert (0, "ipv6") in ms.oper_state(lab.now)["roles"] and (0, "ipv6") in lab["SITE1"].roles
    db = lab["SITE1"].show("show lisp instance-id 0 ipv6 database", lab.now)
    assert "LISP ETR IPv6 Mapping Database for LISP 0 EID-table default (IID 0)" in db and "2001:DB8:1::/48" in db
