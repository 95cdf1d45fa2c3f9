"""Issue 2, real clients: swaks, curl (smtp://), Postfix's smtp-source and Python's smtplib
(including a pipelined group sent through smtplib's socket). Each must get its mail into the
Maildir; the exit status of each tool is checked."""
import os
import shutil
import smtplib
import subprocess
import time

import pytest

TOOL_TIMEOUT = 60


def need(path):
    if shutil.which(path) is None:
        pytest.skip("%s is not installed" % path)


def test_swaks(ternd):
    need("swaks")
    r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(ternd.port),
                        "--from", "sender@test.example", "--to", "alice@test.example",
                        "--helo", "swaks.example", "--header", "Subject: from swaks",
                        "--body", "hello from swaks", "--silent", "2"],
                       capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    msgs = ternd.wait_messages("alice", 1)
    assert len(msgs) == 1
    assert msgs[0].startswith(b"Return-Path: <sender@test.example>\r\nReceived: from swaks.example ([127.0.0.1])")
    assert b"Subject: from swaks\r\n" in msgs[0]
    assert b"hello from swaks" in msgs[0]


def test_swaks_refused_recipient(ternd):
    """swaks reports the refusal with its exit status (24: the RCPT was refused)."""
    need("swaks")
    r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(ternd.port),
                        "--from", "sender@test.example", "--to", "bob@example.org"],
                       capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode == 24, r.stdout + r.stderr
    assert b"<** 550 5.7.1 " in r.stdout


def test_swaks_pipelining(ternd):
    need("swaks")
    r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(ternd.port), "--pipeline",
                        "--from", "sender@test.example", "--to", "alice@test.example,bob@test.example",
                        "--silent", "2"],
                       capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(ternd.wait_messages("alice", 1)) == 1
    assert len(ternd.wait_messages("bob", 1)) == 1


def test_curl(ternd, tmp_path):
    need("curl")
    body = (b"From: sender@test.example\r\nTo: alice@test.example\r\nSubject: from curl\r\n\r\n"
            b"hello from curl\r\n.a line starting with a dot\r\nlast line\r\n")
    f = tmp_path / "mail.txt"
    f.write_bytes(body)
    r = subprocess.run(["curl", "-sS", "--max-time", "30", "smtp://127.0.0.1:%d/curl.example" % ternd.port,
                        "--mail-from", "sender@test.example", "--mail-rcpt", "alice@test.example",
                        "-T", str(f)], capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    msgs = ternd.wait_messages("alice", 1)
    assert len(msgs) == 1
    assert b"Received: from curl.example ([127.0.0.1])" in msgs[0]
    assert msgs[0].endswith(body)  # curl stuffs the dot, ternd removes it: byte-exact


def test_curl_refused_recipient(ternd, tmp_path):
    need("curl")
    f = tmp_path / "mail.txt"
    f.write_bytes(b"Subject: x\r\n\r\nx\r\n")
    r = subprocess.run(["curl", "-sS", "--max-time", "30", "smtp://127.0.0.1:%d" % ternd.port,
                        "--mail-from", "sender@test.example", "--mail-rcpt", "nobody@test.example",
                        "-T", str(f)], capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode == 55, r.stdout + r.stderr  # CURLE_SEND_ERROR: RCPT failed
    assert b"550" in r.stderr


def test_smtp_source(ternd):
    """Postfix's load generator: 5 parallel sessions, 50 messages: exactly 50 arrive."""
    src = "/usr/sbin/smtp-source"
    if not os.access(src, os.X_OK):
        pytest.skip("smtp-source is not installed")
    r = subprocess.run([src, "-s", "5", "-m", "50", "-f", "sender@test.example", "-t", "alice@test.example",
                        "127.0.0.1:%d" % ternd.port], capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    msgs = ternd.wait_messages("alice", 50)
    assert len(msgs) == 50
    # and no more than that (wait_messages returns as soon as 50 are there)
    time.sleep(0.5)
    assert len(ternd.messages("alice")) == 50
    assert all(m.startswith(b"Return-Path: <sender@test.example>\r\n") for m in msgs)


def test_smtplib_sendmail(ternd):
    body = b"Subject: smtplib\r\n\r\nhello\r\n..dot\r\n"
    with smtplib.SMTP("127.0.0.1", ternd.port, local_hostname="py.example", timeout=10) as s:
        refused = s.sendmail("sender@test.example",
                             ["alice@test.example", "nobody@test.example", "carol@test.example"], body)
        assert set(refused) == {"nobody@test.example"}
        assert refused["nobody@test.example"][0] == 550
        assert refused["nobody@test.example"][1].startswith(b"5.1.1 ")
    for user in ("alice", "carol"):
        msgs = ternd.wait_messages(user, 1)
        assert len(msgs) == 1
        assert msgs[0].endswith(body)  # smtplib stuffs, ternd un-stuffs: "..dot" is kept


def test_smtplib_all_refused(ternd):
    with smtplib.SMTP("127.0.0.1", ternd.port, local_hostname="py.example", timeout=10) as s:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
            s.sendmail("sender@test.example", ["bob@example.org"], b"Subject: x\r\n\r\nx\r\n")
        assert e.value.recipients["bob@example.org"][0] == 550
        assert e.value.recipients["bob@example.org"][1].startswith(b"5.7.1 ")


def test_smtplib_size_refused(make_ternd):
    t = make_ternd(conf={"message_size_limit": "2048"})
    with smtplib.SMTP("127.0.0.1", t.port, local_hostname="py.example", timeout=10) as s:
        s.ehlo()
        assert s.has_extn("size") and s.esmtp_features["size"] == "2048"
        # smtplib sends SIZE= when the server offers it: refused at MAIL
        with pytest.raises(smtplib.SMTPSenderRefused) as e:
            s.sendmail("sender@test.example", ["alice@test.example"], b"Subject: x\r\n\r\n" + b"x" * 4000)
        assert e.value.smtp_code == 552 and e.value.smtp_error.startswith(b"5.3.4 ")


def test_smtplib_pipelined_group(ternd):
    """Pipelining through smtplib: one send of MAIL, RCPT x3, DATA; replies read in order."""
    with smtplib.SMTP("127.0.0.1", ternd.port, local_hostname="py.example", timeout=10) as s:
        s.ehlo()
        assert s.has_extn("pipelining")
        s.send(b"MAIL FROM:<sender@test.example>\r\n"
               b"RCPT TO:<alice@test.example>\r\n"
               b"RCPT TO:<bob@example.org>\r\n"
               b"RCPT TO:<bob@test.example>\r\n"
               b"DATA\r\n")
        replies = [s.getreply() for _ in range(5)]
        assert [r[0] for r in replies] == [250, 250, 550, 250, 354]
        assert replies[0][1].startswith(b"2.1.0 ")
        assert replies[1][1].startswith(b"2.1.5 ")
        assert replies[2][1].startswith(b"5.7.1 ")
        assert replies[3][1].startswith(b"2.1.5 ")
        s.send(b"Subject: pipelined smtplib\r\n\r\nbody\r\n.\r\nNOOP\r\n")
        code, text = s.getreply()
        assert code == 250 and text.startswith(b"2.0.0 Ok: queued as ")
        assert s.getreply() == (250, b"2.0.0 Ok")
    assert len(ternd.wait_messages("alice", 1)) == 1
    assert len(ternd.wait_messages("bob", 1)) == 1


def test_smtplib_many_messages_one_session(ternd):
    with smtplib.SMTP("127.0.0.1", ternd.port, local_hostname="py.example", timeout=10) as s:
        for i in range(20):
            s.sendmail("sender@test.example", ["alice@test.example"],
                       b"Subject: n%d\r\nMessage-ID: <n%d@py.example>\r\n\r\nbody %d\r\n" % (i, i, i))
    msgs = ternd.wait_messages("alice", 20)
    assert len(msgs) == 20
    ids = sorted(int(m.split(b"Subject: n", 1)[1].split(b"\r\n", 1)[0]) for m in msgs)
    assert ids == list(range(20))
