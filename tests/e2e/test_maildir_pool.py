"""Issue 7, the Maildir pool (src/deliver/maildir_pool.c): after a burst, empty files are
made ahead in the Maildir's tmp/ while the daemon is quiet; the next burst is written into
exactly those inodes and published under the delivery's own names with the right content;
files an earlier process left in tmp/ are removed at the next start, not reused."""
import os
import smtplib
import time

POOL = "tern-pool."


def pool_inodes(maildir):
    tmp = os.path.join(maildir, "tmp")
    return {os.stat(os.path.join(tmp, n)).st_ino: n for n in os.listdir(tmp) if n.startswith(POOL)}


def wait_pool(maildir, count, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inodes = pool_inodes(maildir)
        if len(inodes) >= count:
            return inodes
        time.sleep(0.05)
    return pool_inodes(maildir)


def burst(port, n, tag):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        for i in range(n):
            body = "Subject: %s %d\r\n\r\nbody of %s %d\r\n" % (tag, i, tag, i)
            s.sendmail("sender@test.example", ["alice@test.example"], body)


def test_burst_is_written_into_pool_files(ternd):
    md = ternd.maildir("alice")
    burst(ternd.port, 20, "first")
    assert len(ternd.wait_messages("alice", 20)) == 20
    # the Maildir took 20 deliveries within the demand window: 20 files are made once quiet
    inodes = wait_pool(md, 20)
    assert len(inodes) == 20, sorted(os.listdir(os.path.join(md, "tmp")))
    burst(ternd.port, 20, "second")
    assert len(ternd.wait_messages("alice", 40)) == 40
    new = os.path.join(md, "new")
    second = {}
    for name in os.listdir(new):
        with open(os.path.join(new, name), "rb") as f:
            data = f.read()
        if b"Subject: second" in data:
            second[os.stat(os.path.join(new, name)).st_ino] = (name, data)
    assert len(second) == 20
    # every message of the second burst sits in an inode the pool had made
    assert set(second) == set(inodes)
    for ino, (name, data) in second.items():
        assert not name.startswith(POOL)
        assert data.startswith(b"Return-Path: <sender@test.example>\r\nReceived: "), data[:80]
        i = int(data.split(b"Subject: second ")[1].split(b"\r\n")[0])
        assert data.endswith(b"\r\n\r\nbody of second %d\r\n" % i), data[-60:]
    assert ternd.wait_log(r"delivered qid=\S+ rcpt=alice@test.example", 40)


def test_leftover_pool_files_are_removed_at_start(ternd):
    md = ternd.maildir("alice")
    burst(ternd.port, 3, "one")
    assert len(ternd.wait_messages("alice", 3)) == 3
    assert len(wait_pool(md, 3)) == 3
    assert ternd.stop() == 0
    # a crash between writing a pool file and renaming it leaves part of a message there
    junk = os.path.join(md, "tmp", POOL + "999")
    with open(junk, "wb") as f:
        f.write(b"Return-Path: <x@y>\r\nSubject: half")
    ternd.give(junk)
    ternd.start()
    burst(ternd.port, 1, "after")
    assert len(ternd.wait_messages("alice", 4)) == 4
    # the old names are gone, and the new one is numbered past the highest found
    left = sorted(wait_pool(md, 1).values())
    assert len(left) == 1 and int(left[0][len(POOL):]) > 999, left
    bodies = [open(os.path.join(md, "new", n), "rb").read() for n in os.listdir(os.path.join(md, "new"))]
    assert not any(b"Subject: half" in b for b in bodies)
