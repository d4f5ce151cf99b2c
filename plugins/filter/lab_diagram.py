# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``lispnet.lisp.lab_diagram``: a picture of a LISP deployment, as SVG text.

The input is what a play already has after ``lispnet.lisp.lisp_facts`` ran on every router: one
entry per router, either a host's ``hostvars`` (``groups.lisp_routers | map('extract', hostvars)``)
or a plain dict ``{name, address, groups, lisp}``. The picture is drawn from the facts only:

- the Map-Servers / Map-Resolvers on top, the xTRs below them, each xTR's EID-prefixes below it;
- a line from each xTR to the Map-Server its site registered with (RFC 9301 §5.6 Map-Register),
  solid green when the Map-Server's ``sites`` facts say the EID-prefix is registered by that
  RLOC, dashed grey when it is not (or not yet);
- an arrow from an ITR to the router whose RLOC its map-cache resolved an EID-prefix to (the
  data plane, RFC 9300 §5: encapsulated on UDP 4341), labelled with the prefix, the locator and
  its state and priority/weight; negative map-cache entries (RFC 9301 §8.1) are listed under the
  xTR with their action.

It is pure Python (no third-party imports) and deterministic: the same facts give the same bytes,
so a picture can be compared in a test or checked into a report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from ansible.errors import AnsibleFilterError

# Geometry (px). Boxes are laid out on three rows: mapping system, xTRs, EID-prefixes.
WIDTH_MIN = 1000
COLUMN = 360
BOX_W = 250
MS_Y = 78
MS_H = 112
XTR_Y = 330
XTR_H = 104
EID_Y = 500
EID_H = 64
LIST_Y = EID_Y + EID_H + 30
LINE = 17

COLOURS = {
    "ms": "#fff4d6",
    "ms_stroke": "#b7791f",
    "xtr": "#e6f0ff",
    "xtr_stroke": "#2b6cb0",
    "eid": "#f0fff4",
    "eid_stroke": "#2f855a",
    "ok": "#2f855a",
    "bad": "#a0aec0",
    "fail": "#c53030",
    "data": "#2b6cb0",
    "text": "#1a202c",
    "muted": "#4a5568",
}

STYLE = """
text { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; fill: %(text)s; }
.title { font-size: 20px; font-weight: bold; }
.subtitle { font-size: 12px; fill: %(muted)s; }
.name { font-size: 17px; font-weight: bold; }
.role { font-size: 12px; fill: %(muted)s; }
.addr { font-size: 13px; font-family: 'DejaVu Sans Mono', monospace; }
.small { font-size: 11.5px; }
.mono { font-size: 11.5px; font-family: 'DejaVu Sans Mono', monospace; }
.label { font-size: 11.5px; font-family: 'DejaVu Sans Mono', monospace; }
.ok { fill: %(ok)s; }
.fail { fill: %(fail)s; }
.muted { fill: %(muted)s; }
.halo { stroke: #ffffff; stroke-width: 4px; stroke-linejoin: round; paint-order: stroke; }
""" % COLOURS


def _get(obj, *keys, **kwargs):
    """obj[k1][k2]... or the default when any level is missing or not a mapping."""
    default = kwargs.get("default")
    for key in keys:
        if not isinstance(obj, Mapping) or key not in obj:
            return default
        obj = obj[key]
    return default if obj is None else obj


def _seq(value):
    """A list of the value's items; [] for None, a one-item list for a scalar or mapping."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)):
        return [value]
    if isinstance(value, Sequence) or hasattr(value, "__iter__"):
        return list(value)
    return [value]


def _text(value):
    return "" if value is None else str(value)


def _router(entry, index):
    """One input entry (hostvars or plain dict) -> the router record the drawing uses."""
    if not isinstance(entry, Mapping):
        raise AnsibleFilterError("lab_diagram: router #%d is a %s, expected a mapping (a host's hostvars or "
                                 "{name, address, groups, lisp})" % (index, type(entry).__name__))
    name = _get(entry, "name") or _get(entry, "inventory_hostname")
    if not name:
        raise AnsibleFilterError("lab_diagram: router #%d has neither 'name' nor 'inventory_hostname'" % index)
    address = _get(entry, "address") or _get(entry, "ansible_host") or _text(name)
    groups = [_text(g) for g in _seq(_get(entry, "groups") or _get(entry, "group_names"))]
    lisp = _get(entry, "lisp")
    if lisp is None:
        lisp = _get(entry, "ansible_facts", "lisp", default={})
    if not isinstance(lisp, Mapping):
        raise AnsibleFilterError("lab_diagram: the lisp facts of %s are a %s, expected a mapping "
                                 "(the ansible_facts.lisp that lispnet.lisp.lisp_facts returns)" % (name, type(lisp).__name__))
    hosts = []
    for item in _seq(_get(entry, "hosts") or _get(entry, "lispnet_lab_hosts") or _get(entry, "lispnet_lab_eids")):
        if isinstance(item, Mapping):
            item = item.get("host") or item.get("address")
        item = _text(item)
        if item and "/" not in item:
            hosts.append(item)
    sites = [s for s in _seq(lisp.get("sites")) if isinstance(s, Mapping)]
    database = [d for d in _seq(lisp.get("database")) if isinstance(d, Mapping)]
    map_cache = [m for m in _seq(lisp.get("map_cache")) if isinstance(m, Mapping)]
    is_ms = bool(sites) or any(g in ("map_servers", "map_resolvers", "mapping_system") for g in groups) \
        or _roles_from_config(lisp.get("config"), ("map_server", "map_resolver"))
    is_xtr = bool(database) or any(g in ("xtrs", "itrs", "etrs") for g in groups) \
        or _roles_from_config(lisp.get("config"), ("itr", "etr"))
    return {
        "name": _text(name),
        "address": _text(address),
        "groups": groups,
        "sites": sites,
        "database": database,
        "map_cache": map_cache,
        "hosts": hosts,
        "is_ms": is_ms,
        "is_xtr": is_xtr,
    }


def _roles_from_config(config, words):
    """True when the gathered config (any shape) carries one of the role switches, e.g. map_server."""
    if not isinstance(config, Mapping):
        return False
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in words and value not in (None, False, {}, []):
                    if not isinstance(value, Mapping) or value.get("enabled", True):
                        return True
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _pw(locator):
    priority, weight = locator.get("priority"), locator.get("weight")
    if priority is None and weight is None:
        return ""
    return "%s/%s" % (_text(priority), _text(weight))


def _is_up(locator):
    return _text(locator.get("state")).lower() in ("up", "")


def _age(seconds):
    """Seconds -> IOS-like short age: 42s, 9m, 3h, 2d."""
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        return ""
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return "%d%s" % (seconds // size, unit)
    return "%ds" % seconds


class _Svg:
    """A tiny SVG writer: elements are strings, attribute values are always quoted and escaped."""

    def __init__(self):
        self.parts = []

    def add(self, tag, text=None, **attrs):
        attributes = "".join(" %s=%s" % (k.rstrip("_").replace("_", "-"), quoteattr(_text(v)))
                             for k, v in attrs.items() if v is not None)
        if text is None:
            self.parts.append("<%s%s/>" % (tag, attributes))
        else:
            self.parts.append("<%s%s>%s</%s>" % (tag, attributes, escape(_text(text)), tag))

    def raw(self, text):
        self.parts.append(text)


def _columns(count, width):
    """x centres of `count` boxes spread over `width`."""
    if count <= 0:
        return []
    step = width / count
    return [round(step * (i + 0.5)) for i in range(count)]


def _registrations(routers):
    """[(ms, xtr or None, site name, prefix, registered, registered_by)] from the Map-Servers' sites."""
    by_address = dict((r["address"], r) for r in routers)
    found = []
    for ms in routers:
        for site in ms["sites"]:
            records = [e for e in _seq(site.get("eid_records")) if isinstance(e, Mapping)] or [{}]
            for record in records:
                registered = bool(record.get("registered", site.get("registered")))
                source = _text(record.get("last_registered_by"))
                owner = by_address.get(source)
                if owner is None:
                    # Not registered (yet): attribute the site to the xTR that owns its EID-prefix.
                    prefix = _text(record.get("prefix"))
                    owner = next((r for r in routers if any(_text(d.get("prefix")) == prefix for d in r["database"])), None)
                found.append({
                    "ms": ms,
                    "xtr": owner,
                    "site": _text(site.get("name")),
                    "prefix": _text(record.get("prefix")),
                    "registered": registered,
                    "by": source,
                })
    return found


def lab_diagram(routers, title="LISP lab"):
    """Draw routers (hostvars or {name, address, groups, lisp} dicts) and their LISP facts as SVG."""
    if isinstance(routers, Mapping):
        # A dict keyed by host name: {SITE1: {...}, ...}
        routers = [dict(value, name=value.get("name", key)) if isinstance(value, Mapping) else value
                   for key, value in sorted(routers.items())]
    if isinstance(routers, (str, bytes)) or not hasattr(routers, "__iter__"):
        raise AnsibleFilterError("lab_diagram: expected a list of routers, got a %s" % type(routers).__name__)
    records = [_router(entry, index) for index, entry in enumerate(routers)]
    if not records:
        raise AnsibleFilterError("lab_diagram: no routers to draw")

    mapping = [r for r in records if r["is_ms"]]
    xtrs = [r for r in records if r["is_xtr"] and not r["is_ms"]]
    others = [r for r in records if not r["is_ms"] and not r["is_xtr"]]
    xtrs.extend(others)
    by_address = dict((r["address"], r) for r in records)

    width = max(WIDTH_MIN, COLUMN * max(len(mapping), len(xtrs), 1))
    positions = {}
    for x, ms in zip(_columns(len(mapping), width), mapping):
        positions[ms["name"]] = (x, MS_Y, MS_H)
    for x, xtr in zip(_columns(len(xtrs), width), xtrs):
        positions[xtr["name"]] = (x, XTR_Y, XTR_H)

    list_lines = max([len(x["map_cache"]) for x in xtrs] + [0])
    height = LIST_Y + 28 + LINE * max(list_lines, 1) + 100

    svg = _Svg()
    svg.raw('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
            'role="img" aria-labelledby="title">' % (width, height, width, height))
    svg.add("title", "%s: %d routers" % (title, len(records)), id="title")
    svg.raw("<defs><style>%s</style>" % escape(STYLE))
    for name, colour in (("data", COLOURS["data"]), ("ok", COLOURS["ok"]), ("bad", COLOURS["bad"])):
        svg.raw('<marker id="arrow-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
                'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>' % (name, colour))
    svg.raw("</defs>")
    svg.add("rect", x=0, y=0, width=width, height=height, fill="#ffffff")
    svg.add("text", title, x=24, y=34, class_="title")
    svg.add("text", "control plane: Map-Register / Map-Request on UDP 4342 - data plane: encapsulated on UDP 4341",
            x=24, y=54, class_="subtitle")

    registrations = _registrations(records)
    _draw_registrations(svg, registrations, positions)
    _draw_data_plane(svg, xtrs, by_address, positions)
    for ms in mapping:
        _draw_ms(svg, ms, positions[ms["name"]], registrations)
    for xtr in xtrs:
        _draw_xtr(svg, xtr, positions[xtr["name"]])
    _draw_legend(svg, height)
    svg.raw("</svg>")
    return "\n".join(svg.parts) + "\n"


def _draw_ms(svg, ms, pos, registrations):
    x, y, h = pos
    left = x - BOX_W // 2
    svg.add("rect", x=left, y=y, width=BOX_W, height=h, rx=10, fill=COLOURS["ms"], stroke=COLOURS["ms_stroke"], stroke_width=2)
    svg.add("text", ms["name"], x=x, y=y + 24, text_anchor="middle", class_="name")
    svg.add("text", "Map-Server + Map-Resolver", x=x, y=y + 42, text_anchor="middle", class_="role")
    svg.add("text", "RLOC " + ms["address"], x=x, y=y + 62, text_anchor="middle", class_="addr")
    mine = [r for r in registrations if r["ms"] is ms]
    line_y = y + 82
    shown = {}
    for reg in mine:
        shown.setdefault(reg["site"], []).append(reg["registered"])
    for site, states in sorted(shown.items()):
        ok = all(states)
        svg.add("text", "site %s: %s" % (site, "registered" if ok else "not registered"),
                x=x, y=line_y, text_anchor="middle", class_="small " + ("ok" if ok else "fail"))
        line_y += 15
    if not shown:
        svg.add("text", "no sites in the facts", x=x, y=line_y, text_anchor="middle", class_="small muted")


def _draw_xtr(svg, xtr, pos):
    x, y, h = pos
    left = x - BOX_W // 2
    svg.add("rect", x=left, y=y, width=BOX_W, height=h, rx=10, fill=COLOURS["xtr"], stroke=COLOURS["xtr_stroke"], stroke_width=2)
    svg.add("text", xtr["name"], x=x, y=y + 24, text_anchor="middle", class_="name")
    svg.add("text", "xTR (ITR + ETR)" if xtr["is_xtr"] else "router", x=x, y=y + 42, text_anchor="middle", class_="role")
    svg.add("text", "RLOC " + xtr["address"], x=x, y=y + 62, text_anchor="middle", class_="addr")
    locators = []
    for mapping in xtr["database"]:
        for loc in _seq(mapping.get("locators")):
            if isinstance(loc, Mapping):
                text = _text(loc.get("address") or loc.get("interface"))
                if _pw(loc):
                    text += " " + _pw(loc)
                if text not in locators:
                    locators.append(text)
    if locators:
        svg.add("text", "locators " + ", ".join(locators), x=x, y=y + 82, text_anchor="middle", class_="mono")

    # EID-prefixes (the database-mappings) below the xTR.
    prefixes = []
    for mapping in xtr["database"]:
        text = _text(mapping.get("prefix"))
        iid = mapping.get("instance_id")
        if iid not in (None, 0, "0"):
            text += " (IID %s)" % iid
        prefixes.append(text)
    if prefixes or xtr["hosts"]:
        svg.add("line", x1=x, y1=y + h, x2=x, y2=EID_Y, stroke=COLOURS["eid_stroke"], stroke_width=2)
        svg.add("rect", x=left + 20, y=EID_Y, width=BOX_W - 40, height=EID_H, rx=28, fill=COLOURS["eid"],
                stroke=COLOURS["eid_stroke"], stroke_width=2, stroke_dasharray="6 4")
        svg.add("text", "EID " + (", ".join(prefixes) if prefixes else "-"), x=x, y=EID_Y + 27, text_anchor="middle", class_="addr")
        if xtr["hosts"]:
            svg.add("text", "host " + ", ".join(xtr["hosts"]), x=x, y=EID_Y + 47, text_anchor="middle", class_="small")

    # The map-cache, one line per entry.
    top = LIST_Y
    svg.add("text", "map-cache of %s" % xtr["name"], x=left, y=top, class_="small", font_weight="bold")
    if not xtr["map_cache"]:
        svg.add("text", "(empty)", x=left, y=top + LINE, class_="mono muted")
    for i, entry in enumerate(xtr["map_cache"]):
        prefix = _text(entry.get("prefix"))
        locs = [loc for loc in _seq(entry.get("locators")) if isinstance(loc, Mapping)]
        if entry.get("negative") or not locs:
            text = "%s negative, %s" % (prefix, _text(entry.get("action")) or "drop")
            cls = "mono muted"
        else:
            resolved = ", ".join("%s %s %s" % (_text(loc.get("address")), _text(loc.get("state")) or "?", _pw(loc)) for loc in locs)
            text = "%s \u2192 %s" % (prefix, resolved)
            cls = "mono ok" if all(_is_up(loc) for loc in locs) else "mono fail"
        age = _age(entry.get("uptime"))
        if age:
            text += " (%s)" % age
        svg.add("text", text, x=left, y=top + LINE * (i + 1), class_=cls)


def _draw_registrations(svg, registrations, positions):
    seen = set()
    for reg in registrations:
        if reg["xtr"] is None or reg["xtr"]["name"] not in positions:
            continue
        key = (reg["ms"]["name"], reg["xtr"]["name"], reg["site"])
        if key in seen:
            continue
        seen.add(key)
        group = [r for r in registrations if (r["ms"]["name"], r["xtr"] and r["xtr"]["name"], r["site"]) == key]
        ok = all(r["registered"] for r in group)
        mx, my, mh = positions[reg["ms"]["name"]]
        xx, xy, _h = positions[reg["xtr"]["name"]]
        x1, y1, x2, y2 = xx, xy, mx + (xx - mx) * 0.25, my + mh
        svg.add("line", x1=x1, y1=y1, x2=round(x2), y2=y2, stroke=COLOURS["ok"] if ok else COLOURS["bad"], stroke_width=3 if ok else 2,
                stroke_dasharray=None if ok else "7 5", marker_end="url(#arrow-%s)" % ("ok" if ok else "bad"))
        label = "%s %s %s" % (reg["site"], ", ".join(r["prefix"] for r in group if r["prefix"]),
                              "registered" if ok else "not registered")
        lx, ly = (x1 + x2) / 2, (y1 + y2) / 2
        anchor = "end" if xx < mx else ("start" if xx > mx else "middle")
        offset = -10 if xx < mx else 10
        svg.add("text", "Map-Register", x=round(lx + offset), y=round(ly - 8), text_anchor=anchor, class_="small halo muted")
        svg.add("text", label, x=round(lx + offset), y=round(ly + 8), text_anchor=anchor, class_="label halo " + ("ok" if ok else "fail"))


def _draw_data_plane(svg, xtrs, by_address, positions):
    """An arrow per (ITR, resolved prefix, locator) whose locator is the RLOC of a router in the picture."""
    for itr in xtrs:
        for entry in itr["map_cache"]:
            if entry.get("negative"):
                continue
            for loc in _seq(entry.get("locators")):
                if not isinstance(loc, Mapping):
                    continue
                etr = by_address.get(_text(loc.get("address")))
                if etr is None or etr is itr or etr["name"] not in positions:
                    continue
                _curve(svg, itr["name"], positions[itr["name"]], positions[etr["name"]], loc, entry)


def _curve(svg, itr_name, src, dst, loc, entry):
    sx, sy, sh = src
    dx, dy, dh = dst
    # Start and end on the facing sides of the two boxes, at mid-height.
    direction = 1 if dx >= sx else -1
    x1, y1 = sx + direction * BOX_W // 2, sy + sh / 2
    x2, y2 = dx - direction * BOX_W // 2, dy + dh / 2
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    # Bend to the left of the direction of travel, so A->B and B->A never overlap.
    nx, ny = (y2 - y1) / length, -(x2 - x1) / length
    bend = 70
    cx, cy = (x1 + x2) / 2 + nx * bend, (y1 + y2) / 2 + ny * bend
    up = _is_up(loc)
    colour = COLOURS["data"] if up else COLOURS["fail"]
    svg.add("path", d="M%d,%d Q%d,%d %d,%d" % (x1, y1, cx, cy, x2, y2), fill="none", stroke=colour, stroke_width=2.5,
            stroke_dasharray=None if up else "5 4", marker_end="url(#arrow-data)")
    # Label at the curve's apex (t = 0.5 of a quadratic Bezier).
    ax, ay = (x1 + 2 * cx + x2) / 4, (y1 + 2 * cy + y2) / 4
    text = "%s \u2192 %s" % (_text(entry.get("prefix")), _text(loc.get("address")))
    detail = "map-cache of %s: %s %s" % (itr_name, _text(loc.get("state")) or "?", _pw(loc))
    above = ny < 0
    svg.add("text", text, x=round(ax), y=round(ay + (-22 if above else 16)), text_anchor="middle", class_="label halo")
    svg.add("text", detail.strip(), x=round(ax), y=round(ay + (-8 if above else 30)), text_anchor="middle", class_="small halo muted")


def _draw_legend(svg, height):
    y = height - 34
    x = 24
    svg.add("line", x1=x, y1=y, x2=x + 40, y2=y, stroke=COLOURS["ok"], stroke_width=3)
    svg.add("text", "site registered with the Map-Server", x=x + 48, y=y + 4, class_="small")
    x += 290
    svg.add("line", x1=x, y1=y, x2=x + 40, y2=y, stroke=COLOURS["bad"], stroke_width=2, stroke_dasharray="7 5")
    svg.add("text", "not registered", x=x + 48, y=y + 4, class_="small")
    x += 170
    svg.add("line", x1=x, y1=y, x2=x + 40, y2=y, stroke=COLOURS["data"], stroke_width=2.5)
    svg.add("text", "resolved map-cache entry, ITR \u2192 ETR (UDP 4341)", x=x + 48, y=y + 4, class_="small")


class FilterModule(object):
    """lispnet.lisp filters."""

    def filters(self):
        return {"lab_diagram": lab_diagram}
