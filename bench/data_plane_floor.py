# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor of the namespace lab's data plane: what a Python process must spend per packet with the
same system calls as an xTR and no LISP logic at all (``data_plane_netns.py --floor`` runs it in
place of SITE1 and SITE2, inside their namespaces; root).

    data_plane_floor.py itr RLOC PEER_RLOC   # TUN read -> 8-byte LISP header + packet -> sendto PEER:4341
    data_plane_floor.py etr RLOC             # recv on RLOC:4341 -> strip 8 bytes -> TUN write

No map-cache, no checks, no counters: a bound on what the real xTR could reach on this machine.
"""

import fcntl
import os
import random
import selectors
import socket
import struct
import sys

TUN_NAME = b"lisp0"
TUNSETIFF = 0x400454CA
IFF_TUN_NO_PI = 0x0001 | 0x1000
BATCH = 64


def open_tun():
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", TUN_NAME, IFF_TUN_NO_PI))
    return fd


def itr(rloc, peer):
    fd = open_tun()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((rloc, 0))
    dst, header, nonce = (peer, 4341), struct.Struct("!II"), random.Random().getrandbits
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    read, sendto = os.read, sock.sendto
    while True:
        sel.select()
        for _i in range(BATCH):
            try:
                packet = read(fd, 65535)
            except BlockingIOError:
                break
            sendto(header.pack(0x88000000 | nonce(24), 0) + packet, dst)  # N and I bits, instance 0


def etr(rloc):
    fd = open_tun()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((rloc, 4341))
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    recv, write = sock.recv, os.write
    while True:
        sel.select()
        for _i in range(BATCH):
            try:
                data = recv(65535)
            except BlockingIOError:
                break
            write(fd, data[8:])


def main(argv):
    if len(argv) == 3 and argv[0] == "itr":
        itr(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "etr":
        etr(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
