"""XML helpers of the NETCONF server: the hardened parser, `<rpc-error>` and filters (RFC 6241 §6)."""

import copy
import re

from lxml import etree

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NATIVE_NS = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP_NS = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
OPER_NS = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper"
CISCO_IA_NS = "http://cisco.com/yang/cisco-ia"


def qn(name, ns=NC):
    return "{%s}%s" % (ns, name)


def parse_message(data):
    """Parse one received message; no DTD, no entities, no network (billion laughs, XXE).

    Raises `RpcError('malformed-message')` for anything that is not a plain XML document.
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
        remove_comments=True,
        remove_pis=True,
    )
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise RpcError("malformed-message", "document type declarations are not allowed", error_type="rpc")
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise RpcError("malformed-message", "malformed XML: %s" % exc.msg, error_type="rpc") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise RpcError("malformed-message", "document type declarations are not allowed", error_type="rpc")
    return root


def local(el):
    return etree.QName(el).localname


def namespace(el):
    return etree.QName(el).namespace


def children(el):
    """Element children only (no comments or processing instructions)."""
    return [c for c in el if isinstance(c.tag, str)]


class RpcError(Exception):
    """One `<rpc-error>` (RFC 6241 §4.3 and Appendix A)."""

    def __init__(self, tag, message=None, error_type="application", path=None, info=None, severity="error"):
        super().__init__(message or tag)
        self.tag = tag
        self.message = message
        self.type = error_type
        self.path = path
        self.info = info or []  # list of (local name, text) for <error-info>
        self.severity = severity

    def element(self):
        err = etree.Element(qn("rpc-error"))
        etree.SubElement(err, qn("error-type")).text = self.type
        etree.SubElement(err, qn("error-tag")).text = self.tag
        etree.SubElement(err, qn("error-severity")).text = self.severity
        if self.path:
            # The prefixes lispxtr.config uses in its paths, declared where the path is.
            path = etree.SubElement(err, qn("error-path"), nsmap={"ios": NATIVE_NS, "lisp": LISP_NS})
            path.text = self.path
        if self.message:
            msg = etree.SubElement(err, qn("error-message"))
            msg.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
            msg.text = self.message
        if self.info:
            info = etree.SubElement(err, qn("error-info"))
            for name, text in self.info:
                etree.SubElement(info, qn(name)).text = str(text)
        return err


# Names of the list keys in Cisco-IOS-XE-lisp and Cisco-IOS-XE-lisp-oper 17.9. Filters keep these
# leaves of every list entry they descend through, so that each entry stays identifiable (what
# IOS-XE does, and what makes a filtered reply valid against the models).
KEY_LEAVES = frozenset(
    (
        "address",
        "address-family",
        "afi",
        "bgp-id",
        "eid-prefix",
        "ext-name",
        "extranet-name",
        "gateway-ip",
        "iaftype",
        "id",
        "iid",
        "instance-id",
        "int16-id",
        "ip",
        "ip-addr",
        "local-address",
        "local-port",
        "locator-address",
        "name",
        "peer-address",
        "peer-port",
        "prefix",
        "prefix-list",
        "protocol",
        "publisher-address",
        "publisher-port",
        "rloc",
        "si-eid-name",
        "sname",
        "source-address",
        "source-port",
        "top-id",
    )
)


def _keys_of(el):
    return [c for c in children(el) if not children(c) and local(c) in KEY_LEAVES]


# --- RFC 6241 §6: subtree filtering -------------------------------------------------------------


def _matches(data, fnode):
    if local(data) != local(fnode):
        return False
    fns = namespace(fnode)
    return fns is None or fns == namespace(data)


def _text(el):
    return (el.text or "").strip()


def _is_content_match(fnode):
    return not children(fnode) and _text(fnode) != ""


def _select(data, fnode):
    """Apply filter node `fnode` to the data node `data` that matched its name; None = excluded."""
    fkids = children(fnode)
    if not fkids:
        return copy.deepcopy(data)  # selection node (§6.2.4)
    matches = [f for f in fkids if _is_content_match(f)]
    others = [f for f in fkids if not _is_content_match(f)]
    # §6.2.5: every content match node must match a sibling of the data node's children.
    for cm in matches:
        if not any(_matches(d, cm) and _text(d) == _text(cm) for d in children(data)):
            return None
    if not others:
        return copy.deepcopy(data)
    out = etree.Element(data.tag, attrib=dict(data.attrib), nsmap=data.nsmap)
    selected = False
    keys = _keys_of(data)
    for d in children(data):
        picked = None
        for f in others:
            if _matches(d, f):
                picked = _select(d, f)
                break
        if picked is not None:
            out.append(picked)
            selected = True
        elif d in keys or any(_matches(d, cm) for cm in matches):
            out.append(copy.deepcopy(d))
    if not selected and not matches:
        return None  # containment node with nothing under it
    return out


def subtree_filter(tops, filter_el):
    """Return the filtered copies of the top-level data nodes `tops`."""
    result = []
    fkids = children(filter_el)
    for top in tops:
        for f in fkids:
            if _matches(top, f):
                picked = _select(top, f)
                if picked is not None:
                    result.append(picked)
                break
    return result


# --- RFC 6241 §8.9: XPath filtering ---------------------------------------------------------------


def xpath_filter(tops, select, nsmap):
    """Select nodes with an XPath 1.0 expression; return them with their ancestors.

    Each top-level data node is the document element of its own document, so `/native/...`
    and `/lisp-state/...` both work. Ancestors keep their key leaves (KEY_LEAVES). An expression without prefixes matches names in any namespace (as IOS-XE
    does).
    """
    nsmap = {k: v for k, v in (nsmap or {}).items() if k}
    unprefixed = not re.search(r"[\w-]:[\w*-]", select.replace("::", ""))
    try:
        xpath = etree.XPath(select, namespaces=nsmap)
    except (etree.XPathError, TypeError) as exc:
        raise RpcError("invalid-value", "invalid XPath expression: %s" % exc, error_type="protocol") from None
    result = []
    for top in tops:
        doc = copy.deepcopy(top)
        target = doc
        if unprefixed:
            target = copy.deepcopy(doc)
            for el in target.iter():
                el.tag = etree.QName(el).localname
            etree.cleanup_namespaces(target)
        try:
            found = xpath(etree.ElementTree(target))
        except etree.XPathError as exc:
            raise RpcError("invalid-value", "invalid XPath expression: %s" % exc, error_type="protocol") from None
        if not isinstance(found, list):
            raise RpcError("invalid-value", "the XPath expression does not select nodes", error_type="protocol")
        # Held in lists, lxml keeps one proxy per node, so elements can be set members and dict keys.
        originals = list(doc.iter())
        to_original = dict(zip(list(target.iter()), originals))
        keep = set()
        for node in found:
            if not etree.iselement(node):
                node = node.getparent() if hasattr(node, "getparent") else None
            node = to_original.get(node)
            if node is None:
                continue
            keep.update(node.iter())
            parent = node.getparent()
            while parent is not None:
                keep.add(parent)
                keep.update(_keys_of(parent))
                parent = parent.getparent()
        if doc in keep:
            _prune(doc, keep)
            result.append(doc)
    return result


def _prune(el, keep):
    for child in list(children(el)):
        if child in keep:
            _prune(child, keep)
        else:
            el.remove(child)
