"""Issue 6, TLS: STARTTLS (RFC 3207) on every listener and implicit TLS (RFC 8314) on a
submissions listener, driven by a raw client, openssl s_client, smtplib, swaks, curl and msmtp.
Covers the STARTTLS injection case (CVE-2011-0411 class), the state reset after the handshake,
a second STARTTLS, handshake failures (logged, never a crash), TLS >= 1.2 and the certificate
reload on SIGHUP."""
import os
import shutil
import signal
import smtplib
import ssl
import subprocess
import time

import pytest

from conftest import PASSWORDS, Raw, tls_client

TOOL_TIMEOUT = 60


def need(tool):
    if shutil.which(tool) is None:
        pytest.skip("%s is not installed" % tool)


def closed_after_alert(c, timeout=5):
    """The server closed the connection, perhaps after a TLS alert: read until EOF."""
    c.s.settimeout(timeout)
    try:
        while c.s.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except OSError:
        return False


def ehlo_lines(c, name="client.example"):
    c.send(("EHLO %s\r\n" % name).encode())
    return c.expect(250)


def test_ehlo_offers_starttls_not_auth_on_mx(submit_ternd):
    t = submit_ternd()
    c = Raw(t.port)
    c.expect(220)
    lines = ehlo_lines(c)
    assert "STARTTLS" in lines
    assert not any(l.startswith("AUTH") for l in lines)
    c.expect_cmd("STARTTLS", 220, "2.0.0")
    c.tls()
    lines = ehlo_lines(c)
    assert "STARTTLS" not in lines  # RFC 3207 4.2: not again
    assert not any(l.startswith("AUTH") for l in lines)  # MX listeners never offer AUTH
    c.expect_cmd("AUTH PLAIN AGFAYgBj", 502, "5.5.1")
    c.close()


def test_no_starttls_without_certificate(ternd, raw):
    c = raw()
    lines = c.greet()
    assert "STARTTLS" not in lines
    c.expect_cmd("STARTTLS", 502, "5.5.1")


def test_submission_offers_auth_only_after_starttls(submit_ternd):
    t = submit_ternd()
    c = Raw(t.ports["submission"])
    c.expect(220)
    lines = ehlo_lines(c)
    assert "STARTTLS" in lines and not any(l.startswith("AUTH") for l in lines)
    c.expect_cmd("MAIL FROM:<alice@test.example>", 530, "5.7.0")
    c.expect_cmd("AUTH PLAIN AGFsaWNlQHRlc3QuZXhhbXBsZQB4", 538, "5.7.11")
    c.expect_cmd("STARTTLS", 220, "2.0.0")
    c.tls()
    lines = ehlo_lines(c)
    assert "AUTH PLAIN LOGIN" in lines and "STARTTLS" not in lines
    c.close()


def test_starttls_injection_is_discarded(submit_ternd):
    """Commands pipelined after STARTTLS in the same packet are dropped, never answered over
    TLS (CVE-2011-0411): the first reply over TLS is the one to our own next command."""
    t = submit_ternd()
    c = Raw(t.port)
    c.expect(220)
    ehlo_lines(c)
    c.send(b"STARTTLS\r\nRSET\r\nMAIL FROM:<evil@example.org>\r\n")
    c.expect(220, "2.0.0")
    assert c.buf == b""  # nothing else in plaintext after the 220
    c.tls()
    c.send(b"NOOP\r\n")
    assert c.expect(250, "2.0.0") == ["Ok"]  # NOOP's reply, not RSET's "Ok, transaction reset"
    # the state was reset by the handshake: EHLO again before MAIL (RFC 3207 4.2)
    c.expect_cmd("MAIL FROM:<sender@test.example>", 503, "5.5.1")
    ehlo_lines(c)
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    assert c.nothing_pending()
    c.close()


def test_second_starttls_and_arguments(submit_ternd):
    t = submit_ternd()
    c = Raw(t.port)
    c.expect(220)
    ehlo_lines(c)
    c.expect_cmd("STARTTLS now", 501, "5.5.4")
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("STARTTLS", 503, "5.5.1")  # not inside a transaction
    c.expect_cmd("RSET", 250, "2.0.0")
    c.expect_cmd("STARTTLS", 220, "2.0.0")
    c.tls()
    ehlo_lines(c)
    c.expect_cmd("STARTTLS", 503, "5.5.1")
    # implicit TLS: STARTTLS is a sequence error too
    d = tls_client(t.ports["submissions"])
    d.expect(220)
    ehlo_lines(d)
    d.expect_cmd("STARTTLS", 503, "5.5.1")
    c.close()
    d.close()


def test_implicit_tls_greets_only_after_handshake(submit_ternd):
    t = submit_ternd()
    c = Raw(t.ports["submissions"])
    assert c.nothing_pending(0.5)  # no plaintext greeting on an RFC 8314 port
    c.tls()
    c.expect(220)
    lines = ehlo_lines(c)
    assert "AUTH PLAIN LOGIN" in lines and "STARTTLS" not in lines
    assert t.wait_log(r"tls sid=\S+ version=TLSv1\.[23] cipher=\S+")
    c.close()


def test_openssl_s_client_starttls(submit_ternd):
    need("openssl")
    t = submit_ternd()
    r = subprocess.run(["openssl", "s_client", "-brief", "-ign_eof", "-starttls", "smtp", "-connect",
                        "127.0.0.1:%d" % t.ports["submission"], "-servername", "mx.test.example"],
                       input=b"EHLO s-client.example\r\nQUIT\r\n", capture_output=True, timeout=TOOL_TIMEOUT)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    assert r.returncode == 0, out
    assert "Protocol version: TLSv1.3" in out
    assert "250-AUTH PLAIN LOGIN" in out and "221 2.0.0" in out


def test_openssl_s_client_implicit_tls_and_tls12(submit_ternd):
    need("openssl")
    t = submit_ternd()
    r = subprocess.run(["openssl", "s_client", "-brief", "-ign_eof", "-tls1_2", "-connect",
                        "127.0.0.1:%d" % t.ports["submissions"]],
                       input=b"QUIT\r\n", capture_output=True, timeout=TOOL_TIMEOUT)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    assert r.returncode == 0, out
    assert "Protocol version: TLSv1.2" in out and "ECDHE" in out
    assert "220 mx.test.example ESMTP tern" in out


def test_tls_below_1_2_refused_and_logged(submit_ternd):
    """TLS 1.1 is refused (RFC 8996); the failure is logged with OpenSSL's reason and the
    server goes on serving."""
    need("openssl")
    t = submit_ternd()
    r = subprocess.run(["openssl", "s_client", "-brief", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", "-connect",
                        "127.0.0.1:%d" % t.ports["submissions"]],
                       input=b"QUIT\r\n", capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode != 0
    lines = t.wait_log(r"tls-handshake-failed sid=\S+ ip=127\.0\.0\.1 reason=\"[^\"]+\"")
    assert lines, t.log_text()[-2000:]
    c = tls_client(t.ports["submissions"])
    c.expect(220)
    c.close()


def test_handshake_garbage_and_abort_do_not_crash(submit_ternd):
    t = submit_ternd()
    # plaintext SMTP on the implicit-TLS port
    c = Raw(t.ports["submissions"])
    c.send(b"EHLO plain.example\r\n")
    assert closed_after_alert(c)
    # STARTTLS, then garbage instead of a ClientHello
    d = Raw(t.port)
    d.expect(220)
    d.expect_cmd("STARTTLS", 220, "2.0.0")
    d.send(b"\x16\x03\x01\x00\x05hello-not-tls" * 10)
    assert closed_after_alert(d)
    # STARTTLS, then the client vanishes mid-handshake
    e = Raw(t.port)
    e.expect(220)
    e.expect_cmd("STARTTLS", 220, "2.0.0")
    e.close()
    assert len(t.wait_log(r"tls-handshake-failed sid=", count=3)) >= 3, t.log_text()[-3000:]
    assert t.proc.poll() is None
    f = Raw(t.port)
    f.expect(220)
    f.close()


def test_smtplib_starttls_delivers(submit_ternd):
    t = submit_ternd()
    with smtplib.SMTP("127.0.0.1", t.port, timeout=30) as s:
        s.ehlo("smtplib.example")
        assert s.has_extn("starttls")
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        code, _ = s.starttls(context=ctx)
        assert code == 220
        s.ehlo("smtplib.example")
        assert not s.has_extn("starttls")
        s.sendmail("sender@test.example", ["carol@test.example"],
                   b"Subject: over tls\r\n\r\nsecret body\r\n")
    msgs = t.wait_messages("carol", 1)
    assert len(msgs) == 1 and msgs[0].endswith(b"secret body\r\n")
    assert b" with ESMTPS id " in msgs[0]  # RFC 3848


def test_swaks_tls_and_tlsc(submit_ternd):
    need("swaks")
    t = submit_ternd()
    for flag, port in (("--tls", t.ports["submission"]), ("--tlsc", t.ports["submissions"])):
        r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(port), flag,
                            "--auth", "PLAIN", "--auth-user", "alice@test.example",
                            "--auth-password", PASSWORDS["alice@test.example"],
                            "--from", "alice@test.example", "--to", "bob@test.example",
                            "--header", "Subject: swaks %s" % flag, "--silent", "2"],
                           capture_output=True, timeout=TOOL_TIMEOUT)
        assert r.returncode == 0, r.stdout + r.stderr
    msgs = t.wait_messages("bob", 2)
    assert len(msgs) == 2
    assert all(b"Subject: swaks --tls" in m for m in msgs)


def test_curl_smtps_with_login(submit_ternd, tmp_path):
    need("curl")
    t = submit_ternd()
    f = tmp_path / "mail.txt"
    f.write_bytes(b"From: alice@test.example\r\nTo: bob@test.example\r\nSubject: curl smtps\r\n\r\nvia curl\r\n")
    r = subprocess.run(["curl", "-sS", "-k", "--ssl-reqd", "--url", "smtps://127.0.0.1:%d" % t.ports["submissions"],
                        "--user", "alice@test.example:%s" % PASSWORDS["alice@test.example"],
                        "--mail-from", "alice@test.example", "--mail-rcpt", "bob@test.example",
                        "--upload-file", str(f)], capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    # curl on the STARTTLS port, --ssl-reqd
    r = subprocess.run(["curl", "-sS", "-k", "--ssl-reqd", "--url", "smtp://127.0.0.1:%d" % t.ports["submission"],
                        "--user", "alice@test.example:%s" % PASSWORDS["alice@test.example"],
                        "--mail-from", "alice@test.example", "--mail-rcpt", "bob@test.example",
                        "--upload-file", str(f)], capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    msgs = t.wait_messages("bob", 2)
    assert len(msgs) == 2 and all(m.endswith(b"via curl\r\n") for m in msgs)


def test_msmtp(submit_ternd, tmp_path):
    need("msmtp")
    t = submit_ternd()
    conf = tmp_path / "msmtprc"
    conf.write_text("defaults\nauth on\ntls on\ntls_certcheck off\n"
                    "account tern\nhost 127.0.0.1\nport %d\ntls_starttls on\nfrom alice@test.example\n"
                    "user alice@test.example\npassword %s\n" % (t.ports["submission"], PASSWORDS["alice@test.example"]))
    os.chmod(conf, 0o600)
    r = subprocess.run(["msmtp", "-C", str(conf), "-a", "tern", "bob@test.example"],
                       input=b"Subject: msmtp\n\nfrom msmtp\n", capture_output=True, timeout=TOOL_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    msgs = t.wait_messages("bob", 1)
    assert len(msgs) == 1 and b"from msmtp" in msgs[0]
    assert b"Message-ID: <" in msgs[0] or b"Message-Id: <" in msgs[0]


def cert_subject(port):
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port],
                       input=b"", capture_output=True, timeout=TOOL_TIMEOUT)
    out = r.stdout.decode("utf-8", "replace")
    for line in out.splitlines():
        if line.startswith("subject="):
            return line
    return out


def test_certificate_reload_on_sighup(submit_ternd, tmp_path):
    need("openssl")
    t = submit_ternd()
    assert "mx.test.example" in cert_subject(t.ports["submissions"])
    d = tmp_path / "newtls"
    d.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(d, 0o755)
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=renewed.test.example", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    os.chmod(key, 0o644)
    # a session opened before the reload keeps working across it
    old = tls_client(t.ports["submissions"])
    old.expect(220)
    t.write_conf(tls_cert=cert, tls_key=key)
    t.proc.send_signal(signal.SIGHUP)
    assert t.wait_log(r"tls-loaded cert=.*newtls/cert\.pem", timeout=30), t.log_text()[-3000:]
    assert "renewed.test.example" in cert_subject(t.ports["submissions"])
    old.expect_cmd("NOOP", 250, "2.0.0")
    old.close()
    # a broken key on reload: logged, the renewed certificate stays
    with open(key, "w") as f:
        f.write("not a key\n")
    t.proc.send_signal(signal.SIGHUP)
    assert t.wait_log(r"tls-load-failed keeping=old-certificate", timeout=30), t.log_text()[-3000:]
    assert "renewed.test.example" in cert_subject(t.ports["submissions"])


def test_stalled_handshake_does_not_block_others(submit_ternd):
    """TLS runs non-blocking on the one event loop: a client that stops mid-handshake (or never
    starts it) does not hold up anyone else."""
    t = submit_ternd()
    silent = Raw(t.ports["submissions"])  # connects, never sends a ClientHello
    partial = Raw(t.port)
    partial.expect(220)
    partial.expect_cmd("STARTTLS", 220, "2.0.0")
    partial.send(b"\x16\x03\x01\x02\x00\x01")  # the start of a ClientHello, then nothing
    for _ in range(3):
        c = tls_client(t.ports["submissions"])
        c.expect(220)
        c.expect_cmd("NOOP", 250, "2.0.0")
        c.close()
    silent.close()
    partial.close()


def test_pipelining_and_large_message_over_tls(submit_ternd):
    """A pipelined group in one TLS write, then a 3 MB message: exercises records split and
    joined across reads and partial writes."""
    t = submit_ternd()
    c = Raw(t.port)
    c.expect(220)
    c.send(b"EHLO client.example\r\n")
    c.expect(250)
    c.expect_cmd("STARTTLS", 220, "2.0.0")
    c.tls()
    c.send(b"EHLO client.example\r\nMAIL FROM:<sender@test.example>\r\nRCPT TO:<alice@test.example>\r\n"
           b"RCPT TO:<nobody@test.example>\r\nRCPT TO:<bob@test.example>\r\nDATA\r\n")
    c.expect(250)
    c.expect(250, "2.1.0")
    c.expect(250, "2.1.5")
    c.expect(550, "5.1.1")
    c.expect(250, "2.1.5")
    c.expect(354)
    line = b"0123456789" * 9 + b"\r\n"
    body = b"Subject: big over tls\r\n\r\n" + line * 30000
    c.send(body + b".\r\n")
    c.expect(250, "2.0.0")
    c.expect_cmd("QUIT", 221, "2.0.0")
    for user in ("alice", "bob"):
        msgs = t.wait_messages(user, 1)
        assert len(msgs) == 1 and msgs[0].endswith(body)
