"""NETCONF message framing over SSH (RFC 6242 §4), sans-I/O.

`FrameDecoder.feed(data)` takes bytes as they arrive (any split) and returns the complete
messages; `encode(message, chunked)` frames one outgoing message. A violation of the framing
or a message larger than the cap raises `FramingError`; the session then closes (RFC 6242 §4.2:
"the receiver MUST terminate the NETCONF session").
"""

EOM = b"]]>]]>"
MAX_MESSAGE = 16 * 1024 * 1024
MAX_CHUNK = 4294967295  # RFC 6242 §4.2: chunk-size is 1..4294967295
_MAX_HEADER = 13  # "\n#" + 10 digits + "\n"


class FramingError(Exception):
    """The peer broke RFC 6242 framing or exceeded the message size cap."""


def encode(message, chunked):
    """Frame one message (bytes): chunked (RFC 6242 §4.2) or end-of-message (§4.3)."""
    if not chunked:
        return message + EOM
    if not message:
        raise ValueError("a chunked message must not be empty")
    return b"\n#%d\n" % len(message) + message + b"\n##\n"


class FrameDecoder:
    """Incremental decoder; starts in end-of-message mode (the hello is always EOM framed)."""

    def __init__(self, max_message=MAX_MESSAGE):
        self.max_message = max_message
        self.chunked = False
        self.awaiting_hello = True
        self._scanned = 0  # bytes of _buf already searched for the end-of-message marker
        self._buf = bytearray()
        self._parts = []  # chunks of the chunked message being assembled
        self._size = 0  # bytes in _parts
        self._remaining = 0  # bytes still owed to the current chunk

    def set_chunked(self):
        """Switch to chunked framing after the hello exchange (RFC 6242 §4.1)."""
        self.chunked = True

    def feed(self, data):
        """Add received bytes; return the complete messages (a list of bytes).

        Before the hello has been taken out, at most one message is returned, so that the caller
        can switch framing (`set_chunked`) and then call `pending()` for what follows it.
        """
        self._buf += data
        messages = []
        while True:
            message = self._next_chunked() if self.chunked else self._next_eom()
            if message is None:
                return messages
            messages.append(message)
            if self.awaiting_hello:
                self.awaiting_hello = False
                return messages

    def pending(self):
        """Decode what is already buffered (after a framing switch)."""
        return self.feed(b"")

    def _next_eom(self):
        # Resume the search where the last one stopped: a big message arriving in small reads
        # is scanned once, not once per read.
        index = self._buf.find(EOM, self._scanned)
        if index < 0:
            self._scanned = max(0, len(self._buf) - len(EOM) + 1)
            if len(self._buf) > self.max_message + len(EOM):
                raise FramingError("message exceeds %d bytes" % self.max_message)
            return None
        self._scanned = 0
        message = bytes(self._buf[:index])
        del self._buf[: index + len(EOM)]
        if len(message) > self.max_message:
            raise FramingError("message exceeds %d bytes" % self.max_message)
        return message

    def _next_chunked(self):
        buf = self._buf
        while True:
            if self._remaining:
                take = min(self._remaining, len(buf))
                if not take:
                    return None
                self._parts.append(bytes(buf[:take]))
                del buf[:take]
                self._remaining -= take
                continue
            # Expect a chunk header "\n#<size>\n" or the end-of-chunks marker "\n##\n".
            if len(buf) < 4:
                if buf and not b"\n#"[: len(buf)] == bytes(buf[:2]):
                    raise FramingError("expected a chunk header")
                return None
            if buf[0:2] != b"\n#":
                raise FramingError("expected a chunk header")
            if buf[2:4] == b"#\n":
                del buf[:4]
                if not self._parts:
                    raise FramingError("end of chunks without a chunk")
                message = b"".join(self._parts)
                self._parts = []
                self._size = 0
                return message
            end = buf.find(b"\n", 2)
            if end < 0:
                if len(buf) > _MAX_HEADER or not bytes(buf[2:]).isdigit():
                    raise FramingError("malformed chunk header")
                return None
            digits = bytes(buf[2:end])
            if not digits.isdigit() or digits.startswith(b"0") or len(digits) > 10:
                raise FramingError("malformed chunk size")
            size = int(digits)
            if size > MAX_CHUNK:
                raise FramingError("chunk size out of range")
            self._size += size
            if self._size > self.max_message:
                raise FramingError("message exceeds %d bytes" % self.max_message)
            del buf[: end + 1]
            self._remaining = size
