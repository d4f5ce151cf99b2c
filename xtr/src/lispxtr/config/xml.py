"""The NETCONF view of the config tree: Cisco-IOS-XE-native + Cisco-IOS-XE-lisp (IOS-XE 17.9.1) XML.

Shape (only current-status nodes of the model; the obsolete ``default`` containers and the flat
``ipv4/...`` paths are never produced nor accepted)::

    <native xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-native">
      <hostname>SITE1</hostname>
      <login><block-config><block-for>S</block-for><attempts>N</attempts><within>W</within></block-config></login>
      <router>
        <lisp xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-lisp">               presence: router lisp
          <locator-set><name>RLOCS</name>
            <IPv4-interface><name>Loopback0</name><priority-and-weight><priority>10</priority><weight>50</weight>...
            <IPv6-interface>... <ip-address><ip>192.0.2.1</ip><priority-and-weight>...
          <service><ipv4>                                                          presence: service ipv4
            <itr><map-resolver><ip-addr>A</ip-addr></map-resolver></itr> <itr-enable><itr/></itr-enable>
            <etr><map-server><ip-addr>A</ip-addr><key><key-0><ak-0>K</ak-0><hash-function>sha1</hash-function>
                 </key-0></key><proxy-reply/></map-server></etr> <etr-enable><etr/></etr-enable>
            <map-server/> <map-resolver/> <proxy-etr/> <proxy-itr><ipv4-addr>A</ipv4-addr></proxy-itr>
            <use-petr-config><use-petr><locator-address>A</locator-address>
                 <priority><priority-value>P</priority-value><weight>W</weight></priority></use-petr></use-petr-config>
          <instance-container><instance-list><instance-id>0</instance-id><service><ipv4>
            <eid-table><default/></eid-table>  (or <vrf>NAME</vrf>)
            <database-mapping><eid-cont><eid-prefix>P</eid-prefix>
                 <locator-set-container><locator-set>RLOCS</locator-set></locator-set-container></eid-cont></database-mapping>
            <map-cache><eid-interface><eid-prefix>P</eid-prefix><map-request/></eid-interface></map-cache>
          <loc-reach-algorithm><rloc-probing/></loc-reach-algorithm>                    loc-reach-algorithm rloc-probing
          <site><sname>SITE2</sname><description>..</description>
            <authentication-key><key-0>K</key-0></authentication-key>
            <allowed-locator><ls-ipv4>A</ls-ipv4></allowed-locator>
            <eid-record><prefixes><prefix>P</prefix><accept-more-specifics/></prefixes>
                        <instance-id-cfg><id>N</id><prefix>P</prefix>...</instance-id-cfg></eid-record>

Besides ``router lisp`` the view has ``hostname``, ``service/password-encryption`` (``service
password-encryption``) and ``password/encryption/aes`` (``password encryption aes``) of the native
module. Not in the XML view: ``username`` and ``enable secret`` live in native submodules that are not
published with the 17.9.1 models used here, nor the master key (never shown, as on IOS-XE); so
``tree_to_xml`` emits those three and ``router lisp`` only, and ``xml_to_tree``/``apply_edit_xml`` keep the users and enable secret of the tree they start
from (``xml_to_tree`` alone returns none).

Mapping choices the model leaves open: a key entered without type (``unc-pwd`` / ``key-pwd``) is read
as type 0 and written back as ``key-0`` (or, as on the CLI, stored and shown as ``key-7`` / ``key-6``
under ``service password-encryption`` / ``password encryption aes``); ``eid-table`` ``default``/``vrf`` and the map-cache actions
``drop``/``map-request``/``native-forward`` are treated as alternatives (setting one removes the others),
as on the CLI. Addresses are written in RFC 6991 canonical form (IPv6 lower case).

String leaves refuse control characters and have the bounds of values.py (an ``invalid-value`` error
naming the leaf, its value escaped and cut).

``apply_edit_xml`` implements RFC 6241 §7.2 edit-config over this subset: ``operation`` attributes
(merge, replace, create, delete, remove) on any element, inherited downwards, and default-operation
merge/replace/none. It works on a copy; errors raise NetconfEditError (error-tag, error-path with
``ios:``/``lisp:`` prefixes, message, error-info) and the input tree is never touched. Elements outside
the subset this router implements are reported as ``unknown-element``.
"""

from lxml import etree

from . import limits, secrets, values
from .model import (
    ConfigError,
    EidRecordCfg,
    Instance,
    InstanceService,
    LispConfig,
    LocatorEntry,
    LocatorSet,
    MapServerRef,
    RouterConfig,
    Service,
    Site,
    sort_locators,
)
from .validate import validate_tree

NATIVE_NS = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP_NS = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
NETCONF_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
PREFIXES = {NATIVE_NS: "ios", LISP_NS: "lisp"}
OPERATION = "{%s}operation" % NETCONF_NS
OPERATIONS = ("merge", "replace", "create", "delete", "remove")
DEFAULT_OPERATIONS = ("merge", "replace", "none")


class NetconfEditError(Exception):
    """An <rpc-error> for edit-config/copy-config (RFC 6241 §4.3 and Appendix A).

    error_tag: 'invalid-value', 'unknown-element', 'unknown-namespace', 'data-exists', 'data-missing',
    'missing-element', 'bad-element', 'bad-attribute', 'operation-failed'; error_type: 'application'
    or 'protocol'; error_path: XPath with ``ios:``/``lisp:`` prefixes (None when it does not apply);
    error_info: dict for <error-info> (``bad-element``, ``bad-namespace``, ``bad-attribute``).
    Messages never carry a secret.
    """

    def __init__(self, error_tag, message, error_path=None, error_info=None, error_type="application"):
        super().__init__(message)
        self.error_tag = error_tag
        self.error_type = error_type
        self.error_path = error_path
        self.message = message
        self.error_info = dict(error_info or {})

    def __str__(self):
        where = " at %s" % self.error_path if self.error_path else ""
        return "%s%s: %s" % (self.error_tag, where, self.message)


def safe_parser():
    """The lxml parser to read NETCONF XML with: no entities, no network, no DTD, no huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_blank_text=True)


# ---------------------------------------------------------------------------------------------
# the schema of the supported subset
# ---------------------------------------------------------------------------------------------


class _Node:
    __slots__ = ("name", "ns", "kind", "children", "keys", "parse", "choice", "secret", "tag")

    def __init__(self, name, kind, children=(), keys=(), parse=None, choice=None, secret=False, ns=LISP_NS):
        self.name = name
        self.ns = ns
        self.kind = kind
        self.children = {child.name: child for child in children}
        self.keys = keys
        self.parse = parse
        self.choice = choice
        self.secret = secret
        self.tag = "{%s}%s" % (ns, name)

    def step(self, keys=None):
        prefix = PREFIXES[self.ns]
        text = "%s:%s" % (prefix, self.name)
        for key, value in zip(self.keys, keys or ()):
            text += '[%s:%s="%s"]' % (prefix, key, _path_value(value))
        return text


def _path_value(value):
    """A key value as an error-path shows it: control characters escaped, long values cut."""
    if len(value) <= values.SHOWN_MAX and value.isprintable():
        return value
    return repr(value[:values.SHOWN_MAX])[1:-1] + ("..." if len(value) > values.SHOWN_MAX else "")


def _container(name, *children, choice=None, ns=LISP_NS):
    return _Node(name, "container", children, choice=choice, ns=ns)


def _presence(name, *children):
    return _Node(name, "presence", children)


def _list(name, keys, *children):
    return _Node(name, "list", children, keys=keys)


def _leaf(name, parse, choice=None, secret=False, ns=LISP_NS):
    return _Node(name, "leaf", parse=parse, choice=choice, secret=secret, ns=ns)


def _empty(name, choice=None, ns=LISP_NS):
    return _Node(name, "empty", choice=choice, ns=ns)


def _x_uint(low, high):
    return lambda text: str(values.uint(text, low, high))


def _x_address(text):
    return values.to_xml_address(values.ip_address(text))


def _x_ipv4(text):
    return values.ipv4_address(text)


def _x_ipv6(text):
    return values.ipv6_address(text).lower()


def _x_prefix(family):
    return lambda text: values.to_xml_address(values.prefix(text, family))


def _x_enum(*allowed):
    def parse(text):
        if text not in allowed:
            raise ValueError("expected one of %s" % ", ".join(allowed))
        return text

    return parse


def _x_key(secret_type):
    def parse(text):
        if not text or any(ch.isspace() for ch in text):
            raise ValueError("a key must be one word of text")
        secrets.check_stored("key", secret_type, text)
        return text

    return parse


_PRIORITY = _x_uint(*values.PRIORITY_RANGE)
_WEIGHT = _x_uint(*values.WEIGHT_RANGE)
_HASH = _x_enum("sha1", "sha2")


def _priority_and_weight():
    return _container("priority-and-weight", _leaf("priority", _PRIORITY), _leaf("weight", _WEIGHT))


def _map_server_key():
    cases = [_container("key-pwd", _leaf("unc-pwd", _x_key(0), secret=True), _leaf("hash-function", _HASH), choice="password")]
    for key_type in (0, 6, 7):
        cases.append(_container("key-%d" % key_type, _leaf("ak-%d" % key_type, _x_key(key_type), secret=True),
                                _leaf("hash-function", _HASH), choice="password"))
    return _container("key", *cases)


def _service(family):
    return _presence(
        family,
        _container("itr", _list("map-resolver", ("ip-addr",), _leaf("ip-addr", _x_address))),
        _container("itr-enable", _empty("itr")),
        _container("etr-enable", _empty("etr")),
        _container("etr", _list("map-server", ("ip-addr",), _leaf("ip-addr", _x_address), _map_server_key(), _empty("proxy-reply"))),
        _presence("map-server"),
        _presence("map-resolver"),
        _empty("proxy-etr"),
        _container("proxy-itr", _leaf("ipv4-addr", _x_ipv4), _leaf("ipv6-addr", _x_ipv6)),
        _container("use-petr-config", _list("use-petr", ("locator-address",), _leaf("locator-address", _x_address),
                                            _container("priority", _leaf("priority-value", _PRIORITY), _leaf("weight", _WEIGHT)))),
    )


def _instance_service(family):
    return _presence(
        family,
        _container("eid-table", _empty("default", choice="table"), _leaf("vrf", values.vrf_name, choice="table")),
        _container("map-cache", _list("eid-interface", ("eid-prefix",), _leaf("eid-prefix", _x_prefix(family)),
                                      *(_empty(action, choice="action") for action in ("drop", "map-request", "native-forward")))),
        _container("database-mapping", _list("eid-cont", ("eid-prefix",), _leaf("eid-prefix", _x_prefix(family)),
                                             _container("locator-set-container", _leaf("locator-set", values.name)))),
    )


_BLOCK = ("block-for", "attempts", "within")  # /native/login/block-config


def _build_schema():
    locator_set = _list(
        "locator-set", ("name",), _leaf("name", values.name),
        _list("IPv4-interface", ("name",), _leaf("name", values.name), _priority_and_weight()),
        _list("IPv6-interface", ("name",), _leaf("name", values.name), _priority_and_weight()),
        _list("ip-address", ("ip",), _leaf("ip", _x_address), _priority_and_weight()),
    )
    instances = _container("instance-container", _list(
        "instance-list", ("instance-id",), _leaf("instance-id", _x_uint(0, values.MAX_INSTANCE_ID)),
        _container("service", _instance_service("ipv4"), _instance_service("ipv6"))))
    auth_key = [_leaf("unc-pwd", _x_key(0), choice="auth-key", secret=True)]
    auth_key += [_leaf("key-%d" % t, _x_key(t), choice="auth-key", secret=True) for t in (0, 6, 7)]
    site = _list(
        "site", ("sname",), _leaf("sname", values.name),
        _container("authentication-key", *auth_key),
        _leaf("description", values.description),
        _container("allowed-locator", _leaf("ls-ipv4", _x_ipv4), _leaf("ls-ipv6", _x_ipv6)),
        _container("eid-record",
                   _list("prefixes", ("prefix",), _leaf("prefix", _x_prefix(None)), _empty("accept-more-specifics")),
                   _list("instance-id-cfg", ("id", "prefix"), _leaf("id", _x_uint(1, values.MAX_INSTANCE_ID)),
                         _leaf("prefix", _x_prefix(None)), _empty("accept-more-specifics"))),
    )
    lisp = _presence("lisp", locator_set, _container("service", _service("ipv4"), _service("ipv6")), instances,
                     _container("loc-reach-algorithm", _empty("rloc-probing")), site)
    login = _container("login", _container("block-config", *(_leaf(name, _x_uint(1, 65535), ns=NATIVE_NS) for name in _BLOCK),
                                           ns=NATIVE_NS), ns=NATIVE_NS)  # login block-for (limits.py)
    return _container("native", _leaf("hostname", values.hostname, ns=NATIVE_NS),
                      _container("service", _empty("password-encryption", ns=NATIVE_NS), ns=NATIVE_NS),
                      _container("password", _container("encryption", _empty("aes", ns=NATIVE_NS), ns=NATIVE_NS), ns=NATIVE_NS),
                      login,
                      _container("router", lisp, ns=NATIVE_NS), ns=NATIVE_NS)


ROOT = _build_schema()
_TOP = {"native": ROOT}
_LEAF_KINDS = ("leaf", "empty")


# ---------------------------------------------------------------------------------------------
# checking received XML against the subset
# ---------------------------------------------------------------------------------------------


def _split(element):
    tag = element.tag
    if tag[0] == "{":
        ns, _unused, name = tag[1:].partition("}")
        return ns, name
    return None, tag


def _elements(element):
    return [child for child in element if isinstance(child.tag, str)]


def _schema_child(element, siblings, path):
    """The schema node for element among siblings, or the matching NETCONF error."""
    ns, name = _split(element)
    if ns not in PREFIXES:
        raise NetconfEditError("unknown-namespace", "namespace %r is not supported here (element %s)" % (ns, name),
                               path or "/", {"bad-element": name, "bad-namespace": ns or ""}, "protocol")
    node = siblings.get(name)
    if node is None or node.ns != ns:
        where = "%s/%s:%s" % (path, PREFIXES[ns], name)
        raise NetconfEditError("unknown-element", "unknown element %s (not in the Cisco-IOS-XE-lisp subset this router implements)" % name,
                               where, {"bad-element": name})
    return node


def _leaf_value(element, node, path):
    if _elements(element):
        raise NetconfEditError("bad-element", "%s is a leaf and cannot have child elements" % node.name, path, {"bad-element": node.name})
    text = (element.text or "").strip()
    if node.kind == "empty":
        if text:
            raise NetconfEditError("invalid-value", "%s is an empty leaf; got text %r" % (node.name, text), path, {"bad-element": node.name})
        return ""
    try:
        return node.parse(text)
    except ValueError as exc:
        shown = "(value hidden)" if node.secret else values.shown(text)
        raise NetconfEditError("invalid-value", "invalid %s %s: %s" % (node.name, shown, exc), path, {"bad-element": node.name}) from None


def _key_values(element, node, path):
    found = []
    for key in node.keys:
        key_node = node.children[key]
        key_el = None
        for child in _elements(element):
            if child.tag == key_node.tag:
                key_el = child
                break
        if key_el is None:
            raise NetconfEditError("missing-element", "list %s entry lacks its key %s" % (node.name, key),
                                   "%s/%s" % (path, node.step()), {"bad-element": key})
        found.append(_leaf_value(key_el, key_node, "%s/%s/%s" % (path, node.step(), key_node.step())))
    return tuple(found)


class _LazyPath:
    """The XPath of an element, formatted only when an error needs it."""

    __slots__ = ("parent", "node", "element")

    def __init__(self, parent, node, element):
        self.parent = parent
        self.node = node
        self.element = element

    def __str__(self):
        keys = None
        if self.node.kind == "list":
            keys = []
            for key in self.node.keys:
                found = _first_child(self.element, self.node.children[key].tag)
                keys.append("?" if found is None else (found.text or "").strip())
        return "%s/%s" % (self.parent, self.node.step(keys))


def _first_child(element, tag):
    for found in element.iterchildren(tag):
        return found
    return None


def _check_subtree(element, node, path):
    """Check element (matched to node, at path) and everything under it.

    path may be a _LazyPath: a 10,000-site tree is checked without formatting 100,000 paths.
    """
    if node.kind in _LEAF_KINDS:
        _leaf_value(element, node, str(path))
        return
    children = node.children
    for child in element:
        tag = child.tag
        if tag.__class__ is not str:
            continue  # comments, processing instructions
        child_node = children.get(tag[tag.find("}") + 1:])
        if child_node is None or child_node.tag != tag:
            _schema_child(child, children, str(path))  # raises the matching error
        kind = child_node.kind
        if kind == "leaf":
            if not len(child):
                try:
                    child_node.parse((child.text or "").strip())
                    continue
                except ValueError:
                    pass
            _leaf_value(child, child_node, "%s/%s" % (path, child_node.step()))
        elif kind == "empty":
            if len(child) or (child.text or "").strip():
                _leaf_value(child, child_node, "%s/%s" % (path, child_node.step()))
        elif kind == "list":
            for key in child_node.keys:
                if _first_child(child, child_node.children[key].tag) is None:
                    _key_values(child, child_node, str(path))  # raises missing-element
            _check_subtree(child, child_node, _LazyPath(path, child_node, child))
        else:
            _check_subtree(child, child_node, _LazyPath(path, child_node, child))


# ---------------------------------------------------------------------------------------------
# tree -> XML
# ---------------------------------------------------------------------------------------------


def _sub(parent, name, text=None, ns=LISP_NS):
    element = etree.SubElement(parent, "{%s}%s" % (ns, name))
    if text is not None:
        element.text = text
    return element


def _path_sub(parent, *names):
    for name in names:
        parent = _sub(parent, name)
    return parent


def tree_to_xml(tree, *, with_lisp=True):
    """The <native> element for tree (hostname and, with_lisp, router/lisp); see the module docstring."""
    native = etree.Element("{%s}native" % NATIVE_NS, nsmap={None: NATIVE_NS})
    _sub(native, "hostname", tree.hostname, NATIVE_NS)
    if tree.password_encryption:
        _sub(_sub(native, "service", ns=NATIVE_NS), "password-encryption", ns=NATIVE_NS)
    if tree.password_encryption_aes:
        _sub(_sub(_sub(native, "password", ns=NATIVE_NS), "encryption", ns=NATIVE_NS), "aes", ns=NATIVE_NS)
    block = limits.limits_of(tree).block_for
    if block is not None:
        holder = _sub(_sub(native, "login", ns=NATIVE_NS), "block-config", ns=NATIVE_NS)
        for name, value in zip(_BLOCK, block):
            _sub(holder, name, str(value), NATIVE_NS)
    if with_lisp and tree.lisp is not None:
        router = _sub(native, "router", ns=NATIVE_NS)
        lisp_el = etree.SubElement(router, "{%s}lisp" % LISP_NS, nsmap={None: LISP_NS})
        _lisp_to_xml(lisp_el, tree.lisp)
    return native


def _pw(parent, container, priority_name, priority, weight):
    holder = _sub(parent, container)
    _sub(holder, priority_name, str(priority))
    _sub(holder, "weight", str(weight))


def _lisp_to_xml(lisp_el, lisp):
    xa = values.to_xml_address
    for name, locator_set in lisp.locator_sets.items():
        ls_el = _sub(lisp_el, "locator-set")
        _sub(ls_el, "name", name)
        for entry in sort_locators(locator_set.locators):
            if entry.interface is not None:
                loc_el = _sub(ls_el, "IPv6-interface" if entry.family == "ipv6" else "IPv4-interface")
                _sub(loc_el, "name", entry.interface)
            else:
                loc_el = _sub(ls_el, "ip-address")
                _sub(loc_el, "ip", xa(entry.address))
            _pw(loc_el, "priority-and-weight", "priority", entry.priority, entry.weight)
    if lisp.services:
        service_el = _sub(lisp_el, "service")
        for family in ("ipv4", "ipv6"):
            if family in lisp.services:
                _service_to_xml(_sub(service_el, family), lisp.services[family])
    if lisp.instances:
        container = _sub(lisp_el, "instance-container")
        for iid in sorted(lisp.instances):
            inst_el = _sub(container, "instance-list")
            _sub(inst_el, "instance-id", str(iid))
            services = lisp.instances[iid].services
            if services:
                service_el = _sub(inst_el, "service")
                for family in ("ipv4", "ipv6"):
                    if family in services:
                        _instance_service_to_xml(_sub(service_el, family), services[family])
    if lisp.rloc_probing:
        _path_sub(lisp_el, "loc-reach-algorithm", "rloc-probing")
    for name, site in lisp.sites.items():
        _site_to_xml(_sub(lisp_el, "site"), name, site)


def _service_to_xml(el, service):
    xa = values.to_xml_address
    if service.map_resolvers:
        itr = _sub(el, "itr")
        for address in service.map_resolvers:
            _sub(_sub(itr, "map-resolver"), "ip-addr", xa(address))
    if service.itr:
        _path_sub(el, "itr-enable", "itr")
    if service.etr:
        _path_sub(el, "etr-enable", "etr")
    if service.map_servers:
        etr = _sub(el, "etr")
        for address, ref in service.map_servers.items():
            ms_el = _sub(etr, "map-server")
            _sub(ms_el, "ip-addr", xa(address))
            if ref.key is not None:
                key_el = _sub(_sub(ms_el, "key"), "key-%d" % ref.key_type)
                _sub(key_el, "ak-%d" % ref.key_type, ref.key)
                if ref.hash_function:
                    _sub(key_el, "hash-function", ref.hash_function)
            if ref.proxy_reply:
                _sub(ms_el, "proxy-reply")
    if service.map_server:
        _sub(el, "map-server")
    if service.map_resolver:
        _sub(el, "map-resolver")
    if service.proxy_etr:
        _sub(el, "proxy-etr")
    if service.proxy_itr:
        pitr = _sub(el, "proxy-itr")
        for address in service.proxy_itr:
            _sub(pitr, "ipv6-addr" if ":" in address else "ipv4-addr", xa(address))
    if service.use_petr:
        holder = _sub(el, "use-petr-config")
        for address, pw in service.use_petr.items():
            petr = _sub(holder, "use-petr")
            _sub(petr, "locator-address", xa(address))
            if pw is not None:
                _pw(petr, "priority", "priority-value", pw[0], pw[1])


def _instance_service_to_xml(el, service):
    xa = values.to_xml_address
    table = _sub(el, "eid-table")
    if service.eid_table == "default":
        _sub(table, "default")
    else:
        _sub(table, "vrf", service.eid_table.split(None, 1)[1])
    if service.map_cache:
        cache = _sub(el, "map-cache")
        for eid_prefix, action in service.map_cache.items():
            entry = _sub(cache, "eid-interface")
            _sub(entry, "eid-prefix", xa(eid_prefix))
            _sub(entry, action)
    if service.database_mappings:
        dbm = _sub(el, "database-mapping")
        for eid_prefix, locator_set in service.database_mappings.items():
            entry = _sub(dbm, "eid-cont")
            _sub(entry, "eid-prefix", xa(eid_prefix))
            _path_sub(entry, "locator-set-container", "locator-set").text = locator_set


def _site_to_xml(el, name, site):
    xa = values.to_xml_address
    _sub(el, "sname", name)
    if site.auth_key is not None:
        _sub(_sub(el, "authentication-key"), "key-%d" % site.key_type, site.auth_key)
    if site.description is not None:
        _sub(el, "description", site.description)
    if site.allowed_locators:
        allowed = _sub(el, "allowed-locator")
        for address in site.allowed_locators:
            _sub(allowed, "ls-ipv6" if ":" in address else "ls-ipv4", xa(address))
    if site.eid_records:
        records = _sub(el, "eid-record")
        for (iid, eid_prefix), record in site.eid_records.items():
            if iid == 0:
                entry = _sub(records, "prefixes")
            else:
                entry = _sub(records, "instance-id-cfg")
                _sub(entry, "id", str(iid))
            _sub(entry, "prefix", xa(eid_prefix))
            if record.accept_more_specifics:
                _sub(entry, "accept-more-specifics")


# ---------------------------------------------------------------------------------------------
# XML -> tree
# ---------------------------------------------------------------------------------------------


def _find_native(element):
    """The <native> element itself, or the one inside a <config>/<data> wrapper (None if empty)."""
    if element.tag == ROOT.tag:
        return element
    ns, name = _split(element)
    if name in ("config", "data"):
        native = None
        for child in _elements(element):
            if child.tag == ROOT.tag:
                native = child
            else:
                _schema_child(child, _TOP, "")  # raises unknown-namespace / unknown-element
        return native
    if ns not in PREFIXES:
        raise NetconfEditError("unknown-namespace", "expected <native> in namespace %s" % NATIVE_NS, "/",
                               {"bad-element": name, "bad-namespace": ns or ""}, "protocol")
    raise NetconfEditError("unknown-element", "expected <native>, got <%s>" % name, "/", {"bad-element": name})


class _Kids(dict):
    """The element children of one element by local name (one pass over them; the tree was checked
    against the schema before, so local names are unambiguous)."""

    __slots__ = ()

    def __init__(self, element):
        super().__init__()
        if element is not None:
            for child in element:
                tag = child.tag
                if tag.__class__ is str:
                    self.setdefault(tag[tag.find("}") + 1:], []).append(child)

    def one(self, name):
        found = self.get(name)
        return found[0] if found else None

    def all(self, name):
        return self.get(name, ())

    def text(self, name):
        found = self.get(name)
        return (found[0].text or "").strip() if found else None

    def has(self, name):
        return name in self


def _missing(path, name, message):
    return NetconfEditError("missing-element", message, path, {"bad-element": name})


def xml_to_tree(native_el):
    """The RouterConfig an XML <native> element (or a <data>/<config> holding one) describes.

    Raises NetconfEditError for anything outside the supported subset, bad values, missing keys, and
    entries the CLI could not express (a locator without priority-and-weight, a map-cache entry
    without action, a database-mapping without locator-set). Users and enable secret are not part of
    the XML view and come back empty. Does not run validate_tree (the caller decides).
    """
    native = _find_native(native_el)
    if native is None:
        return RouterConfig()
    path = "/" + ROOT.step()
    _check_subtree(native, ROOT, path)
    tree = RouterConfig()
    kids = _Kids(native)
    if kids.has("hostname"):
        tree.hostname = kids.text("hostname")
    tree.password_encryption = _Kids(kids.one("service")).has("password-encryption")
    tree.password_encryption_aes = _Kids(_Kids(kids.one("password")).one("encryption")).has("aes")
    block_el = _Kids(kids.one("login")).one("block-config")
    if block_el is not None:
        block = _Kids(block_el)
        for name in _BLOCK:
            if not block.has(name):
                raise _missing(path + "/ios:login/ios:block-config", name, "login block-config needs block-for, attempts and within")
        tree.limits.block_for = tuple(int(block.text(name)) for name in _BLOCK)
    lisp_el = _Kids(kids.one("router")).one("lisp")
    if lisp_el is not None:
        tree.lisp = _lisp_from_xml(lisp_el, path + "/ios:router/lisp:lisp")
    return tree


def _pw_from_xml(kids, container, priority_name, path):
    holder = _Kids(kids.one(container))
    priority = holder.text(priority_name)
    weight = holder.text("weight")
    if priority is None or weight is None:
        missing = container if not kids.has(container) else (priority_name if priority is None else "weight")
        raise _missing(path, missing, "%s needs both %s and weight" % (container, priority_name))
    return int(priority), int(weight)


def _lisp_from_xml(el, path):
    lisp = LispConfig()
    kids = _Kids(el)
    for ls_el in kids.all("locator-set"):
        ls_kids = _Kids(ls_el)
        name = ls_kids.text("name")
        locators = []
        for tag, family in (("IPv4-interface", "ipv4"), ("IPv6-interface", "ipv6"), ("ip-address", None)):
            for loc_el in ls_kids.all(tag):
                loc = _Kids(loc_el)
                if family is None:
                    entry = LocatorEntry(address=values.ip_address(loc.text("ip")))
                    key_leaf, key_value = "ip", loc.text("ip")
                else:
                    entry = LocatorEntry(interface=loc.text("name"), family=family)
                    key_leaf, key_value = "name", entry.interface
                loc_path = '%s/lisp:locator-set[lisp:name="%s"]/lisp:%s[lisp:%s="%s"]' % (path, name, tag, key_leaf, key_value)
                entry.priority, entry.weight = _pw_from_xml(loc, "priority-and-weight", "priority", loc_path)
                locators = [e for e in locators if e.key != entry.key] + [entry]
        lisp.locator_sets[name] = LocatorSet(sort_locators(locators))
    services = _Kids(kids.one("service"))
    for family in ("ipv4", "ipv6"):
        service_el = services.one(family)
        if service_el is not None:
            lisp.services[family] = _service_from_xml(service_el, "%s/lisp:service/lisp:%s" % (path, family))
    for inst_el in _Kids(kids.one("instance-container")).all("instance-list"):
        inst = _Kids(inst_el)
        iid = int(inst.text("instance-id"))
        instance = Instance()
        inst_path = '%s/lisp:instance-container/lisp:instance-list[lisp:instance-id="%d"]' % (path, iid)
        inst_services = _Kids(inst.one("service"))
        for family in ("ipv4", "ipv6"):
            service_el = inst_services.one(family)
            if service_el is not None:
                instance.services[family] = _instance_service_from_xml(
                    service_el, family, "%s/lisp:service/lisp:%s" % (inst_path, family))
        lisp.instances[iid] = instance
    lisp.rloc_probing = _Kids(kids.one("loc-reach-algorithm")).has("rloc-probing")
    for site_el in kids.all("site"):
        site_kids = _Kids(site_el)
        lisp.sites[site_kids.text("sname")] = _site_from_xml(site_kids)
    return lisp


def _service_from_xml(el, path):
    service = Service()
    kids = _Kids(el)
    for ms_el in _Kids(kids.one("itr")).all("map-resolver"):
        address = values.ip_address(_Kids(ms_el).text("ip-addr"))
        if address not in service.map_resolvers:
            service.map_resolvers.append(address)
    service.itr = _Kids(kids.one("itr-enable")).has("itr")
    service.etr = _Kids(kids.one("etr-enable")).has("etr")
    for ms_el in _Kids(kids.one("etr")).all("map-server"):
        ms = _Kids(ms_el)
        address = values.ip_address(ms.text("ip-addr"))
        ms_path = '%s/lisp:etr/lisp:map-server[lisp:ip-addr="%s"]' % (path, ms.text("ip-addr"))
        ref = MapServerRef(proxy_reply=ms.has("proxy-reply"))
        if ms.has("key"):
            key = _Kids(ms.one("key"))
            for case, key_type, leaf in (("key-pwd", 0, "unc-pwd"), ("key-0", 0, "ak-0"), ("key-6", 6, "ak-6"), ("key-7", 7, "ak-7")):
                if key.has(case):
                    case_kids = _Kids(key.one(case))
                    ref.key = case_kids.text(leaf)
                    if ref.key is None:
                        raise _missing(ms_path + "/lisp:key/lisp:" + case, leaf, "%s needs %s" % (case, leaf))
                    ref.key_type = key_type
                    ref.hash_function = case_kids.text("hash-function")
            if ref.key is None:
                raise _missing(ms_path + "/lisp:key", "key-0", "key needs one of key-pwd, key-0, key-6, key-7")
        if ref.key is None and not ref.proxy_reply:
            raise _missing(ms_path, "key", "map-server %s needs a key or proxy-reply" % address)
        service.map_servers[address] = ref
    service.map_server = kids.has("map-server")
    service.map_resolver = kids.has("map-resolver")
    service.proxy_etr = kids.has("proxy-etr")
    pitr = _Kids(kids.one("proxy-itr"))
    for leaf in ("ipv4-addr", "ipv6-addr"):
        if pitr.has(leaf):
            service.proxy_itr.append(values.ip_address(pitr.text(leaf)))
    for petr_el in _Kids(kids.one("use-petr-config")).all("use-petr"):
        petr = _Kids(petr_el)
        address = values.ip_address(petr.text("locator-address"))
        pw = None
        if petr.has("priority"):
            petr_path = '%s/lisp:use-petr-config/lisp:use-petr[lisp:locator-address="%s"]' % (path, petr.text("locator-address"))
            pw = _pw_from_xml(petr, "priority", "priority-value", petr_path)
        service.use_petr[address] = pw
    return service


def _instance_service_from_xml(el, family, path):
    service = InstanceService()
    kids = _Kids(el)
    table = _Kids(kids.one("eid-table"))
    vrf = table.text("vrf")
    if vrf is not None and table.has("default"):
        raise NetconfEditError("bad-element", "eid-table takes default or vrf, not both", path + "/lisp:eid-table", {"bad-element": "vrf"})
    if vrf is not None:
        service.eid_table = "vrf " + vrf
    for entry_el in _Kids(kids.one("map-cache")).all("eid-interface"):
        entry = _Kids(entry_el)
        eid_prefix = values.prefix(entry.text("eid-prefix"), family)
        actions = [a for a in ("map-request", "native-forward", "drop") if entry.has(a)]
        entry_path = '%s/lisp:map-cache/lisp:eid-interface[lisp:eid-prefix="%s"]' % (path, entry.text("eid-prefix"))
        if not actions:
            raise _missing(entry_path, "map-request", "map-cache entry needs an action: map-request, native-forward or drop")
        if len(actions) > 1:
            raise NetconfEditError("bad-element", "map-cache entry takes one action, got %s" % ", ".join(actions), entry_path, {"bad-element": actions[1]})
        service.map_cache[eid_prefix] = actions[0]
    for entry_el in _Kids(kids.one("database-mapping")).all("eid-cont"):
        entry = _Kids(entry_el)
        eid_prefix = values.prefix(entry.text("eid-prefix"), family)
        locator_set = _Kids(entry.one("locator-set-container")).text("locator-set")
        if locator_set is None:
            entry_path = '%s/lisp:database-mapping/lisp:eid-cont[lisp:eid-prefix="%s"]' % (path, entry.text("eid-prefix"))
            raise _missing(entry_path, "locator-set", "database-mapping needs locator-set-container/locator-set")
        service.database_mappings[eid_prefix] = locator_set
    return service


def _site_from_xml(kids):
    site = Site(description=kids.text("description"))
    if kids.has("authentication-key"):
        auth = _Kids(kids.one("authentication-key"))
        for leaf, key_type in (("unc-pwd", 0), ("key-0", 0), ("key-6", 6), ("key-7", 7)):
            if auth.has(leaf):
                site.auth_key, site.key_type = auth.text(leaf), key_type
    if kids.has("allowed-locator"):
        allowed = _Kids(kids.one("allowed-locator"))
        for leaf in ("ls-ipv4", "ls-ipv6"):
            if allowed.has(leaf):
                site.allowed_locators.append(values.ip_address(allowed.text(leaf)))
    if kids.has("eid-record"):
        records = _Kids(kids.one("eid-record"))
        for entry_el in records.all("prefixes"):
            entry = _Kids(entry_el)
            key = (0, values.prefix_any(entry.text("prefix")))
            site.eid_records[key] = EidRecordCfg(entry.has("accept-more-specifics"))
        for entry_el in records.all("instance-id-cfg"):
            entry = _Kids(entry_el)
            key = (int(entry.text("id")), values.prefix_any(entry.text("prefix")))
            site.eid_records[key] = EidRecordCfg(entry.has("accept-more-specifics"))
    return site


# ---------------------------------------------------------------------------------------------
# edit-config
# ---------------------------------------------------------------------------------------------


def _operation(element, inherited, node, path):
    value = element.get(OPERATION)
    if value is None:
        return inherited
    if value not in OPERATIONS:
        raise NetconfEditError("bad-attribute", "operation %r is not one of %s" % (value, ", ".join(OPERATIONS)),
                               path, {"bad-attribute": "operation", "bad-element": node.name}, "protocol")
    return value


def _find(parent, node, keys):
    key_tags = [node.children[k].tag for k in node.keys] if keys else ()
    for child in parent:
        if child.tag != node.tag:
            continue
        if not keys:
            return child
        match = True
        for key_tag, value in zip(key_tags, keys):
            key_el = child.find(key_tag)
            if key_el is None or (key_el.text or "").strip() != value:
                match = False
                break
        if match:
            return child
    return None


def _make(node, keys):
    element = etree.Element(node.tag)
    for key, value in zip(node.keys, keys or ()):
        etree.SubElement(element, node.children[key].tag).text = value
    return element


def _insert(parent, node, siblings, element):
    if node.choice is not None:
        others = {s.tag for s in siblings.values() if s.choice == node.choice and s is not node}
        for child in list(parent):
            if child.tag in others:
                parent.remove(child)
    last = None
    for child in parent:
        if child.tag == node.tag:
            last = child
    if last is not None:
        last.addnext(element)
    else:
        parent.append(element)


def _edit(parent, element, siblings, inherited, path):
    node = _schema_child(element, siblings, path)
    op = _operation(element, inherited, node, path)
    if node.kind in _LEAF_KINDS:
        _edit_leaf(parent, element, node, siblings, op, "%s/%s" % (path, node.step()))
        return
    keys = _key_values(element, node, path) if node.kind == "list" else None
    here = "%s/%s" % (path, node.step(keys))
    existing = _find(parent, node, keys)
    if op in ("delete", "remove"):
        _check_subtree(element, node, here)
        if existing is None:
            if op == "delete":
                raise NetconfEditError("data-missing", "cannot delete %s: it does not exist" % node.name, here)
            return
        parent.remove(existing)
        return
    if op == "create" and existing is not None:
        raise NetconfEditError("data-exists", "cannot create %s: it already exists" % node.name, here)
    provisional = False
    if op in ("create", "replace"):
        target = _make(node, keys)
        if existing is not None:
            parent.replace(existing, target)
        else:
            _insert(parent, node, siblings, target)
    elif existing is not None:
        target = existing
    else:
        target = _make(node, keys)
        _insert(parent, node, siblings, target)
        provisional = op == "none"
    key_tags = {node.children[k].tag for k in node.keys}
    for child in _elements(element):
        if child.tag in key_tags:
            continue
        _edit(target, child, node.children, op, here)
    if provisional and not [c for c in target if c.tag not in key_tags]:
        parent.remove(target)


def _edit_leaf(parent, element, node, siblings, op, here):
    existing = _find(parent, node, None)
    if op in ("delete", "remove"):
        if existing is None:
            if op == "delete":
                raise NetconfEditError("data-missing", "cannot delete %s: it does not exist" % node.name, here)
            return
        parent.remove(existing)
        return
    value = _leaf_value(element, node, here)
    if op == "none":
        return
    if op == "create" and existing is not None:
        raise NetconfEditError("data-exists", "cannot create %s: it already exists" % node.name, here)
    if existing is None:
        existing = etree.Element(node.tag)
        _insert(parent, node, siblings, existing)
    existing.text = value if node.kind == "leaf" else None


def _prune(element, node):
    """Drop non-presence containers left without children (they carry no meaning)."""
    for child in list(element):
        child_node = node.children.get(_split(child)[1])
        if child_node is None or child_node.kind in _LEAF_KINDS:
            continue
        _prune(child, child_node)
        if child_node.kind == "container" and not len(child):
            element.remove(child)


def apply_edit_xml(tree, config_el, default_operation="merge"):
    """Apply an edit-config <config> (or a bare <native>) to a copy of tree and return the new tree.

    RFC 6241 §7.2 semantics; see the module docstring. Raises NetconfEditError and leaves tree as it
    was. The result also passes validate_tree (a failure there is 'operation-failed').
    """
    if default_operation not in DEFAULT_OPERATIONS:
        raise NetconfEditError("invalid-value", "default-operation %r is not one of merge, replace, none" % default_operation,
                               None, {"bad-element": "default-operation"}, "protocol")
    if config_el.tag == ROOT.tag:
        tops = [config_el]
    else:
        tops = _elements(config_el)
    holder = etree.Element("holder")
    if default_operation == "replace":
        # RFC 6241 §7.2: the <config> completely replaces the configuration, so start from nothing
        # (an empty <config> leaves an empty configuration: hostname Router, no router lisp).
        inherited = "merge"
    else:
        holder.append(tree_to_xml(tree))
        inherited = default_operation
    for top in tops:
        _edit(holder, top, _TOP, inherited, "")
    native = holder.find(ROOT.tag)
    if native is None:
        native = etree.Element(ROOT.tag)
    _prune(native, ROOT)
    result = xml_to_tree(native)
    result.users = dict(tree.copy().users.items())
    result.enable_secret = tree.enable_secret
    result.enable_secret_type = tree.enable_secret_type
    result.config_key = tree.config_key
    block_for = result.limits.block_for  # login block-for is in the XML; ip ssh ... is CLI-only (config/limits.py)
    result.limits = tree.copy().limits
    result.limits.block_for = block_for
    # IOS-XE stores a clear key (key-0 / unc-pwd) as type 7 or 6 when password encryption is on
    result.protect_keys()
    try:
        validate_tree(result)
    except ConfigError as exc:
        raise NetconfEditError("operation-failed", str(exc), None, {}) from None
    return result
