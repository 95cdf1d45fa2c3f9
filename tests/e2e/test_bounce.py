"""Issue 5, bounces and delay notices (RFC 3464): what the sender gets back when a recipient
fails for good or is still being retried. These use local failures (a Maildir that cannot be
written, queue_lifetime reached); the relay tests add failures reported by remote servers.
Every notice is parsed with Python's email library and every DSN field is checked."""
import email
import email.policy
import os
import re
import time

from test_queue import ready, send_raw


def block_maildir(t, user):
    """A FILE where the user's Maildir directory should be: delivery fails even for root."""
    path = t.maildir(user)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    t.give(os.path.dirname(path))  # ternd runs as "tern": the other users' Maildirs go there too
    with open(path, "w") as f:
        f.write("not a directory\n")
    return path


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def dsn_fields(msg):
    """(per-message fields, [per-recipient fields]) of the message/delivery-status part."""
    parts = msg.get_payload()
    status = parts[1]
    assert status.get_content_type() == "message/delivery-status"
    blocks = status.get_payload()  # the email library splits it into header blocks
    return blocks[0], blocks[1:]


def the_one_recipient(msg, qid):
    """Check the per-message fields of a report about one recipient of message qid; return
    that recipient's fields."""
    per_msg, per_rcpt = dsn_fields(msg)
    assert per_msg["Reporting-MTA"] == "dns; mx.test.example"
    assert per_msg["X-Tern-Queue-ID"] == qid
    assert per_msg["Arrival-Date"]
    assert len(per_rcpt) == 1
    return per_rcpt[0]


def test_expired_local_recipient_bounces_once(make_ternd, raw_to):
    """alice's Maildir cannot be written; after queue_lifetime her recipient fails and the
    sender gets exactly one bounce naming only her: a multipart/report with a plain-language
    first part, a delivery-status part with every field, and the original headers."""
    t = make_ternd(conf={"queue_lifetime": "3s", "retry_min": "1", "delay_warning_time": "0"})
    block_maildir(t, "alice")
    c = ready(raw_to(t))
    body = b"Subject: lost cause\r\nMessage-ID: <orig-1@client.example>\r\n\r\nhello\r\n"
    qid = send_raw(c, ["alice@test.example", "bob@test.example"], body)
    assert len(t.wait_messages("bob", 1)) == 1
    assert t.wait_log(r"failed qid=%s rcpt=alice@test.example .*5\.4\.7" % qid, timeout=15), t.log_text()[-3000:]
    bounces = t.wait_messages("sender", 1, timeout=10)
    assert len(bounces) == 1, t.log_text()[-3000:]
    raw = bounces[0]
    assert raw.startswith(b"Return-Path: <>\r\n")
    msg = parse(raw)
    assert msg["From"] == "Mail Delivery System <MAILER-DAEMON@mx.test.example>"
    assert msg["To"] == "<sender@test.example>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["Subject"] == "Undelivered Mail Returned to Sender"
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "delivery-status"
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/delivery-status", "text/rfc822-headers"]
    human = " ".join(parts[0].get_payload(decode=True).decode().split())
    assert "<alice@test.example>" in human and "bob@test.example" not in human
    assert "could not be delivered" in human and qid in human
    assert "What it means:" in human
    r = the_one_recipient(msg, qid)
    assert r["Final-Recipient"] == "rfc822; alice@test.example"
    assert r["Action"] == "failed"
    assert r["Status"] == "5.4.7"
    assert r["Diagnostic-Code"].startswith("smtp; 554 5.4.7 delivery time expired")
    assert "4.3.0" in r["Diagnostic-Code"]  # the last error is kept
    assert r["Last-Attempt-Date"]
    assert r["Remote-MTA"] is None  # a local failure
    headers = parts[2].get_payload()
    assert "Message-ID: <orig-1@client.example>" in headers and "Subject: lost cause" in headers
    assert "hello" not in headers  # headers only, not the body
    # exactly one bounce, and the original message is gone from the queue
    assert t.wait_log(r"removed qid=%s" % qid)
    time.sleep(1.5)
    assert len(t.messages("sender")) == 1
    assert len(t.wait_log(r"bounce qid=%s" % qid)) == 1


def test_no_bounce_to_null_sender(make_ternd, raw_to):
    """A message from <> (itself a bounce) that fails is dropped with a log line: no bounce
    loops (RFC 5321 4.5.5)."""
    t = make_ternd(conf={"queue_lifetime": "2s", "retry_min": "1", "delay_warning_time": "0"})
    block_maildir(t, "alice")
    c = ready(raw_to(t))
    qid = send_raw(c, ["alice@test.example"], b"Subject: a bounce\r\n\r\nx\r\n", sender="")
    assert t.wait_log(r"bounce-suppressed qid=%s reason=null-sender" % qid, timeout=15), t.log_text()[-2000:]
    assert t.wait_log(r"removed qid=%s" % qid)
    assert t.messages("sender") == []


def test_delay_notice_then_delivery(make_ternd, raw_to):
    """After delay_warning_time the sender gets one notice (Action: delayed, Will-Retry-Until)
    naming the recipient still pending; once the Maildir is fixed the message is delivered
    and no failure bounce follows."""
    t = make_ternd(conf={"queue_lifetime": "1h", "retry_min": "1", "delay_warning_time": "2s"})
    blocker = block_maildir(t, "alice")
    c = ready(raw_to(t))
    qid = send_raw(c, ["alice@test.example"], b"Subject: slow\r\n\r\nwait\r\n")
    notices = t.wait_messages("sender", 1, timeout=15)
    assert len(notices) == 1, t.log_text()[-2000:]
    msg = parse(notices[0])
    assert msg["Subject"] == "Delayed Mail (still being retried)"
    human = " ".join(msg.get_payload()[0].get_payload(decode=True).decode().split())
    assert "not been delivered yet" in human and "do not need to send it again" in human
    _, per_rcpt = dsn_fields(msg)
    assert len(per_rcpt) == 1
    assert per_rcpt[0]["Action"] == "delayed"
    assert per_rcpt[0]["Status"] == "4.3.0"
    assert per_rcpt[0]["Will-Retry-Until"]
    os.unlink(blocker)
    assert len(t.wait_messages("alice", 1, timeout=20)) == 1
    assert t.wait_log(r"removed qid=%s" % qid)
    time.sleep(1.5)
    assert len(t.messages("sender")) == 1  # one notice, no bounce


# --- bounces for relay failures (remote servers, DNS) -------------------------------------------

from test_relay import dns, mx_zone, peers, sender_conf  # noqa: E402,F401  (fixtures)


def relay_conf(peer, **kw):
    """Clients on loopback may relay (relay_networks); everything goes to the scripted peer."""
    return sender_conf(relayhost="[127.0.0.1]:%d" % peer.port, relay_networks="127.0.0.0/8", **kw)


def only_bounce(t, timeout=15):
    msgs = t.wait_messages("sender", 1, timeout=timeout)
    assert len(msgs) == 1, t.log_text()[-3000:]
    return parse(msgs[0])


def test_three_recipients_one_fails_one_bounce_naming_it(make_ternd, raw_to, peers):
    """A message to three remote recipients where the remote server refuses one: the other
    two are delivered, and the sender gets exactly one bounce, naming only that one, with
    every DSN field right (RFC 3464 2.2, 2.3)."""
    peer = peers()
    peer.handler.rcpt_codes["b@remote.test"] = "550 5.1.1 <b@remote.test>: no such user here"
    t = make_ternd(conf=relay_conf(peer))
    c = ready(raw_to(t))
    body = b"Subject: to three\r\nMessage-ID: <three@client.example>\r\n\r\nhello three\r\n"
    qid = send_raw(c, ["a@remote.test", "b@remote.test", "c@remote.test"], body)
    got = peer.wait_messages(1)
    assert got and sorted(got[0][1]) == ["a@remote.test", "c@remote.test"], got
    msg = only_bounce(t)
    assert msg["Subject"] == "Undelivered Mail Returned to Sender"
    assert msg["From"] == "Mail Delivery System <MAILER-DAEMON@mx.test.example>"
    parts = msg.get_payload()
    human = " ".join(parts[0].get_payload(decode=True).decode().split())
    assert "<b@remote.test>" in human and "a@remote.test" not in human and "c@remote.test" not in human
    assert "What you can do:" in human
    r = the_one_recipient(msg, qid)
    assert r["Final-Recipient"] == "rfc822; b@remote.test"
    assert r["Original-Recipient"] is None  # not an alias: the final address is what was sent
    assert r["Action"] == "failed"
    assert r["Status"] == "5.1.1"
    assert r["Remote-MTA"] == "dns; 127.0.0.1"
    assert r["Diagnostic-Code"] == "smtp; 550 5.1.1 <b@remote.test>: no such user here"
    assert r["Last-Attempt-Date"]
    assert "Message-ID: <three@client.example>" in parts[2].get_payload()
    assert t.wait_log(r"removed qid=%s" % qid)
    time.sleep(1.0)
    assert len(t.messages("sender")) == 1


def test_relay_queue_lifetime_bounce(make_ternd, raw_to, peers):
    """A remote server that answers 450 until queue_lifetime passes: the bounce says the
    delivery time expired (5.4.7) and keeps the remote server's last reply."""
    peer = peers()
    peer.handler.rcpt_codes["slow@remote.test"] = "450 4.2.1 mailbox busy, try later"
    t = make_ternd(conf=relay_conf(peer, queue_lifetime="3s", delay_warning_time="0"))
    c = ready(raw_to(t))
    qid = send_raw(c, ["slow@remote.test"], b"Subject: slow\r\n\r\nx\r\n")
    msg = only_bounce(t, timeout=20)
    _, per_rcpt = dsn_fields(msg)
    assert len(per_rcpt) == 1
    r = per_rcpt[0]
    assert r["Final-Recipient"] == "rfc822; slow@remote.test"
    assert r["Action"] == "failed"
    assert r["Status"] == "5.4.7"
    assert r["Diagnostic-Code"].startswith("smtp; 554 5.4.7 delivery time expired")
    assert "450 4.2.1 mailbox busy" in r["Diagnostic-Code"]
    assert r["Remote-MTA"] == "dns; 127.0.0.1"
    assert t.wait_log(r"removed qid=%s" % qid)


def test_null_mx_bounces_at_once(make_ternd, raw_to, dns):
    """RFC 7505: a domain with a null MX accepts no mail; the sender hears it at once."""
    d = dns(mx_zone())
    t = make_ternd(conf=sender_conf(dns_servers=d.server, relay_networks="127.0.0.0/8"))
    c = ready(raw_to(t))
    send_raw(c, ["someone@nullmx.test"], b"Subject: nowhere\r\n\r\nx\r\n")
    msg = only_bounce(t, timeout=10)
    _, per_rcpt = dsn_fields(msg)
    assert per_rcpt[0]["Status"] == "5.1.10"
    assert per_rcpt[0]["Action"] == "failed"
    assert "null MX" in per_rcpt[0]["Diagnostic-Code"]
