"""Secrets at rest (issue 14, holes 6 and 7): type 9 secrets, type 7 and type 6 LISP keys, the
normalisations IOS-XE makes (``service password-encryption``, ``password encryption aes`` with ``key
config-key password-encrypt``), and Map-Register HMACs computed with the decrypted keys."""

import pytest
from lxml import etree

from lispxtr import config as cfg
from lispxtr.config import secrets
from lispxtr.node import Node

from .test_core_lab import MS_RLOC, SITE1_RLOC, SITE2_RLOC, Lab, ms_config, site1_config, site2_config
from .test_mgmt_harness import MR_MS_CONFIG, SITE1_CONFIG

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
MASTER = "Master-Key-42"


def test_type9_matches_a_published_ios_xe_vector():
    # hashcat's example hash for mode 9300 (Cisco-IOS $9$, scrypt N=16384 r=1 p=1), password "hashcat"
    stored = "$9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo6"
    assert secrets.verify(stored, 9, "hashcat")
    assert not secrets.verify(stored, 9, "hashcaT")
    assert secrets.hash_type9("hashcat", "2MJBozw/9R3UsU") == stored
    tree = cfg.parse_config("username u privilege 15 secret 9 %s\nenable secret 9 %s\n" % (stored, stored))
    assert tree.verify_login("u", "hashcat") and not tree.verify_login("u", "other")
    assert tree.verify_enable("hashcat")
    assert "secret 9 %s" % stored in cfg.render_running_config(tree)


def test_type7_matches_published_vectors():
    for text in ("02050D480809", "094F471A1A0A", "0822455D0A16"):  # "cisco" with three seeds
        assert secrets.decode_type7(text) == "cisco"
    assert secrets.decode_type7(secrets.encode_type7("SITE1-KEY")) == "SITE1-KEY"


def test_secret_0_is_stored_as_type9_and_never_rendered_clear():
    tree = cfg.parse_config(SITE1_CONFIG)
    text = cfg.render_running_config(tree)
    assert "s3cret-Admin" not in text and "en4ble-Secret" not in text
    assert tree.users["admin"].secret_type == 9 and tree.enable_secret_type == 9
    assert tree.verify_login("admin", "s3cret-Admin") and tree.verify_enable("en4ble-Secret")
    again = cfg.parse_config(text)
    assert again == tree and again.verify_login("admin", "s3cret-Admin")


def test_protect_startup_hashes_clear_secrets_and_keeps_other_lines():
    text = "! saved by hand\n" + SITE1_CONFIG.replace("username oper privilege 1 secret 0 0per-Pass",
                                                      "usern oper priv 1 secret 0per-Pass\nno username nobody")
    tree, protected, changed = cfg.protect_startup(text)
    assert changed
    assert "s3cret-Admin" not in protected and "en4ble-Secret" not in protected and "0per-Pass" not in protected
    assert protected.startswith("! saved by hand\nhostname SITE1\nusername admin privilege 15 secret 9 $9$")
    assert "\nusername oper secret 9 $9$" in protected and "\nno username nobody\n" in protected
    assert "  etr map-server 127.0.10.1 key 0 SITE1-KEY\n" in protected  # keys are not secrets: kept
    assert cfg.parse_config(protected) == tree
    assert tree.verify_login("oper", "0per-Pass") and tree.verify_enable("en4ble-Secret")
    assert cfg.protect_startup(protected)[1:] == (protected, False)  # once is enough


def test_node_boot_rewrites_a_clear_startup_config(tmp_path):
    node = Node(tmp_path, "SITE1", "127.0.0.1")
    node.dir.mkdir(parents=True)
    node.startup_path.write_text(SITE1_CONFIG, encoding="utf-8")
    tree = node.load_startup()
    saved = node.startup_text()
    assert "s3cret-Admin" not in saved and "en4ble-Secret" not in saved
    assert cfg.parse_config(saved) == tree
    assert (node.startup_path.stat().st_mode & 0o777) == 0o600


def _session(text=MR_MS_CONFIG):
    return cfg.CliConfigSession(cfg.parse_config(text))


def _feed(session, *lines):
    for line in lines:
        session.feed(line)
    return session.tree


def test_service_password_encryption_stores_clear_keys_as_type7():
    session = _session(SITE1_CONFIG + "router lisp\n site SITE1\n  authentication-key 0 SITE1-KEY\n  exit-site\n exit-router-lisp\n"
                       "username op password 0 Op-Pass\n")
    tree = _feed(session, "service password-encryption")
    site, ref = tree.lisp.sites["SITE1"], tree.lisp.services["ipv4"].map_servers["127.0.10.1"]
    assert (site.key_type, ref.key_type, tree.users["op"].secret_type) == (7, 7, 7)
    assert site.clear_key() == "SITE1-KEY" and ref.clear_key() == "SITE1-KEY" and tree.verify_login("op", "Op-Pass")
    _feed(session, "router lisp", "site SITE2", "authentication-key 0 SITE2-KEY", "end")
    assert tree.lisp.sites["SITE2"].key_type == 7 and tree.lisp.sites["SITE2"].clear_key() == "SITE2-KEY"
    text = cfg.render_running_config(tree)
    assert "\nversion 17.9\nservice password-encryption\n!\nhostname SITE1\n" in text
    assert "KEY" not in text.replace("authentication-key", "") and "Op-Pass" not in text
    assert "  authentication-key 7 %s\n" % site.auth_key in text and "  etr map-server 127.0.10.1 key 7 %s\n" % ref.key in text
    assert cfg.parse_config(text) == tree
    # as on IOS-XE, turning it off does not decrypt what was stored
    _feed(session, "no service password-encryption")
    assert not tree.password_encryption and site.key_type == 7
    _feed(session, "router lisp", "site SITE3", "authentication-key 0 SITE3-KEY")
    assert tree.lisp.sites["SITE3"].key_type == 0


def test_type7_key_input_is_accepted_and_decrypted_for_hmac():
    encoded = secrets.encode_type7("SITE2-KEY", 9)
    tree = _feed(_session(), "router lisp", "site SITE2", "authentication-key 7 " + encoded)
    assert tree.lisp.sites["SITE2"].clear_key() == "SITE2-KEY"
    assert "  authentication-key 7 %s\n" % encoded in cfg.render_running_config(tree)


def test_password_encryption_aes_stores_clear_keys_as_type6():
    session = _session()
    tree = _feed(session, "password encryption aes")
    assert tree.lisp.sites["SITE1"].key_type == 0  # no master key yet: nothing to encrypt with
    _feed(session, "key config-key password-encrypt " + MASTER)
    site = tree.lisp.sites["SITE1"]
    assert site.key_type == 6 and site.clear_key(MASTER) == "SITE1-KEY"
    with pytest.raises(secrets.SecretError):
        site.clear_key()  # without the master key
    with pytest.raises(secrets.SecretError):
        site.clear_key("another-master")
    text = cfg.render_running_config(tree)
    assert MASTER not in text and "SITE1-KEY" not in text
    assert "\nhostname MR_MS\n!\npassword encryption aes\n!\n" in text
    assert "  authentication-key 6 %s\n" % site.auth_key in text
    reread = cfg.parse_config(text)
    assert reread.config_key is None  # the master key is not part of any configuration text
    reread.config_key = MASTER
    assert reread == tree
    # a new key is stored as 6 at once; both type 0 and aes on: 6 wins
    _feed(session, "service password-encryption", "router lisp", "site SITE2", "authentication-key 0 SITE2-KEY", "end")
    assert tree.lisp.sites["SITE2"].key_type == 6 and tree.lisp.sites["SITE2"].clear_key(MASTER) == "SITE2-KEY"
    # a new master key re-encrypts the type 6 keys
    old = site.auth_key
    _feed(session, "key config-key password-encrypt New-Master-7")
    assert site.auth_key != old and site.clear_key("New-Master-7") == "SITE1-KEY"
    # removing it leaves the keys unusable, as on IOS-XE
    _feed(session, "no key config-key password-encrypt")
    assert tree.config_key is None and site.key_type == 6


def test_master_key_is_checked_and_never_echoed():
    session = _session()
    with pytest.raises(cfg.ConfigError) as info:
        session.feed("key config-key password-encrypt short")
    assert "6..128" in info.value.message and "short" not in info.value.message and "short" not in info.value.line
    assert cfg.redact("key config-key password-encrypt %s" % MASTER) == "key ******** password-encrypt ********"
    assert cfg.redact("key config-key pass %s" % MASTER).endswith("********")


def test_foreign_type6_key_is_kept_but_cannot_be_used():
    tree = _feed(_session(), "key config-key password-encrypt " + MASTER, "router lisp", "site SITE2",
                 "authentication-key 6 ZUN\\ZYhLVV[GTI\\EFfYeSSAHCFcDJ^fcYP")
    site = tree.lisp.sites["SITE2"]
    assert site.auth_key == "ZUN\\ZYhLVV[GTI\\EFfYeSSAHCFcDJ^fcYP" and site.key_type == 6
    with pytest.raises(secrets.SecretError, match="not made by this router"):
        site.clear_key(MASTER)


def test_type6_tampering_is_detected():
    text = secrets.encrypt_type6("SITE1-KEY", MASTER)
    flipped = text[:30] + ("A" if text[30] != "A" else "B") + text[31:]
    with pytest.raises(secrets.SecretError):
        secrets.decrypt_type6(flipped, MASTER)
    assert secrets.decrypt_type6(text, MASTER) == "SITE1-KEY"
    assert text != secrets.encrypt_type6("SITE1-KEY", MASTER)  # a fresh iv each time


def _edit(tree, body):
    xml = '<config xmlns="%s"><native xmlns="%s"><router><lisp xmlns="%s">%s</lisp></router></native></config>' % (NC, NATIVE, LISP, body)
    return cfg.apply_edit_xml(tree, etree.fromstring(xml.encode(), cfg.safe_parser()))


def test_netconf_key0_is_stored_encrypted_and_shown_as_the_model_has_it():
    tree = _feed(_session(), "service password-encryption")
    new = _edit(tree, "<site><sname>SITE2</sname><authentication-key><key-0>SITE2-KEY</key-0></authentication-key></site>")
    assert new.lisp.sites["SITE2"].key_type == 7 and new.lisp.sites["SITE2"].clear_key() == "SITE2-KEY"
    native = etree.tostring(cfg.tree_to_xml(new)).decode()
    assert "<key-7>%s</key-7>" % new.lisp.sites["SITE2"].auth_key in native and "SITE2-KEY" not in native
    assert new.password_encryption  # what the XML view does not carry is kept
    tree = _feed(_session(), "key config-key password-encrypt " + MASTER, "password encryption aes")
    new = _edit(tree, "<service><ipv4><etr><map-server><ip-addr>127.0.10.9</ip-addr><key><key-pwd><unc-pwd>MS-KEY</unc-pwd>"
                      "</key-pwd></key></map-server></etr></ipv4></service>")
    ref = new.lisp.services["ipv4"].map_servers["127.0.10.9"]
    assert ref.key_type == 6 and ref.clear_key(MASTER) == "MS-KEY" and new.config_key == MASTER
    assert "<key-6><ak-6>%s</ak-6></key-6>" % ref.key in etree.tostring(cfg.tree_to_xml(new)).decode()
    # a type 6 key made by this router is accepted back as key-6 and still decrypts
    again = _edit(new, "<site><sname>SITE1</sname><authentication-key><key-6>%s</key-6></authentication-key></site>" % ref.key)
    assert again.lisp.sites["SITE1"].clear_key(MASTER) == "MS-KEY"


def test_map_register_hmac_uses_the_decrypted_keys():
    # MS: SITE2's key stored as type 6 under the master key; SITE2 (ETR): its map-server key as type 7
    ms = ms_config()
    ms.config_key = MASTER
    ms.password_encryption_aes = True
    ms.protect_keys()
    assert ms.lisp.sites["SITE2"].key_type == 6
    site2 = site2_config()
    site2.password_encryption = True
    site2.protect_keys()
    assert site2.lisp.services["ipv4"].map_servers[MS_RLOC].key_type == 7
    lab = Lab(configs={MS_RLOC: ms, SITE1_RLOC: site1_config(), SITE2_RLOC: site2})
    server = lab["MR_MS"].map_server.sites["SITE2"]
    assert server.registrations and server.auth_failures == 0
    # the same tree without its master key cannot check SITE2's Map-Registers (nothing registers)
    ms.config_key = None
    lab2 = Lab(configs={MS_RLOC: ms, SITE1_RLOC: site1_config(), SITE2_RLOC: site2})
    assert not lab2["MR_MS"].map_server.sites["SITE2"].registrations


def test_netconf_view_has_the_two_native_leaves_and_setting_one_converts_keys():
    tree = cfg.parse_config(MR_MS_CONFIG)
    xml = ('<config xmlns="%s"><native xmlns="%s"><service><password-encryption/></service>'
           '<password><encryption><aes/></encryption></password></native></config>' % (NC, NATIVE))
    new = cfg.apply_edit_xml(tree, etree.fromstring(xml.encode(), cfg.safe_parser()))
    assert new.password_encryption and new.password_encryption_aes
    assert new.lisp.sites["SITE1"].key_type == 7  # aes has no master key to use: type 7
    native = etree.tostring(cfg.tree_to_xml(new)).decode()
    assert "<service><password-encryption/></service>" in native and "<password><encryption><aes/></encryption></password>" in native
    assert cfg.xml_to_tree(cfg.tree_to_xml(new)).password_encryption_aes
    text = cfg.render_running_config(new)
    assert "\nservice password-encryption\n" in text and "\npassword encryption aes\n" in text
    # removing them (as on IOS-XE) does not decrypt the stored keys
    xml = ('<config xmlns="%s" xmlns:nc="%s"><native xmlns="%s"><service><password-encryption nc:operation="delete"/></service>'
           '</native></config>' % (NC, NC, NATIVE))
    off = cfg.apply_edit_xml(new, etree.fromstring(xml.encode(), cfg.safe_parser()))
    assert not off.password_encryption and off.password_encryption_aes and off.lisp.sites["SITE1"].key_type == 7


def test_unknown_user_costs_a_type9_check_like_a_known_one(monkeypatch):
    """The answer to a login for a user name that does not exist is not faster than a wrong
    password for one that does: both run scrypt once (no user-name oracle)."""
    tree = cfg.parse_config("username admin privilege 15 secret 0 right-password\n")
    calls = []
    real = secrets.hash_type9
    monkeypatch.setattr(secrets, "hash_type9", lambda clear, salt=None: calls.append(clear) or real(clear, salt))
    assert tree.verify_login("admin", "wrong") is None
    assert tree.verify_login("nobody", "wrong") is None
    assert tree.verify_login("admin", "right-password") is not None
    assert len(calls) == 3
