"""A first dialog with smtplib: the greeting, EHLO extensions, a message in the Maildir."""
import smtplib


def test_greeting_and_ehlo(ternd):
    s = smtplib.SMTP("127.0.0.1", ternd.port, local_hostname="client.example")
    code, text = s.ehlo()
    assert code == 250
    exts = text.decode().split("\n")
    assert exts[0].startswith("mx.test.example")
    for e in ("PIPELINING", "SIZE 10485760", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "HELP"):
        assert e in exts
    assert s.quit()[0] == 221


def test_message_reaches_maildir_byte_exact(ternd):
    body = b"Subject: hello\r\n\r\nline one\r\n.starts with a dot\r\n\r\nend\r\n"
    s = smtplib.SMTP("127.0.0.1", ternd.port, local_hostname="client.example")
    s.sendmail("sender@test.example", ["alice@test.example"], body)
    s.quit()
    msgs = ternd.wait_messages("alice", 1)
    assert len(msgs) == 1
    head, _, rest = msgs[0].partition(b"\r\n")
    assert head == b"Return-Path: <sender@test.example>"
    assert rest.startswith(b"Received: from client.example ([127.0.0.1])")
    assert rest.endswith(body)
