#!/usr/bin/env python3
"""Prints N distinct ports (default 1) that nobody listens on, one per line.

Chosen below the kernel's ephemeral range: a port from bind(0) is an
ephemeral one, and by the time the server that gets it binds (the stack
starts its parts one after another) an outgoing connection may hold it
("address already in use"; seen once for the node agent). Ports below the
range are never handed out that way. All N are picked in one call so that
no two of them coincide.
"""
import random
import socket
import sys


def is_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main():
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    with open("/proc/sys/net/ipv4/ip_local_port_range") as ranges:
        ephemeral_low = int(ranges.read().split()[0])
    low, high = 20000, max(20001, ephemeral_low - 1)
    chosen = []
    for _ in range(500 * wanted):
        if len(chosen) == wanted:
            break
        port = random.randint(low, high)
        if port not in chosen and is_free(port):
            chosen.append(port)
    if len(chosen) < wanted:
        sys.exit("free-ports: found only %d of %d free ports in %d-%d" % (len(chosen), wanted, low, high))
    print("\n".join(map(str, chosen)))


if __name__ == "__main__":
    main()
