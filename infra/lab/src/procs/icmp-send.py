#!/usr/bin/env python3
"""Hand-made ICMP and fragment packets for the data plane's ICMP tests (issue 9 §5), run inside a
lab namespace (CAP_NET_RAW: the lab runs as root). Lab addresses only.

usage:
  icmp-send.py error <dst> <embedded src> <embedded sport> <embedded dst> <embedded dport> [udp|tcp]
      IPv4: destination unreachable / fragmentation needed (MTU 1400); IPv6: packet too big (MTU 1280).
      The embedded packet is the one that "did not fit": embedded src -> embedded dst.
  icmp-send.py echo <dst>            one echo request
  icmp-send.py other <dst>           one ICMP type the edge must not forward (timestamp / node information)
  icmp-send.py fragment <dst> <dport>  a non-first UDP fragment (offset 1480 bytes)
  icmp-send.py udp <dst> <sport> <dport>  one UDP datagram from the loopback address
  icmp-send.py batch <nft table> '<JSON list of argument lists>'
      runs each command and prints, per command, the nft counters of that table it moved
      ({name: packets}): one process for a whole test (process start-up is slow on a loaded machine).
The family follows <dst>.
"""
import json
import socket
import subprocess
import struct
import sys

from rawpkt import checksum, ipv4_header



def v6(addr: str) -> bool:
    return ":" in addr


def icmp4(type_: int, code: int, rest: bytes, body: bytes) -> bytes:
    head = struct.pack("!BBH", type_, code, 0) + rest
    return struct.pack("!BBH", type_, code, checksum(head + body)) + rest + body


def icmp6(type_: int, code: int, rest: bytes, body: bytes) -> bytes:
    # The kernel fills in the ICMPv6 checksum of a raw ICMPv6 socket.
    return struct.pack("!BBH", type_, code, 0) + rest + body


def send(dst: str, proto: int, payload: bytes) -> None:
    fam = socket.AF_INET6 if v6(dst) else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_RAW, proto)
    s.sendto(payload, (dst, 0))
    s.close()


def embedded(src: str, sport: int, dst: str, dport: int, l4: str) -> bytes:
    proto = 17 if l4 == "udp" else 6
    ports = struct.pack("!HH", sport, dport) + (struct.pack("!HH", 8, 0) if proto == 17 else struct.pack("!I", 1))
    if v6(src):
        return struct.pack("!IHBB", 6 << 28, 1400, proto, 64) + socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + ports
    return ipv4_header(socket.inet_aton(src), socket.inet_aton(dst), proto, 1500, ident=1, frag=0x4000, fill_checksum=True) + ports


def counters(table: str) -> dict:
    out = subprocess.run(["nft", "-j", "list", "counters", "table", "inet", table], check=True, capture_output=True, text=True).stdout
    return {o["counter"]["name"]: o["counter"]["packets"] for o in json.loads(out)["nftables"] if "counter" in o}


def batch(table: str, commands: list) -> None:
    results = []
    before = counters(table)
    for args in commands:
        run([str(a) for a in args])
        after = counters(table)
        results.append({k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)})
        before = after
    print(json.dumps(results))


def run(argv: list) -> None:
    kind, dst = argv[0], argv[1]
    if kind == "error":
        inner = embedded(argv[2], int(argv[3]), argv[4], int(argv[5]), argv[6] if len(argv) > 6 else "udp")
        if v6(dst):
            send(dst, socket.IPPROTO_ICMPV6, icmp6(2, 0, struct.pack("!I", 1280), inner))
        else:
            send(dst, socket.IPPROTO_ICMP, icmp4(3, 4, struct.pack("!HH", 0, 1400), inner))
    elif kind == "echo":
        if v6(dst):
            send(dst, socket.IPPROTO_ICMPV6, icmp6(128, 0, struct.pack("!HH", 7, 1), b"anyfront"))
        else:
            send(dst, socket.IPPROTO_ICMP, icmp4(8, 0, struct.pack("!HH", 7, 1), b"anyfront"))
    elif kind == "other":
        if v6(dst):
            send(dst, socket.IPPROTO_ICMPV6, icmp6(139, 0, struct.pack("!I", 0), b"\0" * 8))
        else:
            send(dst, socket.IPPROTO_ICMP, icmp4(13, 0, struct.pack("!HH", 7, 1), b"\0" * 12))
    elif kind == "fragment":
        dport = int(argv[2])
        data = b"x" * 64
        if v6(dst):
            # IPPROTO_FRAGMENT raw socket: the kernel writes the IPv6 header, we write the fragment header.
            frag = struct.pack("!BBHI", 17, 0, (1480 // 8) << 3, 0x1234)
            send(dst, 44, frag + data)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            s.sendto(ipv4_header(socket.inet_aton("127.0.0.1"), socket.inet_aton(dst), 17, 20 + len(data), ident=0x1234, frag=1480 // 8) + data, (dst, 0))
            s.close()
    elif kind == "udp":
        fam = socket.AF_INET6 if v6(dst) else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::1" if v6(dst) else "127.0.0.1", int(argv[2])))
        s.sendto(b"x", (dst, int(argv[3])))
        s.close()
    else:
        raise SystemExit(f"unknown kind {kind}")


if sys.argv[1] == "batch":
    batch(sys.argv[2], json.loads(sys.argv[3]))
else:
    run(sys.argv[1:])
