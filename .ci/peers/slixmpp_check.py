#!/usr/bin/python3
"""A real third-party client session against an XMPP server: slixmpp (1.8).

    /usr/bin/python3 slixmpp_check.py ADDRESS PORT JID PASSWORD
        [--mech PLAIN|SCRAM-SHA-1|SCRAM-SHA-256|...] [--tls starttls|direct|none]
        [--ca FILE] [--timeout SECONDS] [--expect-auth-failure] [-v]

Connects to ADDRESS:PORT exactly (no DNS lookup of the JID's domain), then:
  1. STARTTLS (default; refuses a server that does not offer it), direct TLS
     (--tls direct, XEP-0368) or no TLS at all (--tls none; PLAIN is then
     allowed on the unencrypted stream);
  2. SASL with --mech only when given (else slixmpp's own choice), binds a
     resource;
  3. sends a message to its own full JID and waits until it comes back;
  4. pings the server (XEP-0199; an IQ error counts as failure);
  5. asks the server for disco#info (XEP-0030);
  6. closes the stream and waits for the server's closing tag.
The certificate is checked against --ca (chain and the JID's domain) when
given, else accepted as it is. Everything is bounded by --timeout (30 s).
With --expect-auth-failure the run succeeds only if authentication fails.

Exit status: 0 success; 1 a step failed (the reason is printed);
2 usage; 3 the hard timeout fired.
"""

import argparse
import asyncio
import logging
import os
import signal
import ssl
import sys
import time
import uuid
from pathlib import Path

# slixmpp warns at import time when python3-slixmpp-lib (C stringprep) is absent.
logging.getLogger("slixmpp.stringprep").setLevel(logging.ERROR)

import slixmpp  # noqa: E402
from slixmpp.exceptions import IqError, IqTimeout


class Failed(Exception):
    """A step of the check failed; the message says which and why."""


class CheckClient(slixmpp.ClientXMPP):
    def __init__(self, jid, password, addr, mech, tls, ca):
        plugin_config = {}
        if tls == "none":
            plugin_config["feature_mechanisms"] = {"unencrypted_plain": True}
        super().__init__(jid, password, sasl_mech=mech, plugin_config=plugin_config)
        self.forced_addr = addr
        self.use_ipv6 = False
        self.use_aiodns = False
        if ca:
            self.ca_certs = Path(ca)
        else:
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")
        # Whitespace keepalives are noise in a short check.
        self.whitespace_keepalive = False

        loop = asyncio.get_event_loop()
        self.outcome = loop.create_future()  # None on session start, else Failed
        self.close_reason = None
        self.tls_info = "none"
        self.add_event_handler("session_start", self._session_start)
        self.add_event_handler("failed_auth", self._failed_auth)
        self.add_event_handler("failed_all_auth", lambda _: self._fail("authentication failed (every allowed mechanism)"))
        self.add_event_handler("no_auth", lambda _: self._fail("no usable SASL mechanism offered"))
        self.add_event_handler("connection_failed", lambda e: self._fail("connection failed: %s" % e))
        self.add_event_handler("stream_error", lambda e: self._fail("stream error: %s" % e["condition"]))
        self.add_event_handler("ssl_invalid_chain", lambda e: self._fail("TLS: invalid certificate: %s" % e))
        self.add_event_handler("disconnected", self._disconnected)
        self.auth_failures = []

    async def get_dns_records(self, domain, port=None):
        # Connect where we were told, never to what the JID's domain resolves to.
        host, port = self.forced_addr
        return [(domain, host, port)]

    def _fail(self, why):
        if not self.outcome.done():
            self.outcome.set_exception(Failed(why))

    def _failed_auth(self, stanza):
        self.auth_failures.append(stanza["condition"] or "failure")

    def _session_start(self, _event):
        obj = self.transport.get_extra_info("ssl_object") if self.transport else None
        if obj is not None:
            self.tls_info = "%s %s" % (obj.version(), obj.cipher()[0])
        if not self.outcome.done():
            self.outcome.set_result(None)

    def _disconnected(self, reason):
        self._fail("disconnected before the session started%s" % (": %s" % reason if reason else ""))


async def run(args):
    addr = (args.address, args.port)
    xmpp = CheckClient(args.jid, args.password, addr, args.mech, args.tls, args.ca)
    t0 = time.monotonic()

    def step(msg):
        print("slixmpp_check: %6.3fs %s" % (time.monotonic() - t0, msg), flush=True)

    if args.tls == "direct":
        xmpp.connect(addr, use_ssl=True, force_starttls=False, disable_starttls=True)
    elif args.tls == "none":
        xmpp.connect(addr, force_starttls=False, disable_starttls=True)
    else:
        xmpp.connect(addr, force_starttls=True)
    step("connecting to %s:%d as %s (tls=%s, mech=%s)"
         % (args.address, args.port, args.jid, args.tls, args.mech or "any"))

    try:
        await xmpp.outcome
    except Failed as e:
        if args.expect_auth_failure and xmpp.auth_failures:
            step("authentication refused as expected: %s" % ", ".join(xmpp.auth_failures))
            xmpp.abort()
            return
        if xmpp.auth_failures:
            raise Failed("%s (server said: %s)" % (e, ", ".join(xmpp.auth_failures))) from None
        raise
    if args.expect_auth_failure:
        raise Failed("authenticated, but a failure was expected")
    mech = xmpp["feature_mechanisms"].mech
    step("session started: bound %s, SASL %s, TLS %s"
         % (xmpp.boundjid.full, mech.name if mech else "?", xmpp.tls_info))

    # Message to ourselves, full JID, and wait for it.
    body = "slixmpp_check %s" % uuid.uuid4()
    got = asyncio.get_event_loop().create_future()

    def on_message(msg):
        if msg["body"] == body and not got.done():
            got.set_result(msg)
    xmpp.add_event_handler("message", on_message)
    xmpp.send_message(mto=xmpp.boundjid.full, mbody=body, mtype="chat")
    try:
        msg = await asyncio.wait_for(got, 10)
    except asyncio.TimeoutError:
        raise Failed("the message to %s did not come back within 10 s" % xmpp.boundjid.full) from None
    step("message came back from %s" % msg["from"])

    server = xmpp.boundjid.domain
    try:
        await xmpp["xep_0199"].send_ping(server, timeout=10)
    except IqError as e:
        raise Failed("ping %s: IQ error %s" % (server, e.iq["error"]["condition"])) from None
    except IqTimeout:
        raise Failed("ping %s: no answer within 10 s" % server) from None
    step("ping %s answered" % server)

    try:
        info = await xmpp["xep_0030"].get_info(jid=server, timeout=10, cached=False)
    except IqError as e:
        raise Failed("disco#info %s: IQ error %s" % (server, e.iq["error"]["condition"])) from None
    except IqTimeout:
        raise Failed("disco#info %s: no answer within 10 s" % server) from None
    q = info["disco_info"]
    ids = ["%s/%s" % (i[0], i[1]) for i in q["identities"]]
    feats = sorted(q["features"])
    step("disco#info %s: identities %s, %d features" % (server, ", ".join(ids), len(feats)))
    if "urn:xmpp:ping" not in feats:
        raise Failed("disco#info %s does not list urn:xmpp:ping" % server)

    # slixmpp sets the reason "End of stream" when it reads the server's
    # </stream:stream>; if none comes within the wait it aborts the TCP
    # connection instead and the reason is empty.
    xmpp.del_event_handler("disconnected", xmpp._disconnected)
    xmpp.add_event_handler("disconnected", lambda r: setattr(xmpp, "close_reason", r))
    await xmpp.disconnect(wait=5)
    if xmpp.close_reason != "End of stream":
        raise Failed("the server did not close its stream within 5 s of ours (%s)" % xmpp.close_reason)
    step("both streams closed cleanly")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("address")
    ap.add_argument("port", type=int)
    ap.add_argument("jid")
    ap.add_argument("password")
    ap.add_argument("--mech", help="SASL mechanism to use, and only that one")
    ap.add_argument("--tls", choices=("starttls", "direct", "none"), default="starttls")
    ap.add_argument("--ca", help="PEM file of the CA to verify the server with")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--expect-auth-failure", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="slixmpp debug log (stanzas)")
    args = ap.parse_args()

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.CRITICAL,
                        format="%(levelname)-8s %(name)s: %(message)s")

    # A backstop the event loop cannot swallow.
    def hard_timeout(_sig, _frame):
        print("slixmpp_check: FAILED: hard timeout (%gs)" % (args.timeout + 5), file=sys.stderr, flush=True)
        os._exit(3)
    signal.signal(signal.SIGALRM, hard_timeout)
    signal.alarm(int(args.timeout) + 5)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(asyncio.wait_for(run(args), args.timeout))
    except asyncio.TimeoutError:
        print("slixmpp_check: FAILED: timed out after %gs" % args.timeout, file=sys.stderr)
        return 1
    except Failed as e:
        print("slixmpp_check: FAILED: %s" % e, file=sys.stderr)
        return 1
    print("slixmpp_check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
