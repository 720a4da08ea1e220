#!/usr/bin/python3
"""Probe an XMPP client port and print the <stream:features> it advertises.

Standard library only, so it runs before and without slixmpp.

    probe.py HOST PORT DOMAIN [--tls direct|starttls|none] [--ca FILE]
             [--expect-mechs A,B,...] [--expect-starttls required|optional|absent]
             [--tls12] [--timeout SECONDS] [--quiet]

It opens a stream to DOMAIN (RFC 6120 §4.2) and prints the first features
element. With --tls starttls it then negotiates STARTTLS (RFC 6120 §5),
verifying the certificate against --ca (or not at all when --ca is absent),
restarts the stream and prints the second features element; with --tls direct
the TCP connection is wrapped in TLS first (XEP-0368). --tls12 caps TLS at 1.2
(Prosody 0.12 offers SCRAM-SHA-1-PLUS, with tls-unique, only then). --expect-* checks the
last features element seen (--expect-starttls checks the first).

Exit status: 0 on success, 1 when a check fails, 2 when the port does not
answer a stream header in time (the caller's readiness loop retries on 2).
"""

import argparse
import re
import socket
import ssl
import sys
import time
import xml.etree.ElementTree as ET

STREAM_NS = "http://etherx.jabber.org/streams"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"


class NotReady(Exception):
    """The peer did not (yet) answer with a stream header and features."""


class Stream:
    """A minimal initiating stream: header out, features in."""

    def __init__(self, sock, domain, deadline):
        self.sock = sock
        self.domain = domain
        self.deadline = deadline

    def _recv(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise NotReady("timed out waiting for the peer")
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout as e:
            raise NotReady("timed out waiting for the peer") from e
        if not data:
            raise NotReady("peer closed the connection")
        return data

    def open(self):
        """Send a stream header; return (raw text, features element)."""
        header = (
            "<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
            "xmlns:stream='%s' version='1.0'>" % (self.domain, STREAM_NS)
        )
        self.sock.sendall(header.encode())
        self.parser = ET.XMLPullParser(("start", "end"))
        raw = b""
        depth = 0
        while True:
            data = self._recv()
            raw += data
            self.parser.feed(data)
            for event, elem in self.parser.read_events():
                if event == "start":
                    depth += 1
                    continue
                depth -= 1
                if depth == 1 and elem.tag == "{%s}error" % STREAM_NS:
                    raise NotReady("stream error: " + ET.tostring(elem, encoding="unicode"))
                if depth == 1 and elem.tag == "{%s}features" % STREAM_NS:
                    return raw.decode("utf-8", "replace"), elem

    def next_element(self):
        """Return the next top-level element after the features."""
        depth = 1
        while True:
            for event, elem in self.parser.read_events():
                if event == "start":
                    depth += 1
                    continue
                depth -= 1
                if depth == 1:
                    return elem
            self.parser.feed(self._recv())


def features_xml(raw):
    """Cut the features element out of the raw text, as the server wrote it."""
    m = re.search(r"<(\w+:)?features\b.*</(\w+:)?features>", raw, re.S)
    return m.group(0) if m else raw


def mechanisms(features):
    mechs = features.find("{%s}mechanisms" % SASL_NS)
    if mechs is None:
        return []
    return [m.text or "" for m in mechs.findall("{%s}mechanism" % SASL_NS)]


def starttls_state(features):
    st = features.find("{%s}starttls" % TLS_NS)
    if st is None:
        return "absent"
    return "required" if st.find("{%s}required" % TLS_NS) is not None else "optional"


def tls_context(ca, max12=False):
    ctx = _context(ca)
    if max12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _context(ca):
    if ca:
        ctx = ssl.create_default_context(cafile=ca)
    else:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def probe(args):
    deadline = time.monotonic() + args.timeout
    try:
        sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
    except OSError as e:
        raise NotReady("connect %s:%d: %s" % (args.host, args.port, e)) from e
    with sock:
        if args.tls == "direct":
            try:
                sock = tls_context(args.ca, args.tls12).wrap_socket(sock, server_hostname=args.domain)
            except (ssl.SSLError, OSError) as e:
                raise NotReady("TLS handshake: %s" % e) from e
        s = Stream(sock, args.domain, deadline)
        raw, feats = s.open()
        first_state = starttls_state(feats)
        stages = [("plain" if args.tls != "direct" else "direct TLS", raw, feats)]
        if args.tls == "starttls":
            if first_state == "absent":
                return stages, first_state, "server does not offer STARTTLS"
            sock.sendall(("<starttls xmlns='%s'/>" % TLS_NS).encode())
            answer = s.next_element()
            if answer.tag != "{%s}proceed" % TLS_NS:
                return stages, first_state, "STARTTLS answered with " + answer.tag
            try:
                sock = tls_context(args.ca, args.tls12).wrap_socket(sock, server_hostname=args.domain)
            except (ssl.SSLError, OSError) as e:
                return stages, first_state, "TLS handshake after STARTTLS: %s" % e
            s = Stream(sock, args.domain, deadline)
            raw, feats = s.open()
            stages.append(("after STARTTLS (%s)" % sock.version(), raw, feats))
        try:
            sock.sendall(b"</stream:stream>")
        except OSError:
            pass
        return stages, first_state, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("domain")
    ap.add_argument("--tls", choices=("none", "starttls", "direct"), default="none")
    ap.add_argument("--ca")
    ap.add_argument("--expect-mechs", default="")
    ap.add_argument("--expect-starttls", choices=("required", "optional", "absent"))
    ap.add_argument("--tls12", action="store_true", help="offer at most TLS 1.2")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    try:
        stages, first_state, err = probe(args)
    except NotReady as e:
        print("probe %s:%d: not ready: %s" % (args.host, args.port, e), file=sys.stderr)
        return 2
    except (OSError, ET.ParseError) as e:
        print("probe %s:%d: %s" % (args.host, args.port, e), file=sys.stderr)
        return 2

    if not args.quiet:
        for name, raw, feats in stages:
            print("  %s:%d features (%s): %s" % (args.host, args.port, name, features_xml(raw)))
        print("  %s:%d SASL mechanisms: %s"
              % (args.host, args.port, " ".join(mechanisms(stages[-1][2])) or "(none)"))
    if err:
        print("probe %s:%d: %s" % (args.host, args.port, err), file=sys.stderr)
        return 1
    ok = True
    if args.expect_starttls and first_state != args.expect_starttls:
        print("probe %s:%d: STARTTLS is %s, want %s"
              % (args.host, args.port, first_state, args.expect_starttls), file=sys.stderr)
        ok = False
    want = [m for m in args.expect_mechs.split(",") if m]
    have = mechanisms(stages[-1][2])
    missing = [m for m in want if m not in have]
    if missing:
        print("probe %s:%d: SASL mechanisms %s missing (have %s)"
              % (args.host, args.port, ",".join(missing), ",".join(have)), file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
