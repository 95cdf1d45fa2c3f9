"""Issue 6, AUTH (RFC 4954) on the submission listeners: PLAIN (RFC 4616) with and without an
initial response, LOGIN, every refusal with its exact code (530, 538, 535, 504, 501, 503,
454), per-address throttling, sender ownership (553 5.7.1), relaying for logged-in users
and relay_networks, Message-ID/Date added to submitted mail (RFC 6409 8), and passwords never
in the log."""
import base64
import re
import smtplib
import ssl

import pytest

from conftest import PASSWORDS, Raw, tls_client

ALICE = "alice@test.example"
ALICE_PW = PASSWORDS[ALICE]


def b64(data):
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def plain(user, pw, authzid=""):
    return b64("%s\0%s\0%s" % (authzid, user, pw))


def session(t, role="submissions"):
    """A TLS session on a submission port, after EHLO."""
    if role == "submissions":
        c = tls_client(t.ports["submissions"])
        c.expect(220)
    else:
        c = Raw(t.ports["submission"])
        c.expect(220)
        c.send(b"EHLO client.example\r\n")
        c.expect(250)
        c.expect_cmd("STARTTLS", 220, "2.0.0")
        c.tls()
    c.send(b"EHLO client.example\r\n")
    c.expect(250)
    return c


def logged_in(t, user=ALICE, pw=ALICE_PW, role="submissions"):
    c = session(t, role)
    c.expect_cmd("AUTH PLAIN " + plain(user, pw), 235, "2.7.0")
    return c


def send_body(c, body=b"Subject: hi\r\n\r\nhello\r\n"):
    c.expect_cmd("DATA", 354)
    c.send(body + b".\r\n")
    return c.expect(250, "2.0.0")


def test_plain_with_initial_response(submit_ternd):
    t = submit_ternd()
    c = logged_in(t)
    c.expect_cmd("MAIL FROM:<alice@test.example>", 250, "2.1.0")
    assert t.wait_log(r'auth-ok sid=\S+ ip=127\.0\.0\.1 user="alice@test\.example"')


def test_plain_with_empty_challenge_and_sha512_user(submit_ternd):
    t = submit_ternd()
    c = session(t, "submission")
    c.send(b"AUTH PLAIN\r\n")
    assert c.expect(334) == [""]  # "334 " and an empty challenge (RFC 4954 4)
    c.expect_cmd(plain("bob@test.example", PASSWORDS["bob@test.example"]), 235, "2.7.0")


def test_login_mechanism(submit_ternd):
    t = submit_ternd()
    c = session(t)
    c.send(b"AUTH LOGIN\r\n")
    assert c.expect(334) == ["VXNlcm5hbWU6"]
    c.send((b64(ALICE) + "\r\n").encode())
    assert c.expect(334) == ["UGFzc3dvcmQ6"]
    c.expect_cmd(b64(ALICE_PW), 235, "2.7.0")
    # LOGIN with the user name as initial response
    d = session(t)
    d.send(("AUTH LOGIN %s\r\n" % b64(ALICE)).encode())
    assert d.expect(334) == ["UGFzc3dvcmQ6"]
    d.expect_cmd(b64("wrong"), 535, "5.7.8")


def test_refusals(submit_ternd):
    t = submit_ternd(conf={"auth_fail_limit": "50"})
    c = session(t)
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, "wrong password"), 535, "5.7.8")
    c.expect_cmd("AUTH PLAIN " + plain("nobody@test.example", "x"), 535, "5.7.8")  # unknown user
    c.expect_cmd("AUTH PLAIN " + plain("carol@test.example", ""), 535, "5.7.8")  # empty password
    c.expect_cmd("AUTH PLAIN " + plain("carol@test.example", "anything"), 535, "5.7.8")  # no hash
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW, authzid="bob@test.example"), 535, "5.7.8")
    c.expect_cmd("AUTH CRAM-MD5", 504, "5.5.4")
    c.expect_cmd("AUTH PLAIN not*base64", 501, "5.5.2")
    c.expect_cmd("AUTH PLAIN QUJD=RA==", 501, "5.5.2")  # '=' in the middle
    c.expect_cmd("AUTH PLAIN QUJDRA", 501, "5.5.2")  # not a multiple of 4
    c.send(b"AUTH LOGIN\r\n")
    c.expect(334)
    c.expect_cmd("*", 501, "5.0.0")  # the client cancels
    c.send(b"AUTH PLAIN\r\n")
    c.expect(334)
    c.expect_cmd("@@@@", 501, "5.5.2")
    c.expect_cmd("MAIL FROM:<alice@test.example>", 530, "5.7.0")
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW), 235, "2.7.0")
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW), 503, "5.5.1")  # once per session
    c.expect_cmd("MAIL FROM:<alice@test.example>", 250, "2.1.0")


def test_sequence(submit_ternd):
    t = submit_ternd()
    c = tls_client(t.ports["submissions"])
    c.expect(220)
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW), 503, "5.5.1")  # before EHLO
    c.send(b"EHLO client.example\r\n")
    c.expect(250)
    c.expect_cmd("MAIL FROM:<alice@test.example>", 530, "5.7.0")
    c.expect_cmd("RCPT TO:<bob@test.example>", 503, "5.5.1")
    # after STARTTLS's handshake the session is new: an AUTH does not survive, nor is needed
    d = Raw(t.ports["submission"])
    d.expect(220)
    d.expect_cmd("AUTH LOGIN", 503, "5.5.1")  # no EHLO yet
    d.send(b"EHLO client.example\r\n")
    d.expect(250)
    d.expect_cmd("AUTH LOGIN", 538, "5.7.11")  # plaintext


def test_auth_during_transaction_refused(submit_ternd):
    t = submit_ternd()
    c = logged_in(t)
    c.expect_cmd("MAIL FROM:<alice@test.example>", 250, "2.1.0")
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW), 503, "5.5.1")


def test_throttling_per_address(submit_ternd):
    """auth_fail_limit failures within auth_fail_window: further AUTH from that address gets
    454 4.7.0, even with the right password, in this session and in new ones."""
    t = submit_ternd(conf={"auth_fail_limit": "3", "auth_fail_window": "1h"})
    c = session(t)
    for _ in range(3):
        c.expect_cmd("AUTH PLAIN " + plain(ALICE, "guess"), 535, "5.7.8")
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW), 454, "4.7.0")
    d = session(t, "submission")
    d.expect_cmd("AUTH LOGIN", 454, "4.7.0")
    d.expect_cmd("MAIL FROM:<alice@test.example>", 530, "5.7.0")
    assert len(t.wait_log(r"auth-failed sid=\S+ ip=127\.0\.0\.1 user=\"alice@test\.example\"", count=3)) == 3


def test_throttle_window_expires(submit_ternd):
    import time
    t = submit_ternd(conf={"auth_fail_limit": "2", "auth_fail_window": "1s"})
    c = session(t)
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, "guess"), 535, "5.7.8")
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, "guess"), 535, "5.7.8")
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW), 454, "4.7.0")
    time.sleep(1.2)
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW), 235, "2.7.0")


def test_sender_must_belong_to_user(submit_ternd):
    t = submit_ternd(aliases="alice.smith: alice\nsales: alice, bob\n")
    c = logged_in(t)
    c.expect_cmd("MAIL FROM:<bob@test.example>", 553, "5.7.1")
    c.expect_cmd("MAIL FROM:<ceo@example.org>", 553, "5.7.1")
    c.expect_cmd("MAIL FROM:<>", 553, "5.7.1")
    c.expect_cmd("MAIL FROM:<ALICE@Test.Example>", 250, "2.1.0")  # any case
    c.expect_cmd("RSET", 250, "2.0.0")
    c.expect_cmd("MAIL FROM:<alice.smith@test.example>", 250, "2.1.0")  # an alias of alice
    c.expect_cmd("RSET", 250, "2.0.0")
    c.expect_cmd("MAIL FROM:<sales@test.example>", 250, "2.1.0")  # a list alice is on
    c.expect_cmd("RSET", 250, "2.0.0")
    c.expect_cmd("MAIL FROM:<alice@test.example> AUTH=<> SIZE=100", 250, "2.1.0")  # RFC 4954 5


def test_authenticated_user_may_relay(submit_ternd):
    t = submit_ternd()
    c = logged_in(t)
    c.expect_cmd("MAIL FROM:<alice@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<friend@example.org>", 250, "2.1.5")
    c.expect_cmd("RCPT TO:<bob@test.example>", 250, "2.1.5")
    c.expect_cmd("RCPT TO:<x@[192.0.2.1]>", 550, "5.7.1")  # never by address literal
    text = send_body(c)
    qid = text[0].rsplit(" ", 1)[1]
    assert t.wait_log(r"queued sid=\S+ qid=%s" % qid)
    assert len(t.wait_messages("bob", 1)) == 1


def test_mx_does_not_relay_but_relay_networks_do(make_ternd, raw_to):
    t = make_ternd()
    c = raw_to(t)
    c.greet()
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<friend@example.org>", 550, "5.7.1")
    u = make_ternd(conf={"relay_networks": "192.0.2.0/24, 127.0.0.0/8, 2001:db8::/32"})
    d = raw_to(u)
    d.greet()
    d.expect_cmd("MAIL FROM:<anyone@example.net>", 250, "2.1.0")
    d.expect_cmd("RCPT TO:<friend@example.org>", 250, "2.1.5")
    v = make_ternd(conf={"relay_networks": "10.0.0.0/8"})
    e = raw_to(v)
    e.greet()
    e.expect_cmd("MAIL FROM:<anyone@example.net>", 250, "2.1.0")
    e.expect_cmd("RCPT TO:<friend@example.org>", 550, "5.7.1")


def test_bad_relay_networks_is_a_config_error(make_ternd):
    t = make_ternd(start=False, conf={"relay_networks": "10.0.0.0/33"})
    import subprocess
    from conftest import TERND
    r = subprocess.run([TERND, "-n", "-c", t.conf_path], capture_output=True, timeout=30)
    assert r.returncode == 1 and b"relay_networks" in r.stderr


def test_submission_adds_message_id_and_date(submit_ternd):
    t = submit_ternd()
    c = logged_in(t)
    c.expect_cmd("MAIL FROM:<alice@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<bob@test.example>", 250, "2.1.5")
    send_body(c, b"Subject: no id\r\n\r\nbody\r\n")
    c.expect_cmd("MAIL FROM:<alice@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<bob@test.example>", 250, "2.1.5")
    send_body(c, b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <mine@example>\r\nSubject: has id\r\n\r\nbody\r\n")
    msgs = t.wait_messages("bob", 2)
    assert len(msgs) == 2
    by_subject = {re.search(rb"Subject: ([^\r]*)", m).group(1): m for m in msgs}
    added = by_subject[b"no id"]
    assert re.search(rb"\r\nMessage-ID: <[0-9A-Za-z]{12}@mx\.test\.example>\r\n", added)
    assert re.search(rb"\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\r\n", added)
    assert b" with ESMTPSA id " in added  # RFC 3848: TLS and AUTH
    kept = by_subject[b"has id"]
    assert kept.count(b"Message-ID:") == 1 and b"<mine@example>" in kept
    assert kept.count(b"Date:") == 1
    # mail received on the MX port is left as it came
    m = Raw(t.port)
    m.greet()
    m.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    m.expect_cmd("RCPT TO:<carol@test.example>", 250, "2.1.5")
    send_body(m, b"Subject: mx\r\n\r\nbody\r\n")
    msg = t.wait_messages("carol", 1)[0]
    assert b"Message-ID:" not in msg and b"\r\nDate:" not in msg
    assert b" with ESMTP id " in msg


def test_smtplib_login(submit_ternd):
    t = submit_ternd()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP_SSL("127.0.0.1", t.ports["submissions"], context=ctx, timeout=30) as s:
        s.login(ALICE, ALICE_PW)
        s.sendmail(ALICE, ["bob@test.example", "someone@example.org"], b"Subject: smtplib\r\n\r\nhi\r\n")
    with smtplib.SMTP("127.0.0.1", t.ports["submission"], timeout=30) as s:
        s.starttls(context=ctx)
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            s.login(ALICE, "wrong")
        assert e.value.smtp_code == 535
        with pytest.raises(smtplib.SMTPSenderRefused) as e:
            s.sendmail(ALICE, ["bob@test.example"], b"Subject: x\r\n\r\nx\r\n")
        assert e.value.smtp_code == 530
    assert len(t.wait_messages("bob", 1)) == 1


def test_passwords_never_logged(submit_ternd):
    t = submit_ternd(conf={"log_level": "debug"})
    c = session(t)
    c.expect_cmd("AUTH PLAIN " + plain(ALICE, "wrong-Pa55word"), 535, "5.7.8")
    c.send(b"AUTH LOGIN\r\n")
    c.expect(334)
    c.send((b64(ALICE) + "\r\n").encode())
    c.expect(334)
    c.expect_cmd(b64(ALICE_PW), 235, "2.7.0")
    c.expect_cmd("QUIT", 221, "2.0.0")
    t.wait_log(r"disconnect sid=")
    log = t.log_text()
    for secret in ("wrong-Pa55word", ALICE_PW, b64(ALICE_PW), plain(ALICE, "wrong-Pa55word"), "Pa55"):
        assert secret not in log
    assert "auth-ok" in log and "auth-failed" in log


def test_tern_passwd(tmp_path):
    import subprocess
    from conftest import TERN
    r = subprocess.run([TERN, "passwd", "dave@test.example"], input=b"pw of dave\n", capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    addr, hash_ = r.stdout.decode().split()
    assert addr == "dave@test.example" and hash_.startswith("$y$")
    r = subprocess.run([TERN, "passwd", "--sha512"], input=b"pw\n", capture_output=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith(b"$6$")
    r = subprocess.run([TERN, "passwd"], input=b"\n", capture_output=True, timeout=60)
    assert r.returncode == 1 and b"empty password" in r.stderr
    r = subprocess.run([TERN, "passwd", "--bogus"], input=b"x\n", capture_output=True, timeout=60)
    assert r.returncode == 2
    assert b"pw of dave" not in r.stdout + r.stderr
