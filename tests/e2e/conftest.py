"""End-to-end fixtures: start the real ternd on a loopback port with its own spool,
Maildirs, users and aliases under a temporary directory, and stop it by its PID.

TERN_BUILD names the build directory (default: build); the suite runs once with the
normal build and once with the ASan+UBSan build (build-asan)."""
import os
import re
import signal
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("TERN_BUILD", "build"))
TERND = os.path.join(BUILD, "ternd")
TERN = os.path.join(BUILD, "tern")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """A private base directory per run: pytest's shared /tmp/pytest-of-<user>/ keeps only the
    three newest runs and deletes older ones, so runs of other checkouts on this machine
    could delete a directory under a running ternd (the symptom: messages that never
    arrive)."""
    if not config.option.basetemp:
        config.option.basetemp = tempfile.mkdtemp(prefix="tern-e2e-")
        config._tern_basetemp = config.option.basetemp


def pytest_unconfigure(config):
    base = getattr(config, "_tern_basetemp", None)
    if base:
        shutil.rmtree(base, ignore_errors=True)


def traversable(path):
    """Make path and its parents searchable by others (pytest's base directory is 0700), so
    that ternd, once it runs as the unprivileged user, can reach its spool and Maildirs."""
    path = os.path.abspath(path)
    while path not in ("/", ""):
        st = os.stat(path)
        if st.st_uid == os.getuid() and (st.st_mode & 0o005) != 0o005:
            os.chmod(path, st.st_mode | 0o005)
        if path in ("/tmp", os.path.dirname(ROOT)):
            break
        path = os.path.dirname(path)


def maildir_new(maildir):
    """The contents of the files in maildir/new, in name order."""
    d = os.path.join(maildir, "new")
    if not os.path.isdir(d):
        return []
    out = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            out.append(f.read())
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("ternd exited with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.recv(512)  # the greeting
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("ternd did not listen on %d" % port)


class Ternd:
    """One ternd instance. conf: extra settings; users/aliases: file contents."""

    def __init__(self, base, conf=None, users=None, aliases=None, roles=(), tls=None):
        self.base = str(base)
        os.makedirs(self.base, exist_ok=True)
        # ternd started as root runs as the user "tern": it must be able to reach its files
        traversable(self.base)
        self.port = free_port()
        # roles: extra listeners ("submission", "submissions"), each on its own port
        self.ports = {"mx": self.port}
        for role in roles:
            self.ports[role] = free_port()
        self.spool = os.path.join(self.base, "spool")
        self.sock = os.path.join(self.spool, "submit.sock")
        self.mail = os.path.join(self.base, "mail")
        self.log = os.path.join(self.base, "ternd.log")
        self.conf_path = os.path.join(self.base, "ternd.conf")
        settings = {
            "hostname": "mx.test.example",
            "listen": "127.0.0.1:%d" % self.port,
            "domains": "test.example, other.example",
            "spool": self.spool,
            "maildir": os.path.join(self.mail, "%d", "%u", "Maildir"),
            "spool_min_free": "0",
            "retry_min": "1",
            # never the machine's resolver: nothing answers here, so a test that relays
            # without its own dnsmasq gets a quick DNS failure instead of real traffic
            "dns_servers": "127.0.0.1:9",
        }
        if users is None:
            users = "alice@test.example\nbob@test.example\ncarol@test.example\nsender@test.example\n"
        if users is not False:
            path = os.path.join(self.base, "users")
            with open(path, "w") as f:
                f.write(users)
            settings["users"] = path
        if aliases is not None:
            path = os.path.join(self.base, "aliases")
            with open(path, "w") as f:
                f.write(aliases)
            settings["aliases"] = path
        if roles:
            settings["listen"] = ["127.0.0.1:%d" % self.port] + [
                "%s 127.0.0.1:%d" % (r, self.ports[r]) for r in roles]
        if tls:
            settings["tls_cert"], settings["tls_key"] = tls
        settings.update(conf or {})
        with open(self.conf_path, "w") as f:
            f.write("# written by tests/e2e/conftest.py\n")
            for k, v in settings.items():
                for one in (v if isinstance(v, list) else [v]):
                    f.write("%s = %s\n" % (k, one))
        self.proc = None

    def start(self, env=None):
        """env: extra environment, e.g. {"TERN_FAULT": "commit-synced:40"} (src/lib/fault.h)."""
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen([TERND, "-c", self.conf_path], stdout=self.logf, stderr=self.logf,
                                     env=dict(os.environ, **(env or {})))
        wait_port(self.port, self.proc)
        return self

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None and not self.logf.closed:
                self.logf.close()
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.logf.close()
        return self.proc.returncode

    def kill9(self):
        """SIGKILL: no shutdown at all. start() may be called again afterwards: the new
        daemon uses the same port, configuration, spool and Maildirs (recovery)."""
        self.proc.kill()
        self.proc.wait()
        self.logf.close()

    def write_conf(self, **settings):
        """Change (or add) settings in the configuration file; takes effect on SIGHUP or
        the next start()."""
        with open(self.conf_path) as f:
            lines = f.read().splitlines()
        out = [l for l in lines if l.split("=", 1)[0].strip() not in settings]
        out += ["%s = %s" % (k, v) for k, v in settings.items()]
        with open(self.conf_path, "w") as f:
            f.write("\n".join(out) + "\n")

    def give(self, path):
        """A directory the test made inside the daemon's tree (as root) must belong to the
        user ternd runs as ("tern" after the privilege drop): chown it and its parents up to
        the base directory."""
        if os.getuid() != 0:
            return
        import pwd
        try:
            pw = pwd.getpwnam("tern")
        except KeyError:
            return
        path = os.path.abspath(path)
        while path.startswith(self.base + os.sep):
            os.chown(path, pw.pw_uid, pw.pw_gid)
            path = os.path.dirname(path)

    def maildir(self, user, domain="test.example"):
        return os.path.join(self.mail, domain, user, "Maildir")

    def messages(self, user, domain="test.example"):
        return maildir_new(self.maildir(user, domain))

    def wait_messages(self, user, count, domain="test.example", timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msgs = self.messages(user, domain)
            if len(msgs) >= count:
                return msgs
            time.sleep(0.05)
        return self.messages(user, domain)

    def wait_log(self, pattern, count=1, timeout=10):
        """Wait (bounded) until the log holds count lines matching the regex pattern;
        returns the matching lines (fewer on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [l for l in self.log_text().splitlines() if re.search(pattern, l)]
            if len(lines) >= count or time.monotonic() >= deadline:
                return lines
            time.sleep(0.05)

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")


@pytest.fixture
def make_ternd(tmp_path):
    started = []

    def make(start=True, **kw):
        """start=False: return the Ternd unstarted (to prepare its directories first)."""
        t = Ternd(tmp_path / ("t%d" % len(started)), **kw)
        started.append(t)
        return t.start() if start else t

    yield make
    for t in started:
        rc = t.stop()
        # a clean SIGTERM shutdown exits 0; the sanitizers make a leak or UB exit non-zero
        assert rc in (0, None, -9), "ternd exited %s; log:\n%s" % (rc, t.log_text()[-3000:])


@pytest.fixture
def ternd(make_ternd):
    return make_ternd()


class Raw:
    """A raw SMTP client for byte-exact dialogs (pipelining, bare LF, long lines)."""

    def __init__(self, port, source=None):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                          source_address=(source, 0) if source else None)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def reply(self):
        """Read one whole (possibly multiline) reply; returns (code, [lines])."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise EOFError("connection closed; got %r" % (lines,))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("utf-8", "replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(line[:3]), lines

    def cmd(self, line):
        self.send(line.encode() + b"\r\n" if isinstance(line, str) else line)
        return self.reply()

    def expect(self, code, enhanced=None):
        """Read one reply and assert its code and, on every line, its enhanced status
        code (enhanced=None: the reply must carry none, as for 220, 354, HELO/EHLO).
        Returns the text lines without the code and enhanced code."""
        got, lines = self.reply()
        assert got == code, "expected %d %s, got %r" % (code, enhanced or "", lines)
        texts = []
        for line in lines:
            text = line[4:]
            if enhanced is None:
                assert not re.match(r"[245]\.\d{1,3}\.\d{1,3}( |$)", text), "unexpected enhanced code: %r" % line
            else:
                assert text == enhanced or text.startswith(enhanced + " "), \
                    "expected %d %s, got %r" % (code, enhanced, lines)
                text = text[len(enhanced) + 1:]
            texts.append(text)
        return texts

    def expect_cmd(self, line, code, enhanced=None):
        self.send(line.encode() + b"\r\n" if isinstance(line, str) else line)
        return self.expect(code, enhanced)

    def greet(self, helo="EHLO client.example"):
        """Read the greeting and say EHLO (or HELO)."""
        self.expect(220)
        self.send(helo.encode() + b"\r\n")
        return self.expect(250)

    def nothing_pending(self, wait=0.3):
        """True if the server sends nothing more within wait seconds (and has not closed)."""
        if self.buf:
            return False
        self.s.settimeout(wait)
        try:
            data = self.s.recv(65536)
        except socket.timeout:
            return True
        finally:
            self.s.settimeout(10)
        self.buf += data
        return False

    def closed(self, timeout=5):
        """True when the server closed the connection (EOF)."""
        self.s.settimeout(timeout)
        try:
            return self.s.recv(1) == b""
        except ConnectionResetError:
            return True

    def tls(self):
        """Start TLS on the connection (after a 220 to STARTTLS, or at once on an implicit
        TLS port). Whatever was buffered in plaintext must have been read first."""
        assert self.buf == b"", "plaintext left unread before TLS: %r" % self.buf
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.s = ctx.wrap_socket(self.s, server_hostname="mx.test.example")
        return self.s

    def close(self):
        self.s.close()


@pytest.fixture
def raw(ternd):
    clients = []

    def connect(port=None):
        c = Raw(port or ternd.port)
        clients.append(c)
        return c

    yield connect
    for c in clients:
        c.close()


@pytest.fixture
def raw_to():
    """raw_to(ternd_or_port, source=None): a Raw client to any daemon (make_ternd's),
    optionally from another loopback source address; closed at teardown."""
    clients = []

    def connect(target, source=None):
        c = Raw(getattr(target, "port", target), source=source)
        clients.append(c)
        return c

    yield connect
    for c in clients:
        c.close()


# --- TLS and AUTH (issue 6) ---

PASSWORDS = {"alice@test.example": "alice's secret pw", "bob@test.example": "B0b-p4ss:word"}


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A self-signed certificate for mx.test.example: (cert path, key path). The key is
    readable by ternd's unprivileged user, which re-reads it on SIGHUP."""
    d = tmp_path_factory.mktemp("tls")
    traversable(d)
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=mx.test.example", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    os.chmod(key, 0o644)
    return cert, key


@pytest.fixture(scope="session")
def users_with_passwords():
    """A users file: alice and bob with password hashes made by `tern passwd` (yescrypt for
    alice, SHA-512 for bob), carol without a hash (cannot log in), sender without one."""
    lines = []
    for (addr, pw), opts in zip(sorted(PASSWORDS.items()), ([], ["--sha512"])):
        r = subprocess.run([TERN, "passwd"] + opts + [addr], input=pw + "\n", capture_output=True,
                           text=True, timeout=60, check=True)
        lines.append(r.stdout.strip())
    lines += ["carol@test.example", "sender@test.example"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def submit_ternd(make_ternd, tls_files, users_with_passwords):
    """ternd with an MX listener (port), submission (ports["submission"]) and submissions
    (ports["submissions"]), TLS and password users."""
    def make(**kw):
        kw.setdefault("users", users_with_passwords)
        return make_ternd(roles=("submission", "submissions"), tls=tls_files, **kw)
    return make


def tls_client(port):
    """A Raw client on an implicit-TLS port: the handshake first, then the greeting."""
    c = Raw(port)
    c.tls()
    return c
