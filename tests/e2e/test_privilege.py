"""Issue 6, least privilege: started as root, ternd binds its ports and then runs as the
unprivileged `user` (default tern); it refuses to start when that user does not exist; the
files it creates are not world-readable; the local socket is the one exception (0666)."""
import os
import pwd
import stat
import subprocess

import pytest

from conftest import TERND
from test_queue import ready, send_raw

pytestmark = pytest.mark.skipif(os.getuid() != 0, reason="the privilege drop needs root")


def status_ids(pid):
    ids = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("Uid", "Gid", "Groups"):
                ids[key] = value.split()
    return ids


def test_runs_as_tern_user(ternd, raw):
    tern = pwd.getpwnam("tern")
    ids = status_ids(ternd.proc.pid)
    assert ids["Uid"] == [str(tern.pw_uid)] * 4  # real, effective, saved, filesystem
    assert ids["Gid"] == [str(tern.pw_gid)] * 4
    assert ids["Groups"] in ([], [str(tern.pw_gid)])
    assert ternd.wait_log(r"privileges dropped user=tern uid=%d" % tern.pw_uid)
    # it still serves, and delivers into Maildirs it owns
    send_raw(ready(raw()), ["alice@test.example"], b"Subject: private\r\n\r\nsecret body\r\n")
    assert len(ternd.wait_messages("alice", 1)) == 1


def test_files_are_not_world_readable(ternd, raw):
    send_raw(ready(raw()), ["bob@test.example"], b"Subject: private\r\n\r\nsecret body\r\n")
    assert len(ternd.wait_messages("bob", 1)) == 1
    tern = pwd.getpwnam("tern")
    checked = 0
    for top in (ternd.spool, ternd.mail):
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                p = os.path.join(root, name)
                st = os.lstat(p)
                if stat.S_ISSOCK(st.st_mode) and p == ternd.sock:
                    assert st.st_mode & 0o777 == 0o666  # local submission: any local user
                    continue
                assert st.st_mode & 0o077 == 0, "%s is mode %o" % (p, st.st_mode & 0o777)
                assert st.st_uid == tern.pw_uid or stat.S_ISSOCK(st.st_mode), p
                checked += 1
    assert checked >= 5
    # the spool itself: others may reach the socket, not list or read the queue
    assert os.stat(ternd.spool).st_mode & 0o777 == 0o711


def test_refuses_to_start_when_user_missing(make_ternd):
    t = make_ternd(start=False, conf={"user": "no-such-user-tern"})
    r = subprocess.run([TERND, "-c", t.conf_path], capture_output=True, timeout=30)
    assert r.returncode != 0
    assert b"'no-such-user-tern' does not exist" in r.stderr


def test_refuses_root_as_user(make_ternd):
    t = make_ternd(start=False, conf={"user": "root"})
    r = subprocess.run([TERND, "-c", t.conf_path], capture_output=True, timeout=30)
    assert r.returncode != 0 and b"must not run its event loop as root" in r.stderr


def test_reload_works_after_the_drop(ternd, raw):
    """SIGHUP re-reads the configuration and users file as the unprivileged user."""
    import signal
    with open(os.path.join(ternd.base, "users"), "a") as f:
        f.write("dave@test.example\n")
    ternd.proc.send_signal(signal.SIGHUP)
    assert ternd.wait_log(r"reload ok")
    c = raw()
    c.greet()
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<dave@test.example>", 250, "2.1.5")
