"""Issue 3, the queue: queue ids, the Maildir file format, durability across kill -9 (every
acknowledged message delivered exactly once, nothing partial), a full spool (452 4.3.1) and
a Maildir that cannot be written (deferred, retried, delivered)."""
import collections
import email.utils
import errno
import os
import random
import re
import signal
import smtplib
import socket
import subprocess
import threading
import time

import pytest

QID = r"[0-9A-Za-z]{12}"


def ready(c):
    c.greet()
    return c


def send_raw(c, rcpts, body, sender="sender@test.example"):
    """One transaction on a greeted Raw client; returns the queue id from the 250."""
    c.expect_cmd("MAIL FROM:<%s>" % sender, 250, "2.1.0")
    for r in rcpts:
        c.expect_cmd("RCPT TO:<%s>" % r, 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    c.send(body + b".\r\n")
    text = c.expect(250, "2.0.0")
    m = re.fullmatch(r"Ok: queued as (%s)" % QID, text[0])
    assert m, text
    return m.group(1)


def maildir_files(t, user, sub="new"):
    d = os.path.join(t.maildir(user), sub)
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


# --- queue id, Received:, Return-Path ------------------------------------------------------

def test_queue_id_in_reply_received_and_log(ternd, raw):
    c = ready(raw())
    body = b"Subject: qid\r\n\r\nqid\r\n"
    qid = send_raw(c, ["alice@test.example"], body)
    qid2 = send_raw(c, ["alice@test.example"], body)
    assert qid2 != qid
    assert qid2 > qid  # time-ordered
    msgs = ternd.wait_messages("alice", 2)
    assert len(msgs) == 2
    names = maildir_files(ternd, "alice")
    for q in (qid, qid2):
        [name] = [n for n in names if ".Q%sR0." % q in n]
        with open(os.path.join(ternd.maildir("alice"), "new", name), "rb") as f:
            data = f.read()
        received = data.split(b"\r\n\r\n")[0].split(b"Received: ", 1)[1]
        assert re.search(rb"\sid %s\b" % q.encode(), received), received
    assert ternd.wait_log(r"delivered qid=%s " % qid2)
    log = ternd.log_text()
    assert re.search(r"queued sid=\S+ qid=%s\b" % qid, log), log[-2000:]
    assert re.search(r"delivered qid=%s rcpt=alice@test.example" % qid, log), log[-2000:]


def test_three_recipients_file_format(ternd, raw):
    body = (b"From: Sender <sender@test.example>\r\nSubject: three\r\nMessage-ID: <three@test.example>\r\n\r\n"
            b"first line\r\n\r\n  indented\r\n\xe2\x82\xac 8bit\r\nlast\r\n")
    c = raw()
    c.expect(220)
    c.expect_cmd("EHLO client.example", 250)
    before = time.time()
    qid = send_raw(c, ["alice@test.example", "bob@test.example", "carol@test.example"], body)
    after = time.time()
    for idx, user in enumerate(("alice", "bob", "carol")):
        msgs = ternd.wait_messages(user, 1)
        assert len(msgs) == 1, user
        data = msgs[0]
        lines = data.split(b"\r\n")
        assert lines[0] == b"Return-Path: <sender@test.example>"
        assert lines[1].startswith(b"Received: ")
        # the Received: header: its first line and its folded continuation lines
        n = 2
        while lines[n][:1] in (b" ", b"\t"):
            n += 1
        received = b" ".join(l.strip() for l in lines[1:n]).decode()
        assert received.startswith("Received: from client.example ([127.0.0.1])"), received
        assert "by mx.test.example (tern)" in received
        assert re.search(r"\bid %s\b" % qid, received), received
        assert "for <" not in received  # three recipients: no single "for" clause
        date = received.rsplit(";", 1)[1].strip()
        when = email.utils.parsedate_to_datetime(date).timestamp()
        assert before - 2 <= when <= after + 2, date
        assert b"\r\n".join(lines[n:]) == body  # the body, byte for byte
        # the file name carries the queue id and this recipient's index
        [name] = maildir_files(ternd, user)
        assert re.fullmatch(r"\d+\.Q%sR%d\.mx\.test\.example" % (qid, idx), name), name


def test_single_recipient_received_has_for(ternd, raw):
    c = ready(raw())
    send_raw(c, ["bob@test.example"], b"Subject: one\r\n\r\none\r\n")
    [data] = ternd.wait_messages("bob", 1)
    head = data.split(b"\r\n\r\n")[0]
    assert b"for <bob@test.example>" in head


# --- kill -9: every 250 is delivered exactly once, nothing partial ---------------------------

USERS = ("alice", "bob", "carol")


def crash_body(msgid):
    """Deterministic body for a message id, so that a truncated copy is recognised."""
    filler = b"".join(b"%s line %d of the message, some padding text\r\n" % (msgid.encode(), i)
                      for i in range(20))
    return (b"Subject: crash %s\r\nMessage-ID: <%s@crash.test>\r\n\r\n" % (msgid.encode(), msgid.encode())
            + filler + b"END %s\r\n" % msgid.encode())


def crash_rcpts(k, i):
    if i % 7 == 0:
        return ["%s@test.example" % u for u in USERS]  # several recipients: indexes R0..R2
    return ["%s@test.example" % USERS[(k + i) % 3]]


def read_maildirs(t):
    """{user: Counter(msgid)}, after checking that every file in new/ is one whole message."""
    seen = {}
    for user in USERS:
        counts = collections.Counter()
        d = os.path.join(t.maildir(user), "new")
        for name in (os.listdir(d) if os.path.isdir(d) else []):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            m = re.search(rb"\r\nMessage-ID: <([^@>]+)@crash.test>\r\n", data)
            assert m, "no Message-ID in %s/%s: %r" % (user, name, data[:300])
            msgid = m.group(1).decode()
            assert data.startswith(b"Return-Path: <sender@test.example>\r\nReceived: from crash.example "), name
            assert data.endswith(crash_body(msgid)), "partial or altered message %s/%s" % (user, name)
            counts[msgid] += 1
        seen[user] = counts
    return seen


def run_clients(t, nclients, per_client, kill_after, tag, refused=None, wait_crash=False):
    """Clients send until the daemon dies (killed here after kill_after acknowledgements, or
    by its own fault-injection crash point); returns {msgid: rcpts} of the messages that got
    a 250. refused: a dict that collects {msgid: reply} of messages answered 4xx/5xx."""
    acked = {}
    lock = threading.Lock()
    errors = []

    def worker(k):
        try:
            s = smtplib.SMTP("127.0.0.1", t.port, local_hostname="crash.example", timeout=10)
        except OSError as e:
            errors.append(e)
            return
        try:
            for i in range(per_client):
                msgid = "%s-%d-%d" % (tag, k, i)
                rcpts = crash_rcpts(k, i)
                try:
                    s.sendmail("sender@test.example", rcpts, crash_body(msgid))
                except smtplib.SMTPDataError as e:
                    if refused is None:
                        raise
                    with lock:
                        refused[msgid] = (e.smtp_code, e.smtp_error)
                    continue
                with lock:
                    acked[msgid] = rcpts
        except (smtplib.SMTPException, OSError):
            pass  # the daemon was killed under us
        finally:
            s.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(nclients)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            n = len(acked)
        if n >= kill_after or t.proc.poll() is not None or not any(th.is_alive() for th in threads):
            break
        time.sleep(0.002)
    if wait_crash:  # a crash point in the delivery may come after the last 250: wait for it
        deadline = time.monotonic() + 15
        while t.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        t.crashed_itself = t.proc.poll() is not None
    t.kill9()
    for th in threads:
        th.join(timeout=15)
        assert not th.is_alive()
    assert not errors, errors
    return dict(acked)


def check_recovered(t, acked, info, never=()):
    """Restart on the same spool and Maildirs: every acknowledged message reaches each of its
    recipients exactly once, no partial file appears, nothing in 'never' is delivered, and
    the restarted daemon takes new mail."""
    t.start()
    assert t.wait_log(r"recovered messages=\d+"), t.log_text()[-2000:]
    want = {u: {m for m, rc in acked.items() if "%s@test.example" % u in rc} for u in USERS}
    deadline = time.monotonic() + 30
    while True:
        seen = read_maildirs(t)
        missing = {u: want[u] - set(seen[u]) for u in USERS}
        if not any(missing.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not any(missing.values()), "%s; acknowledged but not delivered: %s" % (
        info, {u: sorted(m)[:10] for u, m in missing.items()})
    # let recovery finish whatever else it had (messages written but not yet acknowledged):
    # wait until the Maildirs stop changing (bounded)
    deadline = time.monotonic() + 10
    stable_since, last = time.monotonic(), None
    while time.monotonic() < deadline and time.monotonic() - stable_since < 1.0:
        now = {u: sorted(maildir_files(t, u)) for u in USERS}
        if now != last:
            stable_since, last = time.monotonic(), now
        time.sleep(0.1)
    seen = read_maildirs(t)
    for u in USERS:
        dups = {m: n for m, n in seen[u].items() if n > 1}
        assert not dups, "%s; duplicates in %s: %s" % (info, u, dups)
        # a delivered message was at least sent to this user (nothing invented or misrouted)
        for m in seen[u]:
            k, i = (int(x) for x in m.split("-")[1:])
            assert "%s@test.example" % u in crash_rcpts(k, i), m
        refused_but_delivered = set(seen[u]) & set(never)
        assert not refused_but_delivered, "%s; refused yet delivered: %s" % (info, refused_but_delivered)
        tmp = set(maildir_files(t, u, "tmp"))
        assert not tmp & set(maildir_files(t, u, "new")), "%s: %s tmp/ also in new/" % (info, u)
        assert maildir_files(t, u, "cur") == []

    # the restarted daemon takes new mail, with fresh queue ids
    with smtplib.SMTP("127.0.0.1", t.port, local_hostname="crash.example", timeout=10) as s:
        for i in range(5):
            s.sendmail("sender@test.example", ["alice@test.example"], crash_body("after-0-%d" % i))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        after = {m for m in read_maildirs(t)["alice"] if m.startswith("after-")}
        if len(after) == 5:
            break
        time.sleep(0.05)
    assert len(after) == 5
    assert all(n == 1 for n in read_maildirs(t)["alice"].values())


@pytest.mark.parametrize("point", ["early", "middle", "late"])
def test_kill9_every_acknowledged_message_delivered_once(make_ternd, point):
    nclients, per_client = 8, 85  # 680 messages a run, about 2000 for the three runs
    total = nclients * per_client
    kill_after = {"early": 25, "middle": total // 2, "late": total - 20}[point] + random.randint(0, 15)
    t = make_ternd()
    acked = run_clients(t, nclients, per_client, kill_after, point)
    info = "kill point %s: after %d acks (aimed at %d)" % (point, len(acked), kill_after)
    assert len(acked) >= min(kill_after, 20), info
    check_recovered(t, acked, info)


def test_kill9_across_segment_rolls(make_ternd):
    """64 KiB segments: a few hundred messages fill dozens of them (each prepared ahead by
    the preparer thread, rolled under load), the daemon is killed mid-way; recovery reads
    them all, and once everything is delivered the finished segments are removed."""
    t = make_ternd(conf={"spool_segment_size": "65536"})
    acked = run_clients(t, 8, 85, 400, "roll")
    assert len(acked) >= 300
    check_recovered(t, acked, "segment rolls")
    seg = os.path.join(t.spool, "seg")
    deadline = time.monotonic() + 10
    while len(os.listdir(seg)) > 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(os.listdir(seg)) <= 3, sorted(os.listdir(seg))


def test_pipelined_commits_across_segment_rolls(make_ternd):
    """Pipelining clients commit their next message while the previous 250 is being given,
    which is when a full segment is rolled: with 64 KiB segments, every 250 must still be
    on disk (kill -9 right after the last one, then recovery delivers each exactly once)."""
    t = make_ternd(conf={"spool_segment_size": "65536"})
    acked = {}
    lock = threading.Lock()

    def worker(k):
        c = socket.create_connection(("127.0.0.1", t.port), timeout=20)
        f = c.makefile("rb")
        f.readline()
        c.sendall(b"EHLO crash.example\r\n")
        while not f.readline().startswith(b"250 "):
            pass
        ids = ["pipe-%d-%d" % (k, i) for i in range(60)]
        burst = b"".join(b"MAIL FROM:<sender@test.example>\r\nRCPT TO:<%s@test.example>\r\nDATA\r\n"
                         % USERS[(k + i) % 3].encode() + crash_body(m) + b".\r\n"
                         for i, m in enumerate(ids))
        c.sendall(burst)
        for i, m in enumerate(ids):
            codes = [int(f.readline()[:3]) for _ in range(4)]  # MAIL, RCPT, DATA, end of data
            assert codes == [250, 250, 354, 250], (m, codes)
            with lock:
                acked[m] = ["%s@test.example" % USERS[(k + i) % 3]]
        c.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert len(acked) == 360
    t.kill9()
    check_recovered(t, acked, "pipelined segment rolls")


# Crash points inside the commit and the delivery (src/lib/fault.h, docs/queue-format.md):
# the daemon SIGKILLs itself at the n-th pass through the named step.
CRASH_POINTS = [
    "commit-written:30",     # message appended to the segment, not yet synced: no 250 sent
    "commit-synced:30",      # fdatasync returned, the 250s not yet sent
    "maildir-written:3",     # a batch written to tmp/, not synced
    "maildir-synced:3",      # synced, not renamed into new/
    "maildir-renamed:3",     # renamed into new/, directory not synced
    "maildir-dirsynced:3",   # durable in new/, not yet recorded as delivered
    "state-written:60",      # delivered record appended, not yet synced
]


@pytest.mark.parametrize("fault", CRASH_POINTS)
def test_crash_between_commit_steps(make_ternd, fault):
    """kill -9 at each step of the commit and of the Maildir delivery: whatever got a 250 is
    delivered exactly once after the restart, and no partial file appears."""
    t = make_ternd(start=False)
    t.start(env={"TERN_FAULT": fault})
    acked = run_clients(t, 6, 60, 10 ** 9, "crash", wait_crash=True)
    info = "crash point %s: %d acks" % (fault, len(acked))
    assert t.crashed_itself, "%s: the crash point was never reached" % info
    assert t.proc.returncode == -9, info
    check_recovered(t, acked, info)


def test_failed_sync_refuses_and_never_delivers(make_ternd):
    """A failed fdatasync (injected EIO on the first one): the messages it covered get 451
    4.3.0, are cut from the spool and never delivered, not even after a restart; messages
    written behind them during the failed sync are written again and acknowledged."""
    t = make_ternd(start=False)
    t.start(env={"TERN_FAULT": "sync-fail:1"})
    refused = {}
    acked = run_clients(t, 8, 1, 10 ** 9, "syncfail", refused=refused)
    # run_clients returns when every client is done (one message each)
    assert refused, "no message was refused: %s" % t.log_text()[-2000:]
    for msgid, (code, text) in refused.items():
        assert code == 451 and text.startswith(b"4.3.0"), (msgid, code, text)
    assert len(acked) + len(refused) == 8
    assert t.wait_log(r"spool-sync-failed")
    check_recovered(t, acked, "sync-fail", never=set(refused))


# --- a full spool ---------------------------------------------------------------------------

def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path],
                       capture_output=True, timeout=20)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs: %s" % r.stderr.decode(errors="replace").strip())


def umount(path):
    subprocess.run(["umount", path], capture_output=True, timeout=20)


def fill(path):
    """Write a file until the file system is full (ENOSPC)."""
    with open(path, "wb", buffering=0) as f:  # unbuffered: close() must not write again
        chunk = b"\0" * 65536
        try:
            for _ in range(100000):
                f.write(chunk)
        except OSError as e:
            assert e.errno == errno.ENOSPC
            return
    raise AssertionError("the file system never filled")


def test_spool_full_452_and_recovery(make_ternd, raw_to):
    t = make_ternd(start=False, conf={"spool_min_free": "0"})
    mount_tmpfs(t.spool, "2m")
    try:
        t.start()
        c = ready(raw_to(t))
        first = b"Subject: before\r\n\r\nqueued before the disk filled\r\n"
        send_raw(c, ["alice@test.example"], first)
        assert len(t.wait_messages("alice", 1)) == 1
        filler = os.path.join(t.spool, "filler")
        fill(filler)
        # larger than any partly used page of the segment: the write must hit ENOSPC
        big = b"Subject: full\r\n\r\n" + (b"f" * 998 + b"\r\n") * 64
        c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
        c.expect_cmd("RCPT TO:<bob@test.example>", 250, "2.1.5")
        c.expect_cmd("DATA", 354)
        c.send(big + b".\r\n")
        c.expect(452, "4.3.1")
        assert t.wait_log(r"spool-write-failed .*No space left on device")
        # what was queued before is not lost; the refused message is never delivered
        msgs = t.messages("alice")
        assert len(msgs) == 1 and msgs[0].endswith(first)
        # the session goes on; room again: the next message is taken and delivered
        os.unlink(filler)
        after = b"Subject: after\r\n\r\nqueued after the disk was freed\r\n"
        send_raw(c, ["alice@test.example"], after)
        msgs = t.wait_messages("alice", 2)
        assert len(msgs) == 2 and any(m.endswith(after) for m in msgs)
        c.expect_cmd("QUIT", 221, "2.0.0")
        # the failed write left no torn record behind: a restart recovers cleanly, no duplicates
        assert t.stop() == 0
        t.start()
        assert t.wait_log(r"recovered messages=", count=2)
        time.sleep(1.0)
        assert "recover-torn-tail" not in t.log_text()
        msgs = t.messages("alice")
        assert len(msgs) == 2
        assert t.messages("bob") == []
    finally:
        t.stop()
        umount(t.spool)


def test_spool_min_free_tmpfs(make_ternd, raw_to):
    t = make_ternd(start=False, conf={"spool_min_free": "4m"})
    mount_tmpfs(t.spool, "2m")
    try:
        t.start()
        c = ready(raw_to(t))
        c.expect_cmd("MAIL FROM:<sender@test.example>", 452, "4.3.1")
        c.expect_cmd("MAIL FROM:<>", 452, "4.3.1")
        # 452 4.3.x is our trouble, not the client's error: no 421 after many of them
        for _ in range(25):
            c.expect_cmd("MAIL FROM:<sender@test.example>", 452, "4.3.1")
        # lower the threshold (SIGHUP): mail is taken again once the cached check expires
        t.write_conf(spool_min_free="1m")
        t.proc.send_signal(signal.SIGHUP)
        assert t.wait_log(r"reload ok")
        time.sleep(1.2)
        c2 = ready(raw_to(t))
        send_raw(c2, ["alice@test.example"], b"Subject: room\r\n\r\nroom\r\n")
        assert len(t.wait_messages("alice", 1)) == 1
    finally:
        t.stop()
        umount(t.spool)


def test_spool_min_free_above_free_space(make_ternd, raw_to):
    """The same gate without root: more than any disk has."""
    t = make_ternd(conf={"spool_min_free": str(2 ** 62)})
    c = ready(raw_to(t))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 452, "4.3.1")


# --- a Maildir that cannot be written ---------------------------------------------------------

def test_unwritable_maildir_deferred_then_delivered(ternd, raw):
    # a FILE where alice's Maildir directory should be: fails even for root
    blocker = ternd.maildir("alice")
    os.makedirs(os.path.dirname(blocker))
    ternd.give(os.path.dirname(blocker))  # ternd runs as "tern": bob's Maildir goes there too
    with open(blocker, "w") as f:
        f.write("not a directory\n")
    c = ready(raw())
    body = b"Subject: deferred\r\n\r\nretry me\r\n"
    qid = send_raw(c, ["alice@test.example", "bob@test.example"], body)
    deferred = ternd.wait_log(r"deferred qid=%s rcpt=alice@test.example" % qid)
    assert deferred, ternd.log_text()[-2000:]
    assert re.search(r"\b4\.3\.0\b", deferred[0])
    # bob is not held up by alice
    assert len(ternd.wait_messages("bob", 1)) == 1
    assert os.path.isfile(blocker)
    # fix it: the retry (retry_min=1, doubling) delivers it
    os.unlink(blocker)
    msgs = ternd.wait_messages("alice", 1, timeout=20)
    assert len(msgs) == 1 and msgs[0].endswith(body)
    assert ternd.wait_log(r"delivered qid=%s rcpt=alice@test.example" % qid)
    assert ternd.wait_log(r"removed qid=%s" % qid)
    # each exactly once
    time.sleep(1.5)
    assert len(ternd.messages("alice")) == 1
    assert len(ternd.messages("bob")) == 1


def test_mailbox_quota_552_at_rcpt(make_ternd, raw_to):
    """mailbox_quota: a mailbox already at its quota gets 552 5.2.2 at RCPT; other
    recipients of the same transaction are still accepted, and the message reaches them."""
    t = make_ternd(conf={"mailbox_quota": "2000"})
    c = ready(raw_to(t))
    send_raw(c, ["alice@test.example"], b"Subject: big\r\n\r\n" + b"x" * 3000 + b"\r\n")
    assert len(t.wait_messages("alice", 1)) == 1
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    code, lines = c.cmd("RCPT TO:<alice@test.example>")
    assert code == 552 and lines[0].startswith("552 5.2.2 "), lines
    assert "alice@test.example" in lines[0]
    c.expect_cmd("RCPT TO:<bob@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    c.send(b"Subject: small\r\n\r\nhello\r\n.\r\n")
    code, lines = c.reply()
    assert code == 250
    assert len(t.wait_messages("bob", 1)) == 1
    assert len(t.messages("alice")) == 1


# --- deliveries held back while mail arrives, but never for long (issue 7) -----------------

def test_continuous_stream_does_not_starve_delivery(ternd):
    """The worker holds deliveries back while messages keep arriving (10 ms of quiet starts
    a batch), but never longer than a second for the oldest: a client that pipelines without
    pause sees its first messages in the Maildir while it is still sending (within 5 s, for
    slow machines; with no bound, a quiet machine went 20 s without a delivery)."""
    body = b"Subject: stream\r\n\r\nstream\r\n"
    delivered_while_sending = False
    sent = 0
    with smtplib.SMTP("127.0.0.1", ternd.port, timeout=30) as s:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            s.sendmail("sender@test.example", ["alice@test.example"], body)
            sent += 1
            if ternd.messages("alice"):
                delivered_while_sending = True
                break
    assert delivered_while_sending, "nothing delivered during 5 s of sending (%d messages)" % sent
    assert len(ternd.wait_messages("alice", sent)) == sent
