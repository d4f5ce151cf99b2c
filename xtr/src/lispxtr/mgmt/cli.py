"""The IOS-XE command line over SSH: a hand-rolled line reader and the exec / config modes.

What clients rely on (Netmiko `cisco_xe`, ansible.netcommon network_cli + cisco.ios):
- every typed character is echoed as typed; `\\r`, `\\n` and `\\r\\n` are each one Enter; Ctrl-V
  makes the next character plain text (`?` in a regular expression would otherwise ask for help);
- prompts `HOST>`, `HOST#`, `HOST(config...)#`; output lines end with `\\r\\n`;
- errors are IOS's: a caret under the bad token and `% Invalid input detected at '^' marker.`,
  `% Incomplete command.`, `% Ambiguous command:  "..."`;
- every accepted configuration line is applied at once (IOS has no CLI commit).
"""

import asyncio
import codecs
import ipaddress
import logging
import re
import time

import asyncssh

from .. import config as cfg
from ..core import pipe as pipe_filter
from . import iosxe, shared

LOG = logging.getLogger(__name__)

CTRL_C = "\x03"
CTRL_Z = "\x1a"
CTRL_V = "\x16"
ENTER_OUT = "\r\n"
INVALID = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."
MORE = " --More-- "
ESCAPE = "\x1e"  # Ctrl-^ (Ctrl-Shift-6): the IOS escape sequence that aborts a ping


class CliError(Exception):
    """A command the parser rejects: `column` (offset in the typed line) or `incomplete`."""

    def __init__(self, column=None, incomplete=False, ambiguous=None):
        super().__init__("invalid input")
        self.column = column
        self.incomplete = incomplete
        self.ambiguous = ambiguous


class CliText(Exception):
    """An error text made by someone else (the LISP core); a leading caret line is relative to
    the command text and gets shifted by the prompt."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


class _Line:
    """A typed line split into tokens that remember where they start."""

    def __init__(self, text):
        self.text = text
        self.tokens = [(m.group(0), m.start()) for m in re.finditer(r"\S+", text)]

    def __len__(self):
        return len(self.tokens)

    def word(self, i):
        return self.tokens[i][0]

    def col(self, i):
        if i < len(self.tokens):
            return self.tokens[i][1]
        return len(self.text.rstrip()) + 1

    def rest(self, i):
        """The text from token i to the end of the line (as typed)."""
        if i >= len(self.tokens):
            return ""
        return self.text[self.tokens[i][1] :].strip()


def match_keyword(line, i, keywords):
    """Resolve token i against `keywords` (unique prefix, exact match wins) or raise CliError."""
    if i >= len(line):
        raise CliError(incomplete=True)
    word = line.word(i).lower()
    if word in keywords:
        return word
    found = [k for k in keywords if k.startswith(word)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise CliError(column=line.col(i), ambiguous=line.text.strip())
    raise CliError(column=line.col(i))


# Real IOS exec keywords that this router does not implement still count for abbreviations, so
# that `c` or `dis` are as ambiguous as on a real device.
EXEC_KEYWORDS = (
    "cd",
    "clear",
    "clock",
    "configure",
    "connect",
    "copy",
    "debug",
    "delete",
    "dir",
    "disable",
    "disconnect",
    "enable",
    "exit",
    "logout",
    "more",
    "ping",
    "quit",
    "reload",
    "send",
    "setup",
    "show",
    "ssh",
    "telnet",
    "terminal",
    "traceroute",
    "undebug",
    "write",
)
USER_EXEC_KEYWORDS = (
    "connect",
    "disable",
    "disconnect",
    "enable",
    "exit",
    "logout",
    "ping",
    "quit",
    "show",
    "ssh",
    "telnet",
    "terminal",
    "traceroute",
)
SHOW_KEYWORDS = (
    "clock",
    "history",
    "ip",
    "ipv6",
    "lisp",
    "privilege",
    "running-config",
    "startup-config",
    "users",
    "version",
    "vlan",
)
USER_SHOW_KEYWORDS = ("clock", "history", "ip", "lisp", "privilege", "users", "version")
# The longest command line kept. No LISP command comes near it (keys and names are bounded far
# lower, docs/security.md); it bounds what one session can make the router hold and echo.
MAX_LINE = 4096
PIPE_KEYWORDS = ("begin", "count", "exclude", "include", "section")


class CliSession(asyncssh.SSHServerSession):
    """One SSH shell (or exec request) on the CLI port."""

    def __init__(self, node, auth, netconf=None):
        self.node = node
        self.netconf = netconf  # the NetconfServer of this node: its lock on running blocks the CLI
        self.username = auth.username
        self.privilege = _login_privilege(node, self.username)
        self.length = 24
        self.width = 80
        self._chan = None
        self._input = asyncio.Queue()
        self._pending = ""
        self._pos = 0
        self._skip_lf = False
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._config = None  # CliConfigSession while in configuration mode
        self._seen = None  # the running tree the config session started from or last committed
        self._exec_command = None
        self._task = None
        self._closed = False
        self._started = time.monotonic()

    # --- asyncssh callbacks -----------------------------------------------------------------
    def connection_made(self, chan):
        self._chan = chan

    def pty_requested(self, term_type, term_size, term_modes):
        if term_size and term_size[0]:
            self.width = term_size[0]
        return True

    def shell_requested(self):
        return True

    def exec_requested(self, command):
        self._exec_command = command
        return True

    def subsystem_requested(self, subsystem):
        return False

    def session_started(self):
        self._task = asyncio.get_running_loop().create_task(self._main())

    def data_received(self, data, datatype):
        self._input.put_nowait(self._decoder.decode(data))

    def eof_received(self):
        self._input.put_nowait(None)
        return False

    def connection_lost(self, exc):
        self._closed = True
        self._input.put_nowait(None)
        if self._task is not None and not self._task.done():
            self._task.cancel()  # e.g. a long ping nobody is watching any more

    # --- output --------------------------------------------------------------------------------
    def write(self, text):
        if self._closed or self._chan is None:
            return
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        try:
            self._chan.write(text.encode("utf-8", "replace"))
        except (BrokenPipeError, ConnectionError):
            self._closed = True  # the client went away mid-output

    def writeln(self, text=""):
        self.write(text + "\n")

    def prompt(self):
        host = getattr(self.node.running, "hostname", None) or self.node.hostname
        if self._config is not None:
            return "%s(%s)#" % (host, self._config.mode)
        return host + ("#" if self.privilege > 1 else ">")

    # --- input ---------------------------------------------------------------------------------
    async def _more(self):
        """Wait for input; False at end of input."""
        chunk = await self._input.get()
        if chunk is None:
            self._input.put_nowait(None)  # stay at end of input for later reads
            return False
        self._pending = self._pending[self._pos :] + chunk
        self._pos = 0
        return True

    async def _next_char(self):
        """The next typed character, or None at end of input (an index, not slicing: pastes of
        a whole configuration stay linear)."""
        while self._pos >= len(self._pending):
            if not await self._more():
                return None
        ch = self._pending[self._pos]
        self._pos += 1
        return ch

    async def read_line(self, echo=True):
        """Read one line; returns the text, CTRL_Z, CTRL_C or None at end of input.

        Echo is collected and sent whenever the input read so far is used up, so a pasted block
        is echoed in a few writes rather than one SSH packet per character.
        """
        line = ""
        echoed = []

        def show(text):
            if echo:
                echoed.append(text)

        def flush():
            if echoed:
                self.write("".join(echoed))
                echoed.clear()

        while True:
            if self._pos >= len(self._pending):
                flush()
            ch = await self._next_char()
            if ch is None:
                flush()
                return None
            if ch == "\n" and self._skip_lf:
                self._skip_lf = False
                continue
            self._skip_lf = ch == "\r"
            if ch in "\r\n":
                flush()
                self.write(ENTER_OUT)
                return line
            if ch in (CTRL_Z, CTRL_C):
                flush()
                return ch
            if ch in ("\x7f", "\x08"):
                if line:
                    line = line[:-1]
                    show("\b \b")
                continue
            if ch == "\x15":  # Ctrl-U: erase the line
                show("\b \b" * len(line))
                line = ""
                continue
            if ch == "\x1b":  # drop an escape sequence (arrow keys: ESC [ A)
                if await self._next_char() in ("[", "O"):
                    await self._next_char()
                continue
            if ch == CTRL_V:  # IOS: the next character is taken as typed (a `?` in a regex)
                ch = await self._next_char()
                if ch is None:
                    flush()
                    return None
                if ch >= " ":
                    line += ch
                    show(ch)
                continue
            if ch == "?" and echo and self._config is None:
                flush()
                self.write("?")
                self._help(line)
                self.write(self.prompt() + line)
                continue
            if ch < " " and ch != "\t":
                continue
            if ch == "\t":
                ch = " "
            if len(line) >= MAX_LINE:  # a full line buffer: further characters are dropped unechoed
                continue
            line += ch
            show(ch)

    def _help(self, line):
        """Context help for `?` (exec mode): the keywords that can follow what is typed."""
        parsed = _Line(line)
        partial = "" if line.endswith(" ") or not line else parsed.word(len(parsed) - 1)
        words = [parsed.word(i) for i in range(len(parsed) - (1 if partial else 0))]
        choices = EXEC_KEYWORDS if self.privilege > 1 else USER_EXEC_KEYWORDS
        try:
            if words:
                first = match_keyword(_Line(" ".join(words)), 0, choices)
                if first == "show" and len(words) == 1:
                    choices = SHOW_KEYWORDS
                elif (
                    first == "show"
                    and len(words) == 2
                    and match_keyword(_Line(words[1]), 0, SHOW_KEYWORDS) == "running-config"
                ):
                    choices = ("all", "full", "|", "<cr>")
                else:
                    choices = ("<cr>",)
        except CliError:
            choices = ()
        self.writeln()
        shown = [c for c in choices if c.startswith(partial.lower())]
        if not shown:
            self.writeln(INVALID)
        for choice in shown:
            self.writeln("  " + choice)
        self.writeln()

    # --- main loop -----------------------------------------------------------------------------
    async def _main(self):
        try:
            if self._exec_command is not None:
                await self.run_exec(self._exec_command.strip())
                self._chan.exit(0)
                return
            self.write("\n")
            while not self._closed:
                prompt = self.prompt()
                self.write(prompt)
                line = await self.read_line()
                if line is None:
                    break
                if self._config is not None:
                    await self._config_line(line, prompt)
                elif line in (CTRL_Z, CTRL_C):
                    self.write(ENTER_OUT)
                elif not await self._exec_line(line, prompt):
                    break
            if not self._closed:
                self._chan.close()
        except asyncio.CancelledError:
            raise
        except Exception:  # pylint: disable=broad-exception-caught  # one bad command must not kill the router
            LOG.exception("%s: CLI session failed", self.node.hostname)
            if not self._closed:
                self._chan.close()

    async def run_exec(self, text):
        """`ssh router "show version"`: one command, no prompt, then the channel closes.

        The caret of an error is placed as if the command followed the prompt (as IOS does)."""
        await self._exec_line(text, self.prompt())

    def _error(self, exc, prompt):
        if exc.incomplete:
            self.writeln(INCOMPLETE)
        elif exc.ambiguous is not None:
            self.writeln('%% Ambiguous command:  "%s"' % exc.ambiguous)
        else:
            self.writeln(" " * (len(prompt) + exc.column) + "^")
            self.writeln(INVALID)
        self.writeln()

    async def _exec_line(self, text, prompt):
        """Run one exec command; False when the session should end."""
        line = _Line(text)
        if not len(line):
            return True
        try:
            return await self._exec(line)
        except CliError as exc:
            self._error(exc, prompt)
        except CliText as exc:
            text = exc.text if exc.text.endswith("\n") else exc.text + "\n"
            if text.lstrip(" ").startswith("^"):
                text = " " * len(prompt) + text
            self.write(text + "\n")
        except Exception:  # pylint: disable=broad-exception-caught  # a failing command must not end the session
            LOG.exception("%s: exec command failed", self.node.hostname)
            self._error(CliError(column=line.col(len(line) - 1)), prompt)
        return True

    async def _exec(self, line):
        keywords = EXEC_KEYWORDS if self.privilege > 1 else USER_EXEC_KEYWORDS
        cmd = match_keyword(line, 0, keywords)
        if cmd in ("exit", "logout", "quit"):
            return False
        handler = getattr(self, "cmd_" + cmd, None)
        if handler is None:
            raise CliError(column=line.col(0))
        await handler(line)
        return True

    # --- exec commands -------------------------------------------------------------------------
    async def cmd_enable(self, line):
        if len(line) > 1:
            if not line.word(1).isdigit() or int(line.word(1)) > 15:
                raise CliError(column=line.col(1))
        if self.privilege == 15:
            return
        for _unused in range(3):
            self.write("Password: ")
            secret = await self.read_line(echo=False)
            if secret is None:
                return
            if secret not in (CTRL_C, CTRL_Z) and self.node.check_enable(secret):
                self.privilege = 15
                return
        self.writeln("% Bad secrets")
        self.writeln()

    async def cmd_disable(self, line):
        if len(line) > 1:
            raise CliError(column=line.col(1))
        self.privilege = 1

    async def cmd_terminal(self, line):
        what = match_keyword(line, 1, ("length", "width", "monitor", "no"))
        if what == "monitor":
            return
        if what == "no":
            match_keyword(line, 2, ("monitor",))
            return
        if len(line) < 3:
            raise CliError(incomplete=True)
        value = line.word(2)
        limit = 512
        if not value.isdigit() or int(value) > limit:
            raise CliError(column=line.col(2))
        if len(line) > 3:
            raise CliError(column=line.col(3))
        if what == "length":
            self.length = int(value)
        else:
            self.width = int(value)

    async def cmd_configure(self, line):
        if len(line) == 1:
            self.write("Configuring from terminal, memory, or network [terminal]? ")
            answer = await self.read_line()
            if answer is None or answer in (CTRL_C, CTRL_Z):
                return
            if answer.strip() and not "terminal".startswith(answer.strip().lower()):
                self.writeln('?Must be "terminal", "memory" or "network"')
                return
        else:
            if match_keyword(line, 1, ("terminal", "memory", "network", "replace", "confirm", "revert")) != "terminal":
                raise CliError(column=line.col(1))
            if len(line) > 2:
                raise CliError(column=line.col(2))
        if self._config_locked():
            return
        self.writeln("Enter configuration commands, one per line.  End with CNTL/Z.")
        self._config = cfg.CliConfigSession(self.node.running)
        self._seen = self.node.running

    async def cmd_write(self, line):
        what = "memory" if len(line) == 1 else match_keyword(line, 1, ("erase", "memory", "network", "terminal"))
        if len(line) > 2:
            raise CliError(column=line.col(2))
        if what == "terminal":
            await self._show_serialised(self._running_text)
            return
        if what != "memory":
            raise CliError(column=line.col(1))
        await self._serialised(self._save)

    def _save(self):
        self.writeln("Building configuration...")
        self.node.save_startup()
        self.writeln("[OK]")

    async def cmd_copy(self, line):
        src = match_keyword(line, 1, ("running-config", "startup-config", "bootflash:", "flash:", "ftp:", "tftp:"))
        dst = match_keyword(line, 2, ("running-config", "startup-config", "bootflash:", "flash:", "ftp:", "tftp:"))
        if len(line) > 3:
            raise CliError(column=line.col(3))
        if (src, dst) != ("running-config", "startup-config"):
            raise CliError(column=line.col(1))
        self.write("Destination filename [startup-config]? ")
        answer = await self.read_line()
        if answer is None or answer in (CTRL_C, CTRL_Z):
            return
        if answer.strip() not in ("", "startup-config"):
            self.writeln("%Error opening %s (Permission denied)" % answer.strip())
            return
        await self._serialised(self._save)

    async def cmd_clear(self, line):
        what = match_keyword(line, 1, ("ip", "lisp", "counters", "logging"))
        if what == "ip":
            match_keyword(line, 2, ("lisp",))
            match_keyword(line, 3, ("map-cache",))
            if len(line) > 4:
                raise CliError(column=line.col(4))
            await self._serialised(self._clear_map_cache, 0, "ipv4")
            return
        if what != "lisp":
            raise CliError(column=line.col(1))
        match_keyword(line, 2, ("instance-id",))
        if len(line) < 4:
            raise CliError(incomplete=True)
        iid = line.word(3)
        if not iid.isdigit() or int(iid) > 16777215:
            raise CliError(column=line.col(3))
        afi = match_keyword(line, 4, ("ipv4", "ipv6", "ethernet"))
        match_keyword(line, 5, ("map-cache",))
        if len(line) > 6:
            raise CliError(column=line.col(6))
        await self._serialised(self._clear_map_cache, int(iid), afi)

    def _clear_map_cache(self, iid, afi):
        self.node.router.clear_map_cache(iid, afi)
        shared.invalidate_oper(self.node)

    async def cmd_ping(self, line):
        """``ping [vrf NAME] [ip|ipv6] DST [repeat N] [size N] [source SRC] [timeout N]``: IOS reads
        the family from the address when it is not given; ``vrf NAME`` pings from the host of the
        instance whose ``eid-table vrf NAME`` it is."""
        i = 1
        family = None
        vrf = None
        if i < len(line) and line.word(i).lower() == "vrf":
            if i + 1 >= len(line):
                raise CliError(incomplete=True)
            vrf = line.word(i + 1)
            if self.node.vrf_instance(vrf) is None:
                self.writeln("%% VRF %s is not an EID table of router lisp" % vrf)
                return
            i += 2
        if i < len(line) and line.word(i).lower() in ("ip", "ipv6"):
            family = ipaddress.IPv6Address if line.word(i).lower() == "ipv6" else ipaddress.IPv4Address
            i += 1
        if i >= len(line):
            raise CliError(incomplete=True)
        dst = line.word(i)
        if family is None:
            family = ipaddress.IPv6Address if ":" in dst else ipaddress.IPv4Address
        try:
            dst = str(family(dst)).upper() if family is ipaddress.IPv6Address else str(family(dst))
        except ValueError:
            raise CliError(column=line.col(i)) from None
        options = {"repeat": 5, "size": 100, "timeout": 2, "source": None}
        i += 1
        while i < len(line):
            key = match_keyword(line, i, ("data", "df-bit", "repeat", "size", "source", "timeout", "validate"))
            if key not in options:
                raise CliError(column=line.col(i))
            if i + 1 >= len(line):
                raise CliError(incomplete=True)
            value = line.word(i + 1)
            if key == "source":
                try:
                    value = str(family(value))
                except ValueError:
                    raise CliError(column=line.col(i + 1)) from None
                options[key] = value.upper() if family is ipaddress.IPv6Address else value
            else:
                bounds = {"repeat": (1, 2147483647), "size": (36, 18024), "timeout": (0, 3600)}[key]
                if not value.isdigit() or not bounds[0] <= int(value) <= bounds[1]:
                    raise CliError(column=line.col(i + 1))
                options[key] = int(value)
            i += 2
        options["vrf"] = vrf
        await self._ping(dst, options)

    async def _ping(self, dst, options):
        self.writeln("Type escape sequence to abort.")
        self.writeln(
            "Sending %d, %d-byte ICMP Echos to %s, timeout is %d seconds:"
            % (options["repeat"], options["size"], dst, options["timeout"])
        )
        if options["source"]:
            self.writeln("Packet sent with a source address of %s " % options["source"])
        rtts = []
        sent = 0
        vrf = {"vrf": options["vrf"]} if options.get("vrf") else {}  # only then: Node.ping stand-ins in tests take no vrf
        async for ok, rtt_ms in self.node.ping(
            dst, options["source"], repeat=options["repeat"], timeout=float(options["timeout"]), size=options["size"], **vrf
        ):
            sent += 1
            if ok:
                rtts.append(rtt_ms)
            self.write("!" if ok else ".")
            if sent % 70 == 0:
                self.writeln()
            if self._escape_typed():
                break
        self.writeln()
        percent = int(100 * len(rtts) / sent) if sent else 0
        text = "Success rate is %d percent (%d/%d)" % (percent, len(rtts), sent)
        if rtts:
            text += ", round-trip min/avg/max = %d/%d/%d ms" % (
                round(min(rtts)),
                round(sum(rtts) / len(rtts)),
                round(max(rtts)),
            )
        self.writeln(text)

    def _escape_typed(self):
        """True when the IOS escape sequence (Ctrl-^, then optionally x) was typed meanwhile."""
        while not self._input.empty():
            chunk = self._input.get_nowait()
            if chunk is None:
                self._input.put_nowait(None)
                break
            self._pending = self._pending[self._pos :] + chunk
            self._pos = 0
        index = self._pending.find(ESCAPE, self._pos)
        if index < 0:
            return False
        end = index + 1
        if self._pending[end : end + 1] in ("x", "X"):
            end += 1
        self._pending = self._pending[:index] + self._pending[end:]
        return True

    async def cmd_show(self, line):
        line, pipe = self._split_pipe(line)
        if pipe is None:
            await self._show_serialised(lambda: self._show(line))
            return
        # The output is built as one management operation; the filter runs after it, outside the
        # operation lock, giving the loop back between slices of its work (core/pipe.py).
        text = await self._serialised(self._show, line)
        try:
            text = await pipe_filter.filter_async(text, *pipe)
        except pipe_filter.PipeError as exc:
            raise CliText(exc.text) from None
        if self._pages(text):
            await self.page(text)
        else:
            self.write(text)

    async def _show_serialised(self, build):
        """Build a command's output and write it as one management operation; only paging through
        it (waiting for keystrokes at ` --More-- `) happens outside the operation lock."""

        def run():
            text = build()
            if self._pages(text):
                return text
            self.write(text)
            return None

        text = await self._serialised(run)
        if text is not None:
            await self.page(text)

    async def _serialised(self, func, *args):
        """`func(*args)` as one management operation (mgmt/shared.py); an exec request answers
        and closes without yielding to the loop in between, as the peer may close on EOF."""
        return await shared.serialised(self.node, func, *args, hold=self._exec_command is None)

    def _pages(self, text):
        """True when `text` needs ` --More-- ` prompts."""
        return not (self.length == 0 or self._exec_command is not None or text.count("\n") < self.length)

    async def page(self, text):
        """Write command output, stopping at ` --More-- ` every screen unless `terminal length 0`."""
        lines = text.split("\n")
        if not self._pages(text):
            self.write(text)
            return
        shown = 0
        screen = self.length - 1
        while shown < len(lines) - 1:
            chunk = lines[shown : shown + screen]
            shown += len(chunk)
            self.write("".join(ln + "\n" for ln in chunk))
            if shown >= len(lines) - 1:
                break
            self.write(MORE)
            key = await self.read_key()
            self.write("\b" * len(MORE) + " " * len(MORE) + "\b" * len(MORE))  # erase the prompt
            if key in ("\r", "\n"):
                screen = 1
            elif key == " ":
                screen = self.length - 1
            else:
                return  # q (or anything else) ends the output, as on IOS
        self.write(lines[-1])

    async def read_key(self):
        """One keystroke, unechoed (the ` --More-- ` prompt); None at end of input."""
        while True:
            ch = await self._next_char()
            if ch is None:
                return None
            if ch == "\n" and self._skip_lf:
                self._skip_lf = False
                continue
            self._skip_lf = ch == "\r"
            return ch

    def _split_pipe(self, line):
        """Split `... | include X` off; returns the command line and (keyword, RE2 regex) or None
        (the regex is None for a bare `| count`); a pattern RE2 refuses is an IOS error here."""
        for i in range(len(line)):
            if line.word(i) == "|":
                if i + 1 >= len(line):
                    raise CliError(incomplete=True)
                kind = match_keyword(line, i + 1, PIPE_KEYWORDS)
                pattern = line.rest(i + 2)
                if kind != "count" and not pattern:
                    raise CliError(incomplete=True)
                try:
                    regex = pipe_filter.compile_pattern(pattern) if pattern else None
                except pipe_filter.PipeError as exc:
                    if exc.syntax:
                        raise CliError(column=line.col(i + 2)) from None
                    raise CliText(exc.text) from None
                return _Line(line.text[: line.col(i)]), (kind, regex)
        return line, None

    def _show(self, line):
        keywords = SHOW_KEYWORDS if self.privilege > 1 else USER_SHOW_KEYWORDS
        what = match_keyword(line, 1, keywords)
        simple = {
            "version": lambda: iosxe.show_version(self.node.hostname, self._uptime()),
            "privilege": lambda: "Current privilege level is %d\n" % self.privilege,
            "clock": lambda: iosxe.show_clock(time.time()) + "\n",
            "startup-config": lambda: iosxe.show_startup(self.node.startup_text()),
            "users": lambda: "    Line       User       Host(s)              Idle       Location\n"
            "*  2 vty 0     %-10s idle                 00:00:00 127.0.0.1\n" % self.username,
            "history": lambda: "",
        }
        if what in simple:
            if len(line) > 2:
                raise CliError(column=line.col(2))
            return simple[what]()
        if what == "running-config":
            if len(line) > 2:
                match_keyword(line, 2, ("all", "full"))
                if len(line) > 3:
                    raise CliError(column=line.col(3))
            return self._running_text()
        if what in ("ip", "ipv6", "lisp"):  # show ipv6 lisp instance-id N forwarding state
            return self._show_lisp(line)
        raise CliError(column=line.col(1))

    def _show_lisp(self, line):
        # The core parses its show commands itself (abbreviations, values, its own errors), with
        # offsets into the text as typed; a caret it returns is shifted by the prompt here.
        output = self.node.router.show(line.text, self.node.now())
        if output is None:
            raise CliError(column=line.col(1))
        first = output.split("\n", 1)[0]
        if first.startswith("% ") or (first.strip() == "^" and first.endswith("^")):
            raise CliText(output)
        return output if output.endswith("\n") or not output else output + "\n"

    def _running_text(self):
        return shared.running_text(self.node)

    def _uptime(self):
        started = getattr(self.node, "started_at", None)
        if started is not None:
            return max(0.0, time.time() - started)
        return time.monotonic() - self._started

    # --- configuration mode ---------------------------------------------------------------------
    async def _config_line(self, line, prompt):
        if line in (CTRL_Z, CTRL_C):
            self.writeln("^Z" if line == CTRL_Z else "^C")
            self._config = None
            return
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            return
        if stripped.lower() == "end":
            self._config = None
            return
        words = stripped.split()
        if words[0].lower() == "do" and len(words) > 1:
            offset = line.index(words[1])
            await self._exec_line(line[offset:], prompt + " " * offset)
            return
        await self._serialised(self._config_apply, line, stripped, prompt)

    def _config_apply(self, line, stripped, prompt):
        """Apply one configuration line (one management operation)."""
        if self._config_locked():
            return
        offset = len(line) - len(line.lstrip())
        session = self._config
        if self.node.running is not self._seen:
            # Running changed under us (NETCONF, another CLI session): continue from it.
            session.tree = self.node.running.copy()
            self._seen = self.node.running
        try:
            stay = session.feed(stripped)
        except cfg.ConfigError as exc:
            self._config_error(exc, offset, stripped, prompt)
            return
        except Exception:  # pylint: disable=broad-exception-caught  # a failing line must not end the session
            LOG.exception("%s: configuration line failed", self.node.hostname)
            session.tree = self.node.running.copy()
            tokens = _Line(line)
            self._error(CliError(column=tokens.col(len(tokens) - 1)), prompt)
            return
        if session.tree != self.node.running:
            try:
                self.node.commit(session.tree.copy())
            except cfg.ConfigError as exc:
                self._config_error(exc, offset, stripped, prompt)
                session.tree = self.node.running.copy()
            self._seen = self.node.running
        if not stay:
            self._config = None

    def _config_locked(self):
        """A NETCONF lock on running keeps the CLI from configuring (RFC 6241 §7.5: a lock stops
        changes by any other session, CLI included); IOS prints its configuration-lock refusal."""
        holder = self.netconf.locks.get("running") if self.netconf is not None else None
        if holder is None:
            return False
        self.writeln(
            "Configuration mode is locked by process '%d' user 'NETCONF' from terminal '%d'. "
            "Please try later." % (holder, holder)
        )
        return True

    def _config_error(self, exc, offset, line, prompt):
        message = (getattr(exc, "message", None) or str(exc)).strip()
        column = getattr(exc, "column", None)
        if message.startswith("% Incomplete"):
            self._error(CliError(incomplete=True), prompt)
        elif message.startswith("% Ambiguous"):
            self._error(CliError(ambiguous=line), prompt)
        elif column is not None:
            self._error(CliError(column=offset + column), prompt)
        else:
            self.writeln(message if message.startswith("%") else "% " + message)


def _login_privilege(node, username):
    """The privilege level a login lands in: the `username ... privilege N` of running, else 15."""
    hook = getattr(node, "login_privilege", None)
    if callable(hook):
        return int(hook(username))
    user = getattr(getattr(node, "running", None), "users", {}).get(username)
    if user is not None and getattr(user, "privilege", None) is not None:
        return max(1, min(15, int(user.privilege)))
    return 15
