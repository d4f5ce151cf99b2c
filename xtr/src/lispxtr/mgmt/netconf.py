"""NETCONF server (RFC 6241) over SSH (RFC 6242), shaped like IOS-XE 17.9's.

`NetconfServer` holds what the sessions of one node share: the candidate datastore, the locks,
a pending confirmed commit and the session table. `NetconfSession` is one SSH `netconf`
subsystem channel: hello exchange, framing, one RPC at a time.

Datastores: running is `node.running` (written through `node.commit`), candidate is a tree
shared by all sessions (as on IOS-XE), startup is `node.startup_text()`. Every edit builds a
new tree and commits it in one step, so a failed edit leaves running untouched; for that reason
all three error-options behave as rollback-on-error.
"""

import asyncio
import itertools
import logging

import asyncssh
from lxml import etree

from .. import config as cfg
from . import framing, shared
from .xmlutil import CISCO_IA_NS, NC, RpcError, children, local, namespace, parse_message, qn
from .xmlutil import subtree_filter, xpath_filter

LOG = logging.getLogger(__name__)

REVISION = "2022-07-01"  # of Cisco-IOS-XE-native, -lisp and -lisp-oper in IOS-XE 17.9.1
CAPABILITIES = (
    "urn:ietf:params:netconf:base:1.0",
    "urn:ietf:params:netconf:base:1.1",
    "urn:ietf:params:netconf:capability:writable-running:1.0",
    "urn:ietf:params:netconf:capability:candidate:1.0",
    "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
    "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
    "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
    "urn:ietf:params:netconf:capability:validate:1.0",
    "urn:ietf:params:netconf:capability:validate:1.1",
    "urn:ietf:params:netconf:capability:xpath:1.0",
    "urn:ietf:params:netconf:capability:startup:1.0",
    "http://cisco.com/ns/yang/Cisco-IOS-XE-native?module=Cisco-IOS-XE-native&revision=" + REVISION,
    "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp?module=Cisco-IOS-XE-lisp&revision=" + REVISION,
    "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper?module=Cisco-IOS-XE-lisp-oper&revision=" + REVISION,
)
BASE_11 = "urn:ietf:params:netconf:base:1.1"
DEFAULT_CONFIRM_TIMEOUT = 600  # RFC 6241 §8.4.5.1
HELLO_TIMEOUT = 60  # seconds a client has for its hello before the session is closed
DATASTORES = ("running", "candidate", "startup")


def _ok():
    return [etree.Element(qn("ok"))]


class NetconfServer:
    """The NETCONF state of one node, shared by its sessions."""

    def __init__(self, node, max_message=framing.MAX_MESSAGE):
        self.node = node
        self.max_message = max_message
        self.sessions = {}
        self.locks = {}  # datastore -> session-id
        self._ids = itertools.count(1)
        self._candidate = None  # None: the candidate equals running (no uncommitted changes)
        self._confirm = None  # pending confirmed commit: dict(rollback, session, persist, handle)

    def new_session_id(self):
        return next(self._ids)

    # --- datastores -------------------------------------------------------------------------
    def candidate(self):
        return self.node.running if self._candidate is None else self._candidate

    def set_candidate(self, tree):
        """None resets the candidate to running (commit, discard-changes)."""
        self._candidate = tree

    def candidate_modified(self):
        return self._candidate is not None

    def tree_of(self, name):
        if name == "running":
            return self.node.running
        if name == "candidate":
            return self.candidate()
        if name == "startup":
            return cfg.parse_config(self.node.startup_text() or "")
        raise RpcError("invalid-value", "unknown datastore %s" % name)

    def check_lock(self, name, session):
        holder = self.locks.get(name)
        if holder is not None and holder != session.session_id:
            raise RpcError(
                "in-use",
                "the %s datastore is locked by session %d" % (name, holder),
                info=[("session-id", holder)],
            )

    def commit_running(self, tree):
        try:
            self.node.commit(tree)
        except cfg.ConfigError as exc:
            raise RpcError("operation-failed", "commit failed: %s" % exc.message) from None

    # --- confirmed commit (RFC 6241 §8.4) ---------------------------------------------------
    def start_confirmed(self, session, timeout, persist):
        if self._confirm is None:
            rollback = self.node.running
        else:
            self._confirm["handle"].cancel()
            rollback = self._confirm["rollback"]
        loop = asyncio.get_running_loop()
        handle = loop.call_later(timeout, self.rollback_confirmed, "timeout")
        self._confirm = {"rollback": rollback, "session": session.session_id, "persist": persist, "handle": handle}

    def pending_confirm(self):
        return self._confirm

    def finish_confirmed(self):
        if self._confirm is not None:
            self._confirm["handle"].cancel()
            self._confirm = None

    def rollback_confirmed(self, why):
        """Restore running as it was before the confirmed commit (RFC 6241 §8.4.1)."""
        pending = self._confirm
        if pending is None:
            return
        pending["handle"].cancel()
        self._confirm = None
        LOG.info("%s: confirmed commit not confirmed (%s): rolling back", self.node.hostname, why)
        try:
            self.node.commit(pending["rollback"])
        except cfg.ConfigError:
            LOG.exception("%s: rollback of the confirmed commit failed", self.node.hostname)
        self._candidate = None

    def session_closed(self, session):
        self.sessions.pop(session.session_id, None)
        for name, holder in list(self.locks.items()):
            if holder == session.session_id:
                del self.locks[name]
                if name == "candidate":
                    # RFC 6241 §7.5: a lock's end discards uncommitted candidate changes.
                    self._candidate = None
        pending = self._confirm
        if pending and pending["session"] == session.session_id and pending["persist"] is None:
            self.rollback_confirmed("session closed")


class NetconfSession(asyncssh.SSHServerSession):
    """One NETCONF session: the SSH `netconf` subsystem channel (RFC 6242 §3)."""

    def __init__(self, node, auth, server):
        self.node = node
        self.server = server
        self.username = auth.username
        self.session_id = None
        self._chan = None
        self._decoder = framing.FrameDecoder(self.server.max_message)
        self._chunked = False
        self._hello_done = False
        self._queue = asyncio.Queue()
        self._task = None
        self._hello_timer = None
        self._closing = False

    # --- asyncssh callbacks -----------------------------------------------------------------
    def connection_made(self, chan):
        self._chan = chan

    def pty_requested(self, term_type, term_size, term_modes):
        return False

    def shell_requested(self):
        return False

    def exec_requested(self, command):
        return False

    def subsystem_requested(self, subsystem):
        return subsystem == "netconf"

    def session_started(self):
        self.session_id = self.server.new_session_id()
        self.server.sessions[self.session_id] = self
        self._send(self._hello(), chunked=False)
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run())
        self._hello_timer = loop.call_later(HELLO_TIMEOUT, self._hello_timeout)

    def _hello_timeout(self):
        if not self._hello_done:
            self._fatal("no hello within %d seconds" % HELLO_TIMEOUT)

    def data_received(self, data, datatype):
        if self._closing:
            return
        try:
            messages = self._decoder.feed(data)
            while messages and not self._hello_done:
                # The hello is taken here, synchronously, so that the framing switch (RFC 6242
                # §4.1) happens before any later byte is decoded.
                if not self._take_hello(messages.pop(0)):
                    return
                messages += self._decoder.pending()
        except framing.FramingError as exc:
            self._fatal(str(exc))
            return
        for message in messages:
            self._queue.put_nowait(message)

    def eof_received(self):
        self._queue.put_nowait(None)
        return False

    def connection_lost(self, exc):
        self._closing = True
        self._queue.put_nowait(None)
        if self._hello_timer is not None:
            self._hello_timer.cancel()
        if self.session_id is not None:
            self.server.session_closed(self)

    # --- I/O ----------------------------------------------------------------------------------
    def _hello(self):
        hello = etree.Element(qn("hello"), nsmap={None: NC})
        caps = etree.SubElement(hello, qn("capabilities"))
        for uri in CAPABILITIES:
            etree.SubElement(caps, qn("capability")).text = uri
        etree.SubElement(hello, qn("session-id")).text = str(self.session_id)
        return hello

    def _send(self, element, chunked=None):
        if self._chan is None or self._closing:
            return
        data = etree.tostring(element, xml_declaration=True, encoding="UTF-8")
        self._chan.write(framing.encode(data, self._chunked if chunked is None else chunked))

    def _fatal(self, why):
        """Framing or hello failure: the session cannot continue (RFC 6242 §4.2)."""
        LOG.info("%s: NETCONF session %s closed: %s", self.node.hostname, self.session_id, why)
        if not self._closing and self._hello_done:
            self._send(self._reply(None, [RpcError("malformed-message", why, error_type="rpc").element()]))
        self.close()

    def close(self):
        if self._closing:
            return
        self._closing = True
        self._queue.put_nowait(None)
        if self._chan is not None:
            self._chan.close()

    @staticmethod
    def _reply(rpc, content):
        reply = etree.Element(qn("rpc-reply"), nsmap={None: NC})
        if rpc is not None:
            for key, value in rpc.attrib.items():  # RFC 6241 §4.2: attributes are copied
                reply.set(key, value)
        for el in content:
            reply.append(el)
        return reply

    async def _run(self):
        try:
            while True:
                message = await self._queue.get()
                if message is None:
                    return
                # One RPC at a time per router: the LISP sockets are served between two of them.
                await shared.serialised(self.node, self._handle, message)
        except Exception:  # pylint: disable=broad-exception-caught  # a bug must not kill the router
            LOG.exception("%s: NETCONF session %s failed", self.node.hostname, self.session_id)
            self.close()

    def _take_hello(self, message):
        """RFC 6241 §8.1: the client's hello, its capabilities, and the framing to use."""
        try:
            root = parse_message(message)
        except RpcError as exc:
            self._fatal("bad hello: %s" % exc.message)
            return False
        if root.tag != qn("hello") or root.find(qn("session-id")) is not None:
            self._fatal("the first message must be a client hello without session-id")
            return False
        caps = [(c.text or "").strip() for c in root.iter(qn("capability"))]
        if not any(c.startswith("urn:ietf:params:netconf:base:1.") for c in caps):
            self._fatal("no common base capability")
            return False
        self._hello_done = True
        if BASE_11 in caps:
            # RFC 6242 §4.1: both sides advertised base:1.1, so chunked framing from now on.
            self._chunked = True
            self._decoder.set_chunked()
        return True

    def _handle(self, message):
        try:
            rpc = parse_message(message)
        except RpcError as exc:
            self._send(self._reply(None, [exc.element()]))
            return
        if rpc.tag != qn("rpc"):
            err = RpcError("unknown-element", "expected <rpc>", error_type="rpc", info=[("bad-element", local(rpc))])
            self._send(self._reply(None, [err.element()]))
            return
        if rpc.get("message-id") is None:
            err = RpcError(
                "missing-attribute",
                "<rpc> has no message-id",
                error_type="rpc",
                info=[("bad-attribute", "message-id"), ("bad-element", "rpc")],
            )
            self._send(self._reply(rpc, [err.element()]))
            return
        ops = children(rpc)
        close_after = False
        try:
            if len(ops) != 1:
                raise RpcError("malformed-message", "an <rpc> holds exactly one operation", error_type="rpc")
            op = ops[0]
            handler = self._handler(op)
            content = handler(op)
            close_after = op.tag == qn("close-session")
        except RpcError as exc:
            content = [exc.element()]
        except Exception:  # pylint: disable=broad-exception-caught  # a bug answers one RPC, not the session
            LOG.exception("%s: NETCONF session %s: %s failed", self.node.hostname, self.session_id, local(ops[0]))
            content = [RpcError("operation-failed", "internal error").element()]
        self._send(self._reply(rpc, content))
        if close_after:
            self.close()

    def _handler(self, op):
        ns, name = namespace(op), local(op)
        if ns == NC:
            handler = getattr(self, "rpc_" + name.replace("-", "_"), None)
            if handler is not None:
                return handler
        elif ns == CISCO_IA_NS and name == "save-config":
            return self.rpc_save_config
        raise RpcError(
            "operation-not-supported",
            "the operation %s is not supported" % name,
            error_type="protocol",
            info=[("bad-element", name)],
        )

    # --- parameters ----------------------------------------------------------------------------
    def _params(self, op, allowed):
        found = {}
        for child in children(op):
            name = local(child)
            if namespace(child) != NC or name not in allowed:
                raise RpcError(
                    "unknown-element",
                    "unexpected element %s in %s" % (name, local(op)),
                    error_type="protocol",
                    info=[("bad-element", name)],
                )
            found[name] = child
        return found

    @staticmethod
    def _required(params, name, op):
        if name not in params:
            raise RpcError(
                "missing-element",
                "%s needs <%s>" % (op, name),
                error_type="protocol",
                info=[("bad-element", name)],
            )
        return params[name]

    @staticmethod
    def _datastore(el, allowed=DATASTORES, inline=False):
        kids = children(el)
        if len(kids) != 1:
            raise RpcError(
                "missing-element",
                "<%s> must name one datastore" % local(el),
                error_type="protocol",
                info=[("bad-element", local(el))],
            )
        kid = kids[0]
        name = local(kid)
        if inline and name == "config" and namespace(kid) == NC:
            return kid
        if name == "url":
            raise RpcError(
                "operation-not-supported",
                "the :url capability is not supported",
                error_type="protocol",
                info=[("bad-element", "url")],
            )
        if namespace(kid) != NC or name not in allowed:
            raise RpcError(
                "invalid-value",
                "datastore %s is not allowed here" % name,
                error_type="protocol",
                info=[("bad-element", name)],
            )
        return name

    def _tree_from_config(self, config_el):
        """An inline `<config>` (copy-config, validate) as a whole configuration.

        Built as a `replace` edit of running so that what the XML view does not carry (users,
        enable secret) is kept, as IOS-XE keeps its AAA configuration.
        """
        try:
            return cfg.apply_edit_xml(self.node.running, config_el, "replace")
        except cfg.NetconfEditError as exc:
            raise _edit_error(exc) from None
        except cfg.ConfigError as exc:
            raise RpcError("invalid-value", exc.message) from None

    def _filtered(self, tops, op, params):
        fel = params.get("filter")
        if fel is None:
            return tops
        kind = fel.get("type", "subtree")
        if kind == "subtree":
            return subtree_filter(tops, fel)
        if kind == "xpath":
            select = fel.get("select")
            if not select:
                raise RpcError(
                    "missing-attribute",
                    "xpath filter needs select",
                    error_type="protocol",
                    info=[("bad-attribute", "select"), ("bad-element", "filter")],
                )
            return xpath_filter(tops, select, fel.nsmap)
        raise RpcError(
            "bad-attribute",
            "unknown filter type %s" % kind,
            error_type="protocol",
            info=[("bad-attribute", "type"), ("bad-element", "filter")],
        )

    @staticmethod
    def _data(tops):
        data = etree.Element(qn("data"), nsmap={None: NC})
        for top in tops:
            data.append(top)
        return [data]

    # --- RPCs (RFC 6241 §7) -----------------------------------------------------------------------
    def rpc_get_config(self, op):
        params = self._params(op, ("source", "filter"))
        source = self._datastore(self._required(params, "source", "get-config"))
        tops = [shared.tree_xml(self.node, self.server.tree_of(source))]
        return self._data(self._filtered(tops, op, params))

    def rpc_get(self, op):
        params = self._params(op, ("filter",))
        wanted = _subtree_tops(params.get("filter"))
        tops = []
        if wanted is None or "native" in wanted:
            tops.append(shared.tree_xml(self.node, self.node.running))
        if wanted is None or "lisp-state" in wanted:
            # Built only when asked for: the state of a big map-cache is the costly part of <get>.
            tops.append(shared.oper_xml(self.node))
        return self._data(self._filtered(tops, op, params))

    def rpc_edit_config(self, op):
        params = self._params(op, ("target", "default-operation", "test-option", "error-option", "config", "url"))
        if "url" in params:
            raise RpcError(
                "operation-not-supported",
                "the :url capability is not supported",
                error_type="protocol",
                info=[("bad-element", "url")],
            )
        target = self._datastore(self._required(params, "target", "edit-config"), ("running", "candidate"))
        config_el = self._required(params, "config", "edit-config")
        default_op = _enum(params, "default-operation", ("merge", "replace", "none"), "merge")
        test = _enum(params, "test-option", ("test-then-set", "set", "test-only"), "test-then-set")
        _enum(params, "error-option", ("stop-on-error", "continue-on-error", "rollback-on-error"), "stop-on-error")
        self.server.check_lock(target, self)
        base = self.server.tree_of(target)
        try:
            new = cfg.apply_edit_xml(base, config_el, default_op)
            if test != "set":
                cfg.validate_tree(new)
        except cfg.NetconfEditError as exc:
            raise _edit_error(exc) from None
        except cfg.ConfigError as exc:
            raise RpcError("invalid-value", exc.message) from None
        if test == "test-only":
            return _ok()
        if target == "running":
            self.server.commit_running(new)
        else:
            self.server.set_candidate(new)
        return _ok()

    def rpc_copy_config(self, op):
        params = self._params(op, ("target", "source"))
        target = self._datastore(self._required(params, "target", "copy-config"))
        source = self._datastore(self._required(params, "source", "copy-config"), inline=True)
        if target == source:
            raise RpcError("invalid-value", "source and target are the same datastore", error_type="protocol")
        self.server.check_lock(target, self)
        if isinstance(source, str):
            tree = self.server.tree_of(source)
        else:
            tree = self._tree_from_config(source)
        if target == "startup":
            if source != "running":
                raise RpcError(
                    "operation-not-supported", "startup can only be written from running", error_type="protocol"
                )
            self.node.save_startup()
        elif target == "running":
            self.server.commit_running(tree)
        else:
            self.server.set_candidate(tree)
        return _ok()

    def rpc_delete_config(self, op):
        params = self._params(op, ("target",))
        target = self._datastore(self._required(params, "target", "delete-config"))
        raise RpcError(
            "operation-not-supported", "delete-config of %s is not supported" % target, error_type="protocol"
        )

    def rpc_lock(self, op):
        params = self._params(op, ("target",))
        target = self._datastore(self._required(params, "target", "lock"))
        holder = self.server.locks.get(target)
        if holder is not None:
            # RFC 6241 §7.5: lock-denied, error-info carries the holder's session-id.
            raise RpcError(
                "lock-denied",
                "Lock failed, lock is already held",
                error_type="protocol",
                info=[("session-id", holder)],
            )
        pending = self.server.pending_confirm()
        if target == "running" and pending is not None and pending["session"] != self.session_id:
            # RFC 6241 §7.5: no lock on running while another session's confirmed commit is pending.
            raise RpcError(
                "lock-denied",
                "a confirmed commit of another session is pending",
                error_type="protocol",
                info=[("session-id", pending["session"])],
            )
        if target == "candidate" and self.server.candidate_modified():
            # RFC 6241 §7.5: no lock on a candidate that holds uncommitted changes.
            raise RpcError(
                "lock-denied", "the candidate has uncommitted changes", error_type="protocol", info=[("session-id", 0)]
            )
        self.server.locks[target] = self.session_id
        return _ok()

    def rpc_unlock(self, op):
        params = self._params(op, ("target",))
        target = self._datastore(self._required(params, "target", "unlock"))
        if self.server.locks.get(target) != self.session_id:
            raise RpcError(
                "operation-failed", "the %s datastore is not locked by this session" % target, error_type="protocol"
            )
        del self.server.locks[target]
        return _ok()

    def rpc_commit(self, op):
        params = self._params(op, ("confirmed", "confirm-timeout", "persist", "persist-id"))
        server = self.server
        server.check_lock("running", self)
        server.check_lock("candidate", self)
        pending = server.pending_confirm()
        persist_id = params.get("persist-id")
        if pending is not None:
            if pending["persist"] is not None:
                if persist_id is None or (persist_id.text or "") != pending["persist"]:
                    raise RpcError(
                        "invalid-value",
                        "a persistent confirmed commit is pending: give its persist-id",
                        error_type="protocol",
                        info=[("bad-element", "persist-id")],
                    )
            elif pending["session"] != self.session_id:
                raise RpcError(
                    "in-use",
                    "a confirmed commit of session %d is pending" % pending["session"],
                    info=[("session-id", pending["session"])],
                )
        elif persist_id is not None:
            raise RpcError(
                "invalid-value",
                "no confirmed commit is pending",
                error_type="protocol",
                info=[("bad-element", "persist-id")],
            )
        timeout = DEFAULT_CONFIRM_TIMEOUT
        if "confirm-timeout" in params:
            try:
                timeout = int((params["confirm-timeout"].text or "").strip())
            except ValueError:
                timeout = 0
            if not 1 <= timeout <= 4294967295:
                raise RpcError(
                    "invalid-value",
                    "confirm-timeout must be 1..4294967295",
                    error_type="protocol",
                    info=[("bad-element", "confirm-timeout")],
                )
        new = server.candidate()
        if "confirmed" in params:
            persist = params["persist"].text or "" if "persist" in params else None
            server.start_confirmed(self, timeout, persist)
        else:
            server.finish_confirmed()
        if new is not self.node.running:
            server.commit_running(new)
        server.set_candidate(None)
        return _ok()

    def rpc_cancel_commit(self, op):
        params = self._params(op, ("persist-id",))
        pending = self.server.pending_confirm()
        if pending is None:
            raise RpcError("operation-failed", "no confirmed commit is pending", error_type="protocol")
        if pending["persist"] is not None:
            pid = params.get("persist-id")
            if pid is None or (pid.text or "") != pending["persist"]:
                raise RpcError(
                    "invalid-value",
                    "wrong or missing persist-id",
                    error_type="protocol",
                    info=[("bad-element", "persist-id")],
                )
        elif pending["session"] != self.session_id:
            raise RpcError("operation-failed", "the confirmed commit belongs to another session", error_type="protocol")
        self.server.rollback_confirmed("cancel-commit")
        return _ok()

    def rpc_discard_changes(self, op):
        self._params(op, ())
        self.server.check_lock("candidate", self)
        self.server.set_candidate(None)
        return _ok()

    def rpc_validate(self, op):
        params = self._params(op, ("source",))
        source = self._datastore(self._required(params, "source", "validate"), inline=True)
        tree = self.server.tree_of(source) if isinstance(source, str) else self._tree_from_config(source)
        try:
            cfg.validate_tree(tree)
        except cfg.ConfigError as exc:
            raise RpcError("invalid-value", exc.message) from None
        return _ok()

    def rpc_close_session(self, op):
        self._params(op, ())
        return _ok()

    def rpc_kill_session(self, op):
        params = self._params(op, ("session-id",))
        text = (self._required(params, "session-id", "kill-session").text or "").strip()
        victim = self.server.sessions.get(int(text)) if text.isdigit() else None
        if victim is None or victim is self:
            raise RpcError(
                "invalid-value",
                "no other session with id %s" % text,
                error_type="protocol",
                info=[("bad-element", "session-id")],
            )
        victim.close()
        self.server.session_closed(victim)  # release its locks now, not when its channel is gone
        return _ok()

    def rpc_save_config(self, op):
        """Cisco's cisco-ia `save-config` (what ncclient's iosxe `save_config()` sends)."""
        if children(op):
            raise RpcError(
                "unknown-element",
                "save-config takes no parameters",
                error_type="protocol",
                info=[("bad-element", local(children(op)[0]))],
            )
        self.node.save_startup()
        result = etree.Element("{%s}result" % CISCO_IA_NS, nsmap={None: CISCO_IA_NS})
        result.text = "Save running-config successful"
        return [result]


def _subtree_tops(fel):
    """Local names of the top-level nodes a subtree filter asks for; None = cannot tell (all)."""
    if fel is None or fel.get("type", "subtree") != "subtree":
        return None
    return {local(child) for child in children(fel)}


def _enum(params, name, allowed, default):
    el = params.get(name)
    if el is None:
        return default
    value = (el.text or "").strip()
    if value not in allowed:
        raise RpcError(
            "invalid-value",
            "%s must be one of %s" % (name, ", ".join(allowed)),
            error_type="protocol",
            info=[("bad-element", name)],
        )
    return value


def _edit_error(exc):
    """NetconfEditError (lispxtr.config) -> RpcError."""
    info = list((getattr(exc, "error_info", None) or {}).items())
    return RpcError(
        exc.error_tag,
        exc.message,
        error_type=getattr(exc, "error_type", "application"),
        path=getattr(exc, "error_path", None),
        info=info,
    )
