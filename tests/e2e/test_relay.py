"""Issue 5, relaying: ternd's outbound SMTP client against real peers on loopback: a
dnsmasq for MX/A/AAAA/null MX, a scripted aiosmtpd server, Postfix's smtp-sink and a second
ternd. Remote recipients enter the queue through an alias to an off-site address."""
import os
import re
import smtplib
import time

import pytest

from conftest import free_port
from peers import BrokenStartTls, Dnsmasq, ScriptedPeer, SmtpSink, self_signed

BODY = (b"From: Sender <sender@test.example>\r\nTo: someone@remote.test\r\nSubject: relay\r\n\r\n"
        b"line one\r\n.leading dot\r\n..two dots\r\n.\r\nlast line\r\n")

ALIASES = ("fwd: someone@remote.test\n"
           "two: first@remote.test, second@remote.test\n"
           "mixed: ok@remote.test, bad@remote.test\n"
           "nullmx: someone@nullmx.test\n"
           "nx: someone@nosuchdomain.test\n"
           "viamx: someone@mxorder.test\n")


@pytest.fixture
def dns(tmp_path):
    servers = []

    def start(lines):
        d = Dnsmasq(tmp_path / ("dns%d" % len(servers)), lines)
        servers.append(d)
        return d

    yield start
    for d in servers:
        d.stop()


@pytest.fixture
def peers():
    started = []

    def start(host="127.0.0.1", port=None, **kw):
        p = ScriptedPeer(host, port or free_port(), **kw)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def sender_conf(extra=None, **kw):
    conf = {"smtp_connect_timeout": "3", "smtp_reply_timeout": "3", "retry_schedule": "1s"}
    conf.update(extra or {})
    conf.update(kw)
    return conf


def submit(t, rcpts, body=BODY, sender="sender@test.example"):
    with smtplib.SMTP("127.0.0.1", t.port, timeout=10) as s:
        s.sendmail(sender, rcpts, body)


def wait_until(cond, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    return cond()


def test_relayhost_delivery_on_250(make_ternd, peers):
    peer = peers()
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["fwd@test.example"])
    msgs = peer.wait_messages(1)
    assert len(msgs) == 1, t.log_text()[-3000:]
    mail_from, rcpts, content = msgs[0]
    assert mail_from == "sender@test.example"
    assert rcpts == ["someone@remote.test"]
    # the body arrives byte for byte after the peer removed the dot-stuffing
    assert content.endswith(BODY), content
    assert content.startswith(b"Received: ")
    lines = t.wait_log(r"delivered qid=\S+ rcpt=someone@remote.test relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d "
                       r"reply=\"250 2\.0\.0 Ok: queued\"" % peer.port)
    assert lines, t.log_text()[-3000:]
    assert t.wait_log(r"removed qid=")


def test_two_recipients_one_transaction_with_size_and_8bitmime(make_ternd, peers):
    peer = peers()
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    body = BODY + "caf\u00e9 8bit\r\n".encode()
    with smtplib.SMTP("127.0.0.1", t.port, timeout=10) as s:
        s.ehlo()
        s.sendmail("sender@test.example", ["two@test.example"], body, mail_options=["BODY=8BITMIME"])
    msgs = peer.wait_messages(1)
    assert len(msgs) == 1
    assert msgs[0][1] == ["first@remote.test", "second@remote.test"]
    assert msgs[0][2].endswith(body)
    params = peer.handler.mail_params[0]
    assert "BODY=8BITMIME" in params
    assert any(re.fullmatch(r"SIZE=\d+", p) for p in params), params
    assert len(t.wait_log(r"delivered qid=\S+ rcpt=(first|second)@remote.test", 2)) == 2


def test_4xx_is_retried_then_delivered(make_ternd, peers):
    peer = peers()
    peer.handler.rcpt_codes["someone@remote.test"] = "450 4.2.1 mailbox busy, try later"
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["fwd@test.example"])
    lines = t.wait_log(r"deferred qid=\S+ rcpt=someone@remote.test relay=\S+ attempt=1 retry_in=1s "
                       r"reply=\"450 4\.2\.1 mailbox busy, try later\" explain=\"")
    assert lines, t.log_text()[-3000:]
    assert peer.handler.messages == []
    del peer.handler.rcpt_codes["someone@remote.test"]
    assert len(peer.wait_messages(1)) == 1
    assert t.wait_log(r"delivered qid=\S+ rcpt=someone@remote.test .*reply=\"250 ")
    assert t.wait_log(r"removed qid=")
    time.sleep(1.5)
    assert len(peer.handler.messages) == 1  # delivered once, not again


@pytest.mark.parametrize("reply", ["550 5.1.1 no such user here", "552 5.2.2 mailbox full",
                                   "554 5.7.1 rejected by policy"])
def test_5xx_fails_at_once(make_ternd, peers, reply):
    peer = peers()
    peer.handler.rcpt_codes["someone@remote.test"] = reply
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["fwd@test.example"])
    lines = t.wait_log(r"failed qid=\S+ rcpt=someone@remote.test relay=\S+ attempt=1 reply=\"%s\" explain=\"permanent"
                       % re.escape(reply))
    assert lines, t.log_text()[-3000:]
    assert t.wait_log(r"removed qid=")
    assert "deferred" not in t.log_text()
    assert peer.handler.messages == []


@pytest.mark.parametrize("reply", ["451 4.3.0 local error", "452 4.5.3 too many recipients"])
def test_other_4xx_deferred(make_ternd, peers, reply):
    peer = peers()
    peer.handler.rcpt_codes["someone@remote.test"] = reply
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port,
                                                    retry_schedule="30s"))
    submit(t, ["fwd@test.example"])
    assert t.wait_log(r"deferred qid=\S+ rcpt=someone@remote.test .*retry_in=30s reply=\"%s\"" % re.escape(reply))


def test_per_recipient_results(make_ternd, peers):
    peer = peers()
    peer.handler.rcpt_codes["bad@remote.test"] = "550 5.1.1 unknown"
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["mixed@test.example"])
    msgs = peer.wait_messages(1)
    assert msgs and msgs[0][1] == ["ok@remote.test"]
    assert t.wait_log(r"delivered qid=\S+ rcpt=ok@remote.test")
    assert t.wait_log(r"failed qid=\S+ rcpt=bad@remote.test .*reply=\"550 5\.1\.1 unknown\"")
    assert t.wait_log(r"removed qid=")


def test_mail_from_4xx_defers_everyone(make_ternd, peers):
    peer = peers()
    peer.handler.mail_reply = "451 4.7.1 greylisted, come back later"
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["two@test.example"])
    assert len(t.wait_log(r"deferred qid=\S+ rcpt=(first|second)@remote.test .*greylisted", 2)) == 2
    peer.handler.mail_reply = None
    assert len(peer.wait_messages(1)) == 1
    assert len(t.wait_log(r"delivered qid=\S+ rcpt=(first|second)@remote.test", 2)) == 2


def test_421_mid_transaction_leaves_recipients_pending(make_ternd, peers):
    peer = peers()
    peer.handler.rcpt_codes["second@remote.test"] = "421 4.3.2 shutting down"
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["two@test.example"])
    lines = t.wait_log(r"deferred qid=\S+ rcpt=(first|second)@remote.test .*reply=\"421 4\.3\.2 shutting down\"", 2)
    assert len(lines) == 2, t.log_text()[-3000:]
    assert "delivered qid" not in t.log_text()
    del peer.handler.rcpt_codes["second@remote.test"]
    msgs = peer.wait_messages(1)
    assert len(msgs) == 1 and msgs[0][1] == ["first@remote.test", "second@remote.test"]
    assert len(t.wait_log(r"delivered qid=", 2)) == 2


def test_dropped_connection_after_dot_is_not_delivered(make_ternd, peers):
    peer = peers()
    peer.handler.drop_after_dot = True
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["fwd@test.example"])
    lines = t.wait_log(r"deferred qid=\S+ rcpt=someone@remote.test .*reply=\"451 4\.4\.2 (connection closed by|lost "
                       r"connection with) \S+ after the end of data\"")
    assert lines, t.log_text()[-3000:]
    assert "delivered qid" not in t.log_text()
    peer.handler.drop_after_dot = False
    assert len(peer.wait_messages(1)) == 1
    assert t.wait_log(r"delivered qid=\S+ rcpt=someone@remote.test")


@pytest.mark.parametrize("stage,where", [("dot", "after the end of data"), ("rcpt", "during the transaction")])
def test_hang_past_reply_timeout_is_deferred(make_ternd, peers, stage, where):
    peer = peers()
    peer.handler.hang_at = stage
    peer.handler.hang_seconds = 4
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port,
                                                    smtp_reply_timeout="1", retry_schedule="2s"))
    start = time.monotonic()
    submit(t, ["fwd@test.example"])
    lines = t.wait_log(r"deferred qid=\S+ rcpt=someone@remote.test .*reply=\"451 4\.4\.2 \S+ timed out after 1s "
                       r"%s\"" % where)
    assert lines, t.log_text()[-3000:]
    assert time.monotonic() - start < 4
    assert "delivered qid" not in t.log_text()
    peer.handler.hang_at = None
    assert t.wait_log(r"delivered qid=\S+ rcpt=someone@remote.test", timeout=20)


def test_connection_reuse(make_ternd, peers):
    peer = peers()
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    for i in range(3):
        submit(t, ["fwd@test.example"], body=BODY + b"message %d\r\n" % i)
    msgs = peer.wait_messages(3)
    assert len(msgs) == 3
    assert sorted(m[2][-11:] for m in msgs) == [b"message %d\r\n" % i for i in range(3)]
    assert len(peer.handler.sessions) == 1


def test_connection_refused_is_deferred(make_ternd):
    port = free_port()
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % port, retry_schedule="1h"))
    submit(t, ["fwd@test.example"])
    assert t.wait_log(r"deferred qid=\S+ rcpt=someone@remote.test relay=none attempt=1 retry_in=3600s "
                      r"reply=\"451 4\.4\.1 connect to 127\.0\.0\.1\[127\.0\.0\.1\]:%d: Connection refused\"" % port)


def test_max_attempts_then_failed(make_ternd, peers):
    peer = peers()
    peer.handler.rcpt_codes["someone@remote.test"] = "450 4.2.1 busy"
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port, max_attempts="2"))
    submit(t, ["fwd@test.example"])
    assert t.wait_log(r"deferred qid=\S+ rcpt=someone@remote.test .*attempt=1 ")
    assert t.wait_log(r"failed qid=\S+ rcpt=someone@remote.test .*attempt=2 reason=max_attempts "
                      r"reply=\"554 5\.4\.7 too many delivery attempts \(max_attempts\); last error: 450 4\.2\.1 busy\"")
    assert t.wait_log(r"removed qid=")


def test_queue_lifetime_then_failed(make_ternd, peers):
    peer = peers()
    peer.handler.rcpt_codes["someone@remote.test"] = "450 4.2.1 busy"
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port, queue_lifetime="2s"))
    submit(t, ["fwd@test.example"])
    assert t.wait_log(r"failed qid=\S+ rcpt=someone@remote.test .*reason=queue_lifetime reply=\"554 5\.4\.7 "
                      r"delivery time expired \(queue_lifetime\); last error: 450 4\.2\.1 busy\"", timeout=15)


# --- DNS: MX order, implicit MX, null MX, NXDOMAIN ----------------------------------------------

def mx_zone():
    return ["mx-host=mxorder.test,mx1.mxorder.test,10",
            "mx-host=mxorder.test,mx2.mxorder.test,20",
            "host-record=mx1.mxorder.test,127.0.0.2",
            "host-record=mx2.mxorder.test,127.0.0.3",
            "host-record=plain.test,127.0.0.4",
            "mx-host=nullmx.test,.,0"]


def test_mx_preference_order(make_ternd, peers, dns):
    d = dns(mx_zone())
    port = free_port()
    first, second = peers("127.0.0.2", port), peers("127.0.0.3", port)
    t = make_ternd(aliases=ALIASES, conf=sender_conf(dns_servers=d.server, smtp_port=str(port)))
    submit(t, ["viamx@test.example"])
    assert len(first.wait_messages(1)) == 1, t.log_text()[-3000:]
    assert not second.handler.sessions
    assert t.wait_log(r"delivered qid=\S+ rcpt=someone@mxorder.test relay=mx1\.mxorder\.test\[127\.0\.0\.2\]:%d" % port)


def test_mx_fallback_when_first_refuses(make_ternd, peers, dns):
    d = dns(mx_zone())
    port = free_port()
    second = peers("127.0.0.3", port)
    t = make_ternd(aliases=ALIASES, conf=sender_conf(dns_servers=d.server, smtp_port=str(port)))
    submit(t, ["viamx@test.example"])
    assert len(second.wait_messages(1)) == 1, t.log_text()[-3000:]
    log = t.log_text()
    refused = log.find("relay-attempt-failed")
    assert refused >= 0 and "mx1.mxorder.test[127.0.0.2]:%d: Connection refused" % port in log
    assert t.wait_log(r"delivered qid=\S+ rcpt=someone@mxorder.test relay=mx2\.mxorder\.test\[127\.0\.0\.3\]:%d" % port)


def test_mx_fallback_on_4xx_greeting(make_ternd, peers, dns, tmp_path):
    """A first MX that greets with 421 is skipped for the next one (RFC 5321 3.1)."""
    d = dns(mx_zone())
    port = free_port()
    import socket
    import threading
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.2", port))
    lst.listen(5)
    lst.settimeout(20)

    def busy():
        try:
            c, _ = lst.accept()
            c.sendall(b"421 4.3.2 too busy\r\n")
            c.close()
        except OSError:
            pass
    th = threading.Thread(target=busy, daemon=True)
    th.start()
    second = peers("127.0.0.3", port)
    try:
        t = make_ternd(aliases=ALIASES, conf=sender_conf(dns_servers=d.server, smtp_port=str(port)))
        submit(t, ["viamx@test.example"])
        assert len(second.wait_messages(1)) == 1, t.log_text()[-3000:]
        assert "421 4.3.2 too busy" in t.log_text()
    finally:
        lst.close()
        th.join(5)


def test_implicit_mx_uses_the_address_record(make_ternd, peers, dns):
    d = dns(mx_zone())
    port = free_port()
    peer = peers("127.0.0.4", port)
    t = make_ternd(aliases="plain: user@plain.test\n", conf=sender_conf(dns_servers=d.server, smtp_port=str(port)))
    submit(t, ["plain@test.example"])
    assert len(peer.wait_messages(1)) == 1, t.log_text()[-3000:]
    assert t.wait_log(r"delivered qid=\S+ rcpt=user@plain.test relay=plain\.test\[127\.0\.0\.4\]:%d" % port)


def test_ipv6_mx_host(make_ternd, peers, dns):
    """An MX host with only an AAAA record (::1) is reached over IPv6."""
    d = dns(["mx-host=six.test,mx.six.test,10", "host-record=mx.six.test,::1"])
    port = free_port()
    peer = peers("::1", port)
    t = make_ternd(aliases="six: user@six.test\n", conf=sender_conf(dns_servers=d.server, smtp_port=str(port)))
    submit(t, ["six@test.example"])
    assert len(peer.wait_messages(1)) == 1, t.log_text()[-3000:]
    assert t.wait_log(r"delivered qid=\S+ rcpt=user@six.test relay=mx\.six\.test\[::1\]:%d" % port)


def test_null_mx_fails_at_once(make_ternd, dns):
    d = dns(mx_zone())
    t = make_ternd(aliases=ALIASES, conf=sender_conf(dns_servers=d.server, smtp_port=str(free_port())))
    submit(t, ["nullmx@test.example"])
    lines = t.wait_log(r"failed qid=\S+ rcpt=someone@nullmx.test relay=none attempt=1 "
                       r"reply=\"556 5\.1\.10 nullmx\.test does not accept mail \(null MX")
    assert lines, t.log_text()[-3000:]
    assert "deferred" not in t.log_text()


def test_nxdomain_fails_at_once(make_ternd, dns):
    d = dns(mx_zone())
    t = make_ternd(aliases=ALIASES, conf=sender_conf(dns_servers=d.server, smtp_port=str(free_port())))
    submit(t, ["nx@test.example"])
    lines = t.wait_log(r"failed qid=\S+ rcpt=someone@nosuchdomain.test relay=none attempt=1 "
                       r"reply=\"550 5\.1\.2 domain nosuchdomain\.test not found")
    assert lines, t.log_text()[-3000:]


def test_dns_failure_is_deferred(make_ternd):
    t = make_ternd(aliases=ALIASES, conf=sender_conf(dns_servers="127.0.0.1:%d" % free_port(),
                                                    smtp_port=str(free_port()), retry_schedule="1h"))
    submit(t, ["viamx@test.example"])
    lines = t.wait_log(r"deferred qid=\S+ rcpt=someone@mxorder.test relay=none attempt=1 retry_in=3600s "
                       r"reply=\"451 4\.4\.3 MX lookup of mxorder\.test: ", timeout=20)
    assert lines, t.log_text()[-3000:]


# --- other peers: smtp-sink, a second ternd ------------------------------------------------------

def test_smtp_sink(make_ternd, tmp_path):
    port = free_port()
    sink = SmtpSink(tmp_path / "sink", port)
    try:
        t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % port))
        for i in range(5):
            submit(t, ["two@test.example"], body=BODY + b"n %d\r\n" % i)
        lines = t.wait_log(r"delivered qid=\S+ rcpt=(first|second)@remote.test relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d "
                           r"reply=\"250 " % port, 10)
        assert len(lines) == 10, t.log_text()[-3000:]
    finally:
        sink.stop()


def test_second_ternd_receives_byte_exact(make_ternd, tmp_path):
    rx = make_ternd(users="someone@remote.test\n", conf={"domains": "remote.test", "hostname": "rx.remote.test"})
    routes = tmp_path / "routes"
    routes.write_text("# test routes\nremote.test   [127.0.0.1]:%d\n" % rx.port)
    t = make_ternd(aliases=ALIASES, conf=sender_conf(routes=str(routes)))
    submit(t, ["fwd@test.example"])
    msgs = rx.wait_messages("someone", 1, domain="remote.test")
    assert len(msgs) == 1, t.log_text()[-3000:]
    data = msgs[0]
    assert data.startswith(b"Return-Path: <sender@test.example>\r\n")
    assert data.endswith(BODY)
    assert data.count(b"Received: ") == 2
    assert b"by rx.remote.test" in data and b"by mx.test.example" in data
    assert t.wait_log(r"delivered qid=\S+ rcpt=someone@remote.test relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d "
                      r"reply=\"250 2\.0\.0 Ok: queued as " % rx.port)


def test_recovery_after_kill9_with_remote_recipients_pending(make_ternd, peers):
    port = free_port()
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % port, retry_schedule="3s"))
    submit(t, ["two@test.example"])
    assert len(t.wait_log(r"deferred qid=\S+ rcpt=(first|second)@remote.test .*Connection refused", 2)) == 2
    deferred_at = time.monotonic()
    t.kill9()
    peer = peers("127.0.0.1", port)
    t.start()
    # the schedule survives the restart: no attempt before the 3 s are over
    time.sleep(max(0.0, 2.0 - (time.monotonic() - deferred_at)))
    assert peer.handler.messages == []
    msgs = peer.wait_messages(1)
    assert len(msgs) == 1 and msgs[0][1] == ["first@remote.test", "second@remote.test"], t.log_text()[-3000:]
    assert len(t.wait_log(r"delivered qid=\S+ rcpt=(first|second)@remote.test", 2)) == 2


# --- STARTTLS (opportunistic) --------------------------------------------------------------------

def test_starttls_when_offered(make_ternd, peers, tmp_path):
    peer = peers(tls_context=self_signed(tmp_path))
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["fwd@test.example"])
    msgs = peer.wait_messages(1)
    assert len(msgs) == 1, t.log_text()[-3000:]
    assert msgs[0][2].endswith(BODY)
    assert peer.handler.tls == [True]


def test_starttls_handshake_failure_falls_back_to_plain_text(make_ternd):
    srv = BrokenStartTls()
    try:
        t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % srv.port))
        submit(t, ["fwd@test.example"])
        assert t.wait_log(r"delivered qid=\S+ rcpt=someone@remote.test .*reply=\"250 2\.0\.0 queued\""), \
            t.log_text()[-3000:]
        assert srv.connections == 2
        # this peer keeps the wire form: every line that starts with a dot got one more (RFC 5321 4.5.2)
        stuffed = BODY.replace(b"\r\n.", b"\r\n..")
        assert len(srv.messages) == 1 and srv.messages[0][1].endswith(stuffed), srv.messages
        assert "4.7.5 TLS handshake with" in t.log_text()
        # after the idle connection was closed (5 s), the note stays: plain text at once
        time.sleep(5.5)
        submit(t, ["fwd@test.example"])
        assert len(t.wait_log(r"delivered qid=\S+ rcpt=someone@remote.test", 2)) == 2
        assert srv.connections == 3
        assert t.log_text().count("4.7.5 TLS handshake with") == 1
    finally:
        srv.stop()


# --- what the peer offers: HELO only, SIZE, SMTPUTF8 -----------------------------------------

def test_helo_fallback_when_ehlo_is_refused(make_ternd, peers):
    peer = peers()
    peer.handler.refuse_ehlo = True
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["fwd@test.example"])
    msgs = peer.wait_messages(1)
    assert len(msgs) == 1, t.log_text()[-3000:]
    assert peer.handler.mail_params == [[]]  # no ESMTP parameters to a HELO-only server


def test_size_over_the_peers_limit_fails_without_sending(make_ternd, peers):
    peer = peers(data_size_limit=200)
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    submit(t, ["fwd@test.example"], body=BODY + b"x" * 300 + b"\r\n")
    assert t.wait_log(r"failed qid=\S+ rcpt=someone@remote.test .*reply=\"552 5\.3\.4 message size \d+ exceeds "
                      r"the limit of 200 of "), t.log_text()[-3000:]
    assert peer.handler.mail_params == []  # refused before MAIL


def test_smtputf8_needed_but_not_offered(make_ternd, peers):
    peer = peers(enable_SMTPUTF8=False)
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    with smtplib.SMTP("127.0.0.1", t.port, timeout=10) as s:
        s.ehlo()
        s.sendmail("j\u00f6rg@test.example", ["fwd@test.example"], BODY, mail_options=["SMTPUTF8"])
    assert t.wait_log(r"failed qid=\S+ rcpt=someone@remote.test .*reply=\"553 5\.6\.7 .*does not support SMTPUTF8"), \
        t.log_text()[-3000:]
    assert peer.handler.mail_params == []


def test_smtputf8_offered_is_used(make_ternd, peers):
    peer = peers()
    t = make_ternd(aliases=ALIASES, conf=sender_conf(relayhost="[127.0.0.1]:%d" % peer.port))
    with smtplib.SMTP("127.0.0.1", t.port, timeout=10) as s:
        s.ehlo()
        s.sendmail("j\u00f6rg@test.example", ["fwd@test.example"], BODY, mail_options=["SMTPUTF8"])
    msgs = peer.wait_messages(1)
    assert len(msgs) == 1 and msgs[0][0] == "j\u00f6rg@test.example", t.log_text()[-3000:]
    assert "SMTPUTF8" in peer.handler.mail_params[0]


def test_relayhost_with_mx_lookup_and_two_domains(make_ternd, peers, dns):
    """relayhost without brackets looks up the MX of the relay host; a message for two
    domains without relayhost goes to each domain's own MX."""
    d = dns(mx_zone() + ["mx-host=smarthost.test,mx2.mxorder.test,5"])
    port = free_port()
    second, plain = peers("127.0.0.3", port), peers("127.0.0.4", port)
    t = make_ternd(aliases="both: a@mxorder.test, b@plain.test\n",
                   conf=sender_conf(dns_servers=d.server, smtp_port=str(port)))
    submit(t, ["both@test.example"])
    assert len(plain.wait_messages(1)) == 1
    # mx1 (127.0.0.2) refuses, mx2 takes a@mxorder.test
    assert len(second.wait_messages(1)) == 1, t.log_text()[-3000:]
    assert second.handler.messages[0][1] == ["a@mxorder.test"]
    assert plain.handler.messages[0][1] == ["b@plain.test"]
    t2 = make_ternd(aliases=ALIASES, conf=sender_conf(dns_servers=d.server, relayhost="smarthost.test:%d" % port))
    submit(t2, ["fwd@test.example"])
    assert len(second.wait_messages(2)) == 2, t2.log_text()[-3000:]
    assert t2.wait_log(r"delivered qid=\S+ rcpt=someone@remote.test relay=mx2\.mxorder\.test\[127\.0\.0\.3\]:%d" % port)


def test_pipelined_peer_per_recipient_and_large_dot_stuffed_body(make_ternd, tmp_path):
    """A second ternd offers PIPELINING: MAIL, both RCPTs and DATA go in one write; the
    unknown recipient gets its 550, the known one the message, byte for byte, across many
    64 KiB body chunks full of lines that start with a dot."""
    rx = make_ternd(users="someone@remote.test\n", conf={"domains": "remote.test", "hostname": "rx.remote.test"})
    routes = tmp_path / "routes"
    routes.write_text("remote.test   [127.0.0.1]:%d\n" % rx.port)
    t = make_ternd(aliases="pair: someone@remote.test, nobody@remote.test\nnone: nobody@remote.test\n",
                   conf=sender_conf(routes=str(routes)))
    lines = [b"." * (i % 7) + b"line %d" % i for i in range(40000)]
    body = b"Subject: big\r\n\r\n" + b"\r\n".join(lines) + b"\r\n.\r\n..\r\n"
    submit(t, ["pair@test.example"], body=body)
    msgs = rx.wait_messages("someone", 1, domain="remote.test")
    assert len(msgs) == 1, t.log_text()[-3000:]
    assert msgs[0].endswith(body)
    assert t.wait_log(r"delivered qid=\S+ rcpt=someone@remote.test")
    assert t.wait_log(r"failed qid=\S+ rcpt=nobody@remote.test .*reply=\"550 5\.1\.1 ")
    # every recipient refused: the pipelined DATA is refused too, nothing is sent
    submit(t, ["none@test.example"])
    assert len(t.wait_log(r"failed qid=\S+ rcpt=nobody@remote.test .*reply=\"550 5\.1\.1 ", 2)) == 2
    time.sleep(0.5)
    assert len(rx.messages("someone", domain="remote.test")) == 1


def test_config_check_reports_routes_errors(tmp_path):
    import subprocess
    from conftest import TERND
    routes = tmp_path / "routes"
    routes.write_text("good.test  [127.0.0.1]:2525\nbroken.test lmtp:127.0.0.1\nlonely\n")
    conf = tmp_path / "ternd.conf"
    conf.write_text("routes = %s\nrelayhost = [unclosed\nretry_schedule = 1m, soon\n" % routes)
    r = subprocess.run([TERND, "-n", "-c", str(conf)], capture_output=True, timeout=10)
    out = (r.stdout + r.stderr).decode()
    assert r.returncode == 1, out
    assert "%s:2: a port is required in 'lmtp:127.0.0.1'" % routes in out
    assert "%s:3: expected 'domain  next-hop'" % routes in out
    assert "relayhost: missing ']' in '[unclosed'" in out
    assert "retry_schedule: 'soon' is not a duration" in out
    routes.write_text("good.test  [127.0.0.1]:2525\n")
    conf.write_text("routes = %s\nrelayhost = smarthost.test:587\nretry_schedule = 1m, 1h\n" % routes)
    r = subprocess.run([TERND, "-n", "-c", str(conf)], capture_output=True, timeout=10)
    assert r.returncode == 0, (r.stdout + r.stderr).decode()


def test_5xx_bounces_to_the_sender_with_remote_mta(make_ternd, peers, dns):
    """The lead's DSN work reports a relay failure: Status, Diagnostic-Code with the remote
    reply, and Remote-MTA naming the MX host that answered."""
    d = dns(mx_zone())
    port = free_port()
    first = peers("127.0.0.2", port)
    first.handler.rcpt_codes["someone@mxorder.test"] = "550 5.1.1 no such user at mx1"
    t = make_ternd(aliases=ALIASES, conf=sender_conf(dns_servers=d.server, smtp_port=str(port)))
    submit(t, ["viamx@test.example"])
    assert t.wait_log(r"failed qid=\S+ rcpt=someone@mxorder.test")
    msgs = t.wait_messages("sender", 1)
    assert len(msgs) == 1, t.log_text()[-3000:]
    text = msgs[0].decode("utf-8", "replace")
    assert "Final-Recipient: rfc822; someone@mxorder.test" in text
    assert "Status: 5.1.1" in text
    assert "Remote-MTA: dns; mx1.mxorder.test" in text
    assert "Diagnostic-Code: smtp; 550 5.1.1 no such user at mx1" in text
