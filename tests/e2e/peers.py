"""Peers for the outbound (relay/LMTP) tests, all on loopback and stopped by PID or by
their controller: a dnsmasq serving the test zone, a scripted aiosmtpd server, Postfix's
smtp-sink, and a Dovecot LMTP server with its own configuration."""
import asyncio
import os
import signal
import socket
import subprocess
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from conftest import free_port, maildir_new


def wait_tcp(host, port, proc=None, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("peer exited with %s" % proc.returncode)
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on %s:%d" % (host, port))


def stop_proc(proc, timeout=5):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Dnsmasq:
    """dnsmasq answering for the zone "test" only (unknown names there: NXDOMAIN), never
    forwarding anywhere. lines: dnsmasq.conf lines (mx-host=, host-record=, dns-rr=...)."""

    def __init__(self, base, lines):
        self.base = str(base)
        os.makedirs(self.base, exist_ok=True)
        self.port = free_port()
        self.conf = os.path.join(self.base, "dnsmasq.conf")
        self.log = os.path.join(self.base, "dnsmasq.log")
        with open(self.conf, "w") as f:
            f.write("local=/test/\n")
            for line in lines:
                f.write(line + "\n")
        self.proc = subprocess.Popen(
            ["/usr/sbin/dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-poll",
             "--port=%d" % self.port, "--listen-address=127.0.0.1", "--bind-interfaces",
             "--pid-file=" + os.path.join(self.base, "dnsmasq.pid"), "--user=root", "--group=root",
             "--conf-file=" + self.conf, "--log-queries", "--log-facility=" + self.log],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.base, "dnsmasq.err"), "wb"))
        wait_tcp("127.0.0.1", self.port, self.proc)

    @property
    def server(self):
        return "127.0.0.1:%d" % self.port

    def stop(self):
        stop_proc(self.proc)


class ScriptedHandler:
    """What the scripted peer answers. rcpt_codes: address -> reply line for RCPT (default
    250); mail_reply, data_reply (to DATA), dot_reply (after the message) override a stage;
    drop_after_dot closes the connection instead of answering the dot; hang_at ("rcpt",
    "dot") sleeps hang_seconds before answering."""

    def __init__(self):
        self.rcpt_codes = {}
        self.mail_reply = None
        self.dot_reply = None
        self.drop_after_dot = False
        self.hang_at = None
        self.hang_seconds = 6
        self.messages = []   # (mail_from, [rcpts], content bytes)
        self.attempts = []   # every transaction that reached DATA's end: (rcpts, reply)
        self.connections = 0  # TCP connections, including the controller's own start-up probe
        self.sessions = set()  # connections that carried at least one MAIL
        self.tls = []          # per MAIL: was the session under TLS?
        self.refuse_ehlo = False
        self.mail_params = []
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            self.mail_params.append(list(mail_options))
            self.sessions.add(id(session))
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        with self.lock:
            self.tls.append(session.ssl is not None)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hang_at == "rcpt":
            await asyncio.sleep(self.hang_seconds)
        reply = self.rcpt_codes.get(address, "250 2.1.5 OK")
        if reply.startswith("2"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server, session, envelope):
        if self.hang_at == "dot":
            await asyncio.sleep(self.hang_seconds)
        if self.drop_after_dot:
            server.transport.close()
            with self.lock:
                self.attempts.append((list(envelope.rcpt_tos), "drop"))
            return "250 2.0.0 never seen"
        reply = self.dot_reply or "250 2.0.0 Ok: queued"
        with self.lock:
            self.attempts.append((list(envelope.rcpt_tos), reply))
            if reply.startswith("2"):
                self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return reply


class CountingSMTP(SMTP):
    async def smtp_EHLO(self, hostname):
        if self.event_handler.refuse_ehlo:  # an RFC 821-only server
            await self.push("500 5.5.1 command not recognized")
            return
        await super().smtp_EHLO(hostname)

    def connection_made(self, transport):
        with self.event_handler.lock:
            self.event_handler.connections += 1
        super().connection_made(transport)


class CountingController(Controller):
    def factory(self):
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


class ScriptedPeer:
    """An aiosmtpd server on host:port (host any 127/8 address) with a ScriptedHandler."""

    def __init__(self, host, port, **smtp_kwargs):
        self.host, self.port = host, port
        self.handler = ScriptedHandler()
        smtp_kwargs.setdefault("server_hostname", "peer.remote.test")
        self.controller = CountingController(self.handler, hostname=host, port=port, ready_timeout=10,
                                             **smtp_kwargs)
        self.controller.start()

    def wait_messages(self, count, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.handler.messages) < count:
            time.sleep(0.05)
        return self.handler.messages

    def stop(self):
        self.controller.stop()


class SmtpSink:
    """Postfix's smtp-sink: accepts everything; dumps each message into dump_dir."""

    def __init__(self, base, port):
        self.base = str(base)
        os.makedirs(self.base, exist_ok=True)
        self.port = port
        self.proc = subprocess.Popen(["/usr/sbin/smtp-sink", "-u", "nobody", "-c",
                                      "127.0.0.1:%d" % port, "100"],
                                     stdout=open(os.path.join(self.base, "sink.out"), "wb"),
                                     stderr=subprocess.STDOUT)
        wait_tcp("127.0.0.1", port, self.proc)

    def stop(self):
        stop_proc(self.proc)


class Dovecot:
    """A private Dovecot with only the LMTP service, on 127.0.0.1:port and a unix socket,
    its own base_dir, logs and Maildirs (ROOT/mail/<domain>/<user>/Maildir), users from a
    passwd-file (other addresses get 550 at RCPT). Mail is stored as the user nobody, so the
    root directory lives outside pytest's private tmp directory."""

    def __init__(self, users):
        import pwd
        import tempfile
        nobody = pwd.getpwnam("nobody")
        self.root = tempfile.mkdtemp(prefix="tern-dovecot-")
        os.chmod(self.root, 0o755)
        self.port = free_port()
        self.socket = os.path.join(self.root, "lmtp.sock")
        self.mail = os.path.join(self.root, "mail")
        os.makedirs(self.mail)
        os.chown(self.mail, nobody.pw_uid, nobody.pw_gid)
        self.log = os.path.join(self.root, "dovecot.log")
        with open(os.path.join(self.root, "users"), "w") as f:
            for u in users:
                f.write("%s::%d:%d::%s::\n" % (u, nobody.pw_uid, nobody.pw_gid, os.path.join(self.root, "home", u)))
        self.conf = os.path.join(self.root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
first_valid_uid = 1
mail_location = maildir:{root}/mail/%d/%n/Maildir
lmtp_rcpt_check_quota = no
passdb {{
  driver = passwd-file
  args = {root}/users
}}
userdb {{
  driver = passwd-file
  args = {root}/users
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {port}
  }}
  unix_listener {socket} {{
    mode = 0666
  }}
}}
service anvil {{
  chroot =
}}
""".format(root=self.root, port=self.port, socket=self.socket))
        self.proc = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", self.conf],
                                     stdout=open(os.path.join(self.root, "dovecot.out"), "wb"),
                                     stderr=subprocess.STDOUT)
        wait_tcp("127.0.0.1", self.port, self.proc)

    def messages(self, user, domain):
        return maildir_new(os.path.join(self.mail, domain, user, "Maildir"))

    def wait_messages(self, user, domain, count, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages(user, domain)) < count:
            time.sleep(0.05)
        return self.messages(user, domain)

    def log_text(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        import shutil
        stop_proc(self.proc)
        shutil.rmtree(self.root, ignore_errors=True)


class ThreadedServer:
    """A loopback TCP server in a thread, one thread per connection: subclasses write
    session(sock). Counts connections; stop() ends the accept loop and closes the socket."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.connections = 0
        self.messages = []
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", self.port))
        self.lsock.listen(8)
        self.lsock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self.session, args=(c,), daemon=True).start()

    def stop(self):
        self.running = False
        self.thread.join(5)
        self.lsock.close()


class ScriptedLmtp(ThreadedServer):
    """A minimal LMTP server (RFC 2033) in a thread: answers 250 to everything except the
    per-recipient replies after the final dot, which come from dot_replies (address -> reply
    line, default 250). Records each message as (mail_from, [rcpts], body)."""

    def __init__(self, port=None):
        self.dot_replies = {}
        super().__init__(port)

    def session(self, c):
        c.settimeout(10)
        f = c.makefile("rb")
        try:
            c.sendall(b"220 lmtp.test LMTP ready\r\n")
            sender, rcpts = None, []
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.strip().decode("ascii", "replace")
                up = cmd.upper()
                if up.startswith("LHLO"):
                    c.sendall(b"250-lmtp.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n")
                elif up.startswith("MAIL FROM:"):
                    sender, rcpts = cmd[10:].strip().strip("<>"), []
                    c.sendall(b"250 2.1.0 ok\r\n")
                elif up.startswith("RCPT TO:"):
                    rcpts.append(cmd[8:].strip().strip("<>"))
                    c.sendall(b"250 2.1.5 ok\r\n")
                elif up == "DATA":
                    c.sendall(b"354 go ahead\r\n")
                    body = b""
                    while True:
                        l2 = f.readline()
                        if not l2 or l2 == b".\r\n":
                            break
                        body += l2[1:] if l2.startswith(b".") else l2
                    self.messages.append((sender, rcpts, body))
                    for r in rcpts:
                        c.sendall(self.dot_replies.get(r, "250 2.0.0 <%s> saved" % r).encode() + b"\r\n")
                elif up == "RSET":
                    sender, rcpts = None, []
                    c.sendall(b"250 2.0.0 ok\r\n")
                elif up == "QUIT":
                    c.sendall(b"221 2.0.0 bye\r\n")
                    return
                else:
                    c.sendall(b"500 5.5.2 what\r\n")
        except OSError:
            pass
        finally:
            c.close()


def self_signed(base):
    """A throw-away key and certificate for a TLS-capable test peer."""
    import ssl
    key, crt = os.path.join(str(base), "peer.key"), os.path.join(str(base), "peer.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                    "-days", "1", "-subj", "/CN=peer.remote.test"], check=True, capture_output=True, timeout=60)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(crt, key)
    return ctx


class BrokenStartTls(ThreadedServer):
    """A plain SMTP server that offers STARTTLS but answers the TLS handshake with garbage;
    without STARTTLS it accepts everything (250). Counts connections and messages."""

    def session(self, c):
        c.settimeout(10)
        f = c.makefile("rb")
        try:
            c.sendall(b"220 broken.test ESMTP\r\n")
            rcpts = []
            while True:
                line = f.readline()
                if not line:
                    return
                up = line.strip().upper()
                if up.startswith(b"EHLO"):
                    c.sendall(b"250-broken.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
                elif up == b"STARTTLS":
                    c.sendall(b"220 2.0.0 go ahead\r\n")
                    f.read(5)
                    c.sendall(b"this is not TLS\r\n")
                    return
                elif up.startswith(b"MAIL") or up.startswith(b"RSET"):
                    rcpts = []
                    c.sendall(b"250 2.1.0 ok\r\n")
                elif up.startswith(b"RCPT"):
                    rcpts.append(line.strip()[8:].strip(b"<>").decode())
                    c.sendall(b"250 2.1.5 ok\r\n")
                elif up == b"DATA":
                    c.sendall(b"354 go\r\n")
                    body = b""
                    while True:
                        l2 = f.readline()
                        if not l2 or l2 == b".\r\n":
                            break
                        body += l2
                    self.messages.append((rcpts, body))
                    c.sendall(b"250 2.0.0 queued\r\n")
                elif up == b"QUIT":
                    c.sendall(b"221 2.0.0 bye\r\n")
                    return
                else:
                    c.sendall(b"502 5.5.1 no\r\n")
        except OSError:
            pass
        finally:
            c.close()
