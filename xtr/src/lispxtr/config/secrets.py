"""Password and key storage as IOS-XE does it: types 0, 7, 8 and 9.

* ``secret`` (``username ... secret``, ``enable secret``) is one-way: IOS-XE 17 hashes a clear-text
  secret with scrypt when it is entered and shows it as type 9 (``$9$<salt>$<hash>``: salt of 14
  characters, scrypt N=16384 r=1 p=1, 32 bytes, written in Cisco's base64 alphabet ``./0-9A-Za-z``).
  Type 8 (PBKDF2-SHA256, 20000 iterations, same encoding) is accepted too.
* ``password`` (``username ... password``) is reversible: type 0 is clear text, type 7 is the old
  Vigenère-style obfuscation (not encryption).
* LISP keys (``authentication-key``, ``etr map-server ... key``) must stay readable, because both ends
  compute an HMAC with them (RFC 9301 §5.6): types 0 and 7 can be turned back into the key; type 6
  (AES with the device's master key) cannot be read without that key, which this router does not have.

Nothing here logs or puts a secret in an exception message.
"""

import base64
import hashlib
import hmac
import re
import secrets as _random

CISCO64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_STD64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_TO_CISCO = str.maketrans(_STD64, CISCO64)
# The fixed key of type 7 (public since the 1990s; it protects nothing).
_XLAT = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"

TYPE9 = re.compile(r"\$9\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}\Z")
TYPE8 = re.compile(r"\$8\$[./0-9A-Za-z]{1,32}\$[./0-9A-Za-z]{43}\Z")
TYPE7 = re.compile(r"(0[0-9]|1[0-5])([0-9A-Fa-f]{2})*\Z")


class SecretError(ValueError):
    """A stored secret cannot be used (bad format, or a type this router cannot decrypt)."""


def _cisco64(raw):
    return base64.b64encode(raw).decode("ascii").translate(_TO_CISCO).rstrip("=")


def hash_type9(clear, salt=None):
    """Return the type 9 (scrypt) form of a clear-text secret; salt: 14 Cisco64 characters or random."""
    if salt is None:
        salt = "".join(_random.choice(CISCO64) for _unused in range(14))
    digest = hashlib.scrypt(clear.encode("utf-8"), salt=salt.encode("ascii"), n=16384, r=1, p=1, dklen=32)
    return "$9$%s$%s" % (salt, _cisco64(digest))


def hash_type8(clear, salt):
    digest = hashlib.pbkdf2_hmac("sha256", clear.encode("utf-8"), salt.encode("ascii"), 20000, 32)
    return "$8$%s$%s" % (salt, _cisco64(digest))


def deterministic_salt(*parts):
    """A 14-character salt derived from parts (used when rendering a tree built with a clear secret)."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).digest()
    return "".join(CISCO64[b % 64] for b in digest[:14])


def encode_type7(clear, seed=None):
    if seed is None:
        seed = _random.randbelow(16)
    out = ["%02d" % seed]
    for index, char in enumerate(clear.encode("utf-8")):
        out.append("%02X" % (char ^ _XLAT[(seed + index) % len(_XLAT)]))
    return "".join(out)


def decode_type7(text):
    if not TYPE7.match(text):
        raise SecretError("not a valid type 7 string")
    seed = int(text[:2])
    raw = bytes.fromhex(text[2:])
    return bytes(b ^ _XLAT[(seed + i) % len(_XLAT)] for i, b in enumerate(raw)).decode("utf-8", "replace")


def check_stored(kind, secret_type, value):
    """Raise SecretError (no value in the message) unless value is a valid stored form of that type."""
    if secret_type == 9 and not TYPE9.match(value):
        raise SecretError("not a valid type 9 secret ($9$ followed by a 14-character salt, '$' and 43 characters)")
    if secret_type == 8 and not TYPE8.match(value):
        raise SecretError("not a valid type 8 secret ($8$<salt>$<43 characters>)")
    if secret_type == 7 and not TYPE7.match(value):
        raise SecretError("not a valid type 7 %s (two decimal digits 00..15 then pairs of hex digits)" % kind)


def verify(stored, stored_type, offered):
    """True when the clear-text offered matches a stored secret/password of the given type."""
    if offered is None:
        return False
    if stored_type == 0:
        return hmac.compare_digest(stored.encode("utf-8"), offered.encode("utf-8"))
    if stored_type == 7:
        try:
            clear = decode_type7(stored)
        except SecretError:
            return False
        return hmac.compare_digest(clear.encode("utf-8"), offered.encode("utf-8"))
    if stored_type == 9 and TYPE9.match(stored):
        salt = stored[3:17]
        return hmac.compare_digest(hash_type9(offered, salt).encode("ascii"), stored.encode("ascii"))
    if stored_type == 8 and TYPE8.match(stored):
        salt = stored.split("$")[2]
        return hmac.compare_digest(hash_type8(offered, salt).encode("ascii"), stored.encode("ascii"))
    return False


def reveal_key(key, key_type):
    """The clear LISP key for HMAC computation from a configured key and its type (0 or 7)."""
    if key_type == 0:
        return key
    if key_type == 7:
        return decode_type7(key)
    raise SecretError("a type %d key cannot be decrypted by this router (no master key)" % key_type)
