#!/usr/bin/env python3
"""Crafts hostile variants of a good sealed bundle for the verifier tests.

usage: hostile.py GOOD.asice OUTDIR
Writes OUTDIR/<case>.asice and OUTDIR/expect.txt with one line per case:
"<case> <INDICATION> <SUB_INDICATION> [CHECK]" (sub "-" for none; CHECK,
when given, is the name of the check that must fail first).
"""
import base64
import hashlib
import struct
import sys
import zipfile
import zlib

good, out = sys.argv[1], sys.argv[2]
MT = b"application/vnd.etsi.asic-e+zip"
expect = []

with zipfile.ZipFile(good) as z:
    entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
names = [n for n, _ in entries]
page = next(n for n in names if n.startswith("pages/"))
text = next((n for n in names if n.startswith("text/")), "dossier.json")


def stored(name):
    return name == "mimetype" or name.endswith((".tif", ".png", ".pdf", ".p7s", ".jpg"))


def write(case, ents, ind="TOTAL_FAILED", sub="FORMAT_FAILURE", method=None, check=None):
    path = "%s/%s.asice" % (out, case)
    with zipfile.ZipFile(path, "w") as z:
        for item in ents:
            n, d = item[0], item[1]
            m = item[2] if len(item) > 2 else (zipfile.ZIP_STORED if stored(n) else zipfile.ZIP_DEFLATED)
            zi = zipfile.ZipInfo(n, date_time=(2020, 1, 2, 3, 4, 6))
            zi.compress_type = m
            z.writestr(zi, d)
    expect.append("%s %s %s%s" % (case, ind, sub, " " + check if check else ""))
    return path


def replace(ents, name, data):
    return [(n, data if n == name else d) for n, d in ents]


# a re-zip with other timestamps and every payload deflated still passes
write("rezip", [(n, d, zipfile.ZIP_STORED if n == "mimetype" else zipfile.ZIP_DEFLATED)
                for n, d in entries], "TOTAL_PASSED", "-")

d = dict(entries)
pb = bytearray(d[page]); pb[len(pb) // 2] ^= 0x01
write("page_byte", replace(entries, page, bytes(pb)), sub="HASH_FAILURE")
write("json_byte", replace(entries, "dossier.json", d["dossier.json"].replace(b"dossier-bundle/1", b"dossier-bundle/1 ")),
      sub="HASH_FAILURE")
write("added", entries + [("pages/p9999.tif", b"II*\x00extra")])
write("removed", [e for e in entries if e[0] != text])
write("renamed", [((n + ".bak") if n == text else n, x) for n, x in entries])
write("traversal", entries + [("../../evil.txt", b"x")])
write("traversal_inner", entries + [("pages/../../evil.txt", b"x")])
write("absolute", entries + [("/etc/evil.txt", b"x")])
write("backslash", entries + [("..\\evil.txt", b"x")])
import warnings
warnings.simplefilter("ignore")
write("duplicate", entries + [("dossier.json", b"{}")])
write("duplicate_case", entries + [("DOSSIER.json", b"{}")])
write("mimetype_missing", [e for e in entries if e[0] != "mimetype"])
write("mimetype_compressed", [(n, x, zipfile.ZIP_DEFLATED) if n == "mimetype" else (n, x) for n, x in entries])
write("mimetype_not_first", entries[1:2] + entries[0:1] + entries[2:])
write("mimetype_wrong", replace(entries, "mimetype", MT + b"\n"))
write("manifests_swapped", replace(replace(entries, "META-INF/ASiCManifest001.xml", d["META-INF/ASiCManifest002.xml"]),
                                   "META-INF/ASiCManifest002.xml", d["META-INF/ASiCManifest001.xml"]))
write("signatures_swapped", replace(replace(entries, "META-INF/signature001.p7s", d["META-INF/signature002.p7s"]),
                                    "META-INF/signature002.p7s", d["META-INF/signature001.p7s"]),
      sub="SIG_CRYPTO_FAILURE")
# not CMS at all: not conformant to the base standard (EN 319 102-1 FORMAT_FAILURE)
write("signature_garbage", replace(entries, "META-INF/signature001.p7s", b"\x30\x03\x02\x01\x01"))
write("signature_unpaired", entries + [("META-INF/signature003.p7s", d["META-INF/signature001.p7s"])])
write("manifest_doctype", replace(entries, "META-INF/ASiCManifest001.xml",
      b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]>' + d["META-INF/ASiCManifest001.xml"].split(b"?>", 1)[1]))
write("manifest_lists_missing", replace(entries, "META-INF/ASiCManifest001.xml",
      d["META-INF/ASiCManifest001.xml"].replace(page.encode(), b"pages/p0404.tif")))

# XML that libxml2 would take minutes over (its duplicate-attribute check
# is quadratic in one start tag) or that nests or repeats without end: each
# counted over the bytes and refused before libxml2 parses it
M1 = "META-INF/ASiCManifest001.xml"
m1 = d[M1]
attrs = b"".join(b' a%d="x"' % k for k in range(200000))
write("manifest_attrs_200k", replace(entries, M1, m1.replace(b"<asic:SigReference ", b"<asic:SigReference" + attrs + b" ", 1)),
      check="manifests")
nsdecl = b"".join(b' xmlns:n%d="urn:x:%d"' % (k, k) for k in range(100000))
write("manifest_xmlns_100k", replace(entries, M1, m1.replace(b"<asic:ASiCManifest ", b"<asic:ASiCManifest" + nsdecl + b" ", 1)),
      check="manifests")
write("manifest_deep", replace(entries, M1, m1.replace(b"</asic:ASiCManifest>", b"<x>" * 5000 + b"</x>" * 5000 + b"</asic:ASiCManifest>")),
      check="manifests")
write("manifest_elements_100k", replace(entries, M1, m1.replace(b"</asic:ASiCManifest>", b"<!---->" * 100000 + b"</asic:ASiCManifest>")),
      check="manifests")
# an encoding declaration libxml2 would switch to (EBCDIC: "<" is 0x4C, "L")
write("manifest_ebcdic", replace(entries, M1, m1.replace(b'encoding="UTF-8"', b'encoding="IBM037"', 1)),
      check="manifests")

# non-UTF-8 name: write a placeholder, patch its bytes in both headers
p = write("name_not_utf8", entries + [("pages/QQQQ.tif", b"x")])
raw = open(p, "rb").read().replace(b"pages/QQQQ.tif", b"pages/\xff\xfe\xfd\xfc.tif")
open(p, "wb").write(raw)

# truncated
raw = open(good, "rb").read()
open("%s/truncated.asice" % out, "wb").write(raw[: len(raw) // 2])
expect.append("truncated TOTAL_FAILED FORMAT_FAILURE")
open("%s/truncated_tail.asice" % out, "wb").write(raw[:-10])
expect.append("truncated_tail TOTAL_FAILED FORMAT_FAILURE")


def patch_sizes(path, name, usize):
    """Sets the uncompressed size of `name` in its local and central headers."""
    b = bytearray(open(path, "rb").read())
    nb = name.encode()
    i = 0
    while True:
        i = b.find(nb, i)
        if i < 0:
            break
        if b[i - 30:i - 26] == b"PK\x03\x04":
            struct.pack_into("<I", b, i - 30 + 22, usize)
        elif b[i - 46:i - 42] == b"PK\x01\x02":
            struct.pack_into("<I", b, i - 46 + 24, usize)
        i += 1
    open(path, "wb").write(b)


# an entry declaring 4 GB that inflates from a few KB
p = write("bomb_declared", entries + [("text/bomb.txt", b"\x00" * (8 << 20))])
patch_sizes(p, "text/bomb.txt", 0xFFFFFFF0)
# an entry declaring 100 MB from a few KB: over the compression ratio limit
p = write("bomb_ratio", entries + [("text/bomb.txt", b"\x00" * (8 << 20))])
patch_sizes(p, "text/bomb.txt", 100 << 20)
# a listed entry declaring 1000 bytes that inflates to 8 MB: the real bytes count
p = write("bomb_inflates", replace(entries, text, b"\x00" * (8 << 20)))
patch_sizes(p, text, 1000)

def raw_zip(path, items):
    """Writes a ZIP from (name, data, method, crc, usize) items, where data
    is already compressed: lets one deflate stream stand for many entries."""
    out, cd = bytearray(), bytearray()
    for n, data, method, crc, usize in items:
        nb = n.encode()
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), usize, len(nb), 0)
        out += nb + data
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data), usize,
                          len(nb), 0, 0, 0, 0, 0, off)
        cd += nb
    cdoff = len(out)
    out += cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(items), len(items), len(cd), cdoff, 0)
    open(path, "wb").write(out)


def plain(n, x):
    if stored(n):
        return (n, x, 0, zlib.crc32(x), len(x))
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    return (n, co.compress(x) + co.flush(), 8, zlib.crc32(x), len(x))


# 2,000 unlisted entries of 1 MiB of zeros each (2 GiB declared) in a 2 MB
# bundle: small entries escape the per-entry ratio; the total declared bytes
# against the bundle's size must stop it before anything is hashed
MIB0 = b"\x00" * (1 << 20)
co = zlib.compressobj(9, zlib.DEFLATED, -15)
z1 = co.compress(MIB0) + co.flush()
zn = ["pages/z%04d.bin" % k for k in range(2000)]
z1_b64 = base64.b64encode(hashlib.sha256(MIB0).digest())
m1 = d["META-INF/ASiCManifest001.xml"]
refs = b"".join(b'<asic:DataObjectReference URI="%s" MimeType="application/octet-stream">'
                b'<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
                b'<ds:DigestValue>%s</ds:DigestValue>'
                b'</asic:DataObjectReference>\n' % (n.encode(), z1_b64) for n in zn)
m1 = m1.replace(b"</asic:ASiCManifest>", refs + b"</asic:ASiCManifest>")
raw_zip("%s/small_entries_2g.asice" % out,
        [plain(n, m1 if n == "META-INF/ASiCManifest001.xml" else x) for n, x in entries] +
        [(n, z1, 8, zlib.crc32(MIB0), len(MIB0)) for n in zn])
expect.append("small_entries_2g TOTAL_FAILED FORMAT_FAILURE limits")

# 100,000 entries
path = "%s/entries_100k.asice" % out
with zipfile.ZipFile(path, "w") as z:
    for n, x in entries:
        z.writestr(zipfile.ZipInfo(n), x)
    for k in range(100000):
        z.writestr(zipfile.ZipInfo("pages/e%06d" % k), b"")
expect.append("entries_100k TOTAL_FAILED FORMAT_FAILURE")

# not a ZIP at all
open("%s/not_zip.asice" % out, "wb").write(b"%PDF-1.7\n" + b"x" * 100)
expect.append("not_zip TOTAL_FAILED FORMAT_FAILURE")
open("%s/empty.asice" % out, "wb").write(b"")
expect.append("empty TOTAL_FAILED FORMAT_FAILURE")

open("%s/expect.txt" % out, "w").write("\n".join(expect) + "\n")
