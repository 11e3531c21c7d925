"""Raw-packet helpers shared by the lab's packet tools (icmp-send.py, syn-flood.py): the Internet
checksum and an IPv4 header. Imported from the tools' own directory (python puts it on sys.path)."""
import socket
import struct


def checksum(data: bytes) -> int:
    """RFC 1071 one's-complement sum, as IPv4, ICMP and TCP/UDP (with a pseudo-header) use it."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ipv4_header(src: bytes, dst: bytes, proto: int, total_len: int, ident: int = 0, frag: int = 0, fill_checksum: bool = False) -> bytes:
    """A 20-byte IPv4 header (TTL 64). With IP_HDRINCL the kernel fills in a zero checksum; a header
    embedded in an ICMP error is never sent by itself, so it carries its own (fill_checksum)."""
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total_len, ident, frag, 64, proto, 0, src, dst)
    if fill_checksum:
        head = head[:10] + struct.pack("!H", checksum(head)) + head[12:]
    return head
