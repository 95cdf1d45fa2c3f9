"""Issue 5, LMTP (RFC 2033): local domains routed to an LMTP server instead of Maildir,
over TCP and a unix socket, against Dovecot's LMTP server and a scripted LMTP server that
answers per recipient after the final dot."""
import smtplib
import time

import pytest

from peers import Dovecot, ScriptedLmtp

BODY = b"From: sender@test.example\r\nSubject: lmtp\r\n\r\nhello\r\n.dot line\r\nbye\r\n"


@pytest.fixture
def dovecot():
    started = []

    def start(users):
        d = Dovecot(users)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()


def submit(t, rcpts, body=BODY):
    with smtplib.SMTP("127.0.0.1", t.port, timeout=10) as s:
        s.sendmail("sender@test.example", rcpts, body)


def routes(tmp_path, text):
    p = tmp_path / "routes"
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_dovecot_lmtp_delivery(make_ternd, dovecot, tmp_path, transport):
    dv = dovecot(["alice@test.example", "bob@test.example"])
    hop = "lmtp:127.0.0.1:%d" % dv.port if transport == "tcp" else "lmtp:unix:" + dv.socket
    t = make_ternd(conf={"routes": routes(tmp_path, "test.example  %s\n" % hop), "smtp_reply_timeout": "5"},
                   users="alice@test.example\nbob@test.example\nalice@other.example\n")
    submit(t, ["alice@test.example", "bob@test.example"])
    for user in ("alice", "bob"):
        msgs = dv.wait_messages(user, "test.example", 1)
        assert len(msgs) == 1, t.log_text()[-3000:] + dv.log_text()[-2000:]
        # Dovecot stores LF line ends; the dot-stuffed line arrives unstuffed
        assert msgs[0].endswith(BODY.replace(b"\r\n", b"\n"))
        assert b"Received: from mx.test.example" in msgs[0]
    assert len(t.wait_log(r"delivered qid=\S+ rcpt=(alice|bob)@test.example relay=\S+ reply=\"250 2\.0\.0 ", 2)) == 2
    assert t.messages("alice") == []  # not in ternd's own Maildir
    # other local domains still go to Maildir
    submit(t, ["alice@other.example"])
    assert len(t.wait_messages("alice", 1, domain="other.example")) == 1


def test_dovecot_unknown_user_fails_known_delivered(make_ternd, dovecot, tmp_path):
    dv = dovecot(["alice@test.example"])
    t = make_ternd(conf={"routes": routes(tmp_path, "test.example  lmtp:127.0.0.1:%d\n" % dv.port)})
    submit(t, ["alice@test.example", "bob@test.example"])
    assert len(dv.wait_messages("alice", "test.example", 1)) == 1
    assert t.wait_log(r"delivered qid=\S+ rcpt=alice@test.example")
    assert t.wait_log(r"failed qid=\S+ rcpt=bob@test.example relay=\S+ attempt=1 reply=\"550 5\.1\.1 "), \
        t.log_text()[-3000:]


def test_lmtp_per_recipient_replies_after_data(make_ternd, tmp_path):
    srv = ScriptedLmtp()
    try:
        srv.dot_replies["bob@test.example"] = "552 5.2.2 <bob@test.example> mailbox full"
        srv.dot_replies["carol@test.example"] = "452 4.2.2 <carol@test.example> over quota, later"
        t = make_ternd(conf={"routes": routes(tmp_path, "test.example  lmtp:127.0.0.1:%d\n" % srv.port),
                             "retry_schedule": "1h"})
        submit(t, ["alice@test.example", "bob@test.example", "carol@test.example"])
        assert t.wait_log(r"delivered qid=\S+ rcpt=alice@test.example .*reply=\"250 2\.0\.0 <alice@test.example> saved\"")
        assert t.wait_log(r"failed qid=\S+ rcpt=bob@test.example .*reply=\"552 5\.2\.2 <bob@test.example> mailbox full\"")
        assert t.wait_log(r"deferred qid=\S+ rcpt=carol@test.example .*retry_in=3600s reply=\"452 4\.2\.2 ")
        assert len(srv.messages) == 1
        assert srv.messages[0][1] == ["alice@test.example", "bob@test.example", "carol@test.example"]
        assert srv.messages[0][2].endswith(BODY)
    finally:
        srv.stop()
