"""Issue 5, seeing the queue: `tern queue` (list, show, flush, delete, hold, release) and
`mailq`, against a running ternd and a stopped one. Listings read the spool read-only;
changes go through ternd's control socket."""
import os
import re
import subprocess
import time

from conftest import TERN
from test_bounce import block_maildir
from test_queue import ready, send_raw


def tern_queue(t, *args, prog=None):
    argv = [prog or TERN] + ([] if prog else ["queue"]) + ["-c", t.conf_path] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=20)


def deferred_message(t, raw_to):
    """One message to alice (Maildir blocked: deferred) and bob (delivered); returns its id."""
    blocker = block_maildir(t, "alice")
    c = ready(raw_to(t))
    qid = send_raw(c, ["alice@test.example", "bob@test.example"], b"Subject: q\r\n\r\nqueued\r\n")
    assert t.wait_log(r"deferred qid=%s rcpt=alice" % qid)
    assert len(t.wait_messages("bob", 1)) == 1
    return qid, blocker


def test_empty_queue(ternd):
    r = tern_queue(ternd)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Mail queue is empty\n"


def test_list_and_show_a_deferred_message(make_ternd, raw_to):
    t = make_ternd(conf={"retry_min": "60"})
    qid, _ = deferred_message(t, raw_to)
    r = tern_queue(t)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("-Queue ID-")
    assert re.match(r"%s  +\d+ .* sender@test\.example$" % qid, lines[1]), lines[1]
    assert "alice@test.example (pending, 1 attempt)" in r.stdout
    assert "bob@test.example (delivered, 1 attempt)" in r.stdout
    assert re.search(r"^ +451 4\.3\.0 creating Maildir", r.stdout, re.M)
    assert lines[-1] == "-- 1 Kbytes in 1 Request."
    r = tern_queue(t, "show", qid)
    assert r.returncode == 0, r.stderr
    assert "Queue ID:  %s\n" % qid in r.stdout
    assert "Sender:    <sender@test.example>" in r.stdout
    assert "alice@test.example  pending after 1 attempt" in r.stdout
    hist = r.stdout.split("Attempts:\n")[1]
    assert re.search(r"alice@test\.example  deferred\n    reply:   451 4\.3\.0 ", hist)
    assert "meaning: transient failure" in hist
    assert re.search(r"bob@test\.example  delivered\n", hist)
    # an unknown id
    r = tern_queue(t, "show", "0000000000BB")
    assert r.returncode == 1 and "no such message" in r.stderr


def test_hold_release_and_flush(make_ternd, raw_to):
    """A held message is not delivered even when it could be; release + flush delivers it at
    once (retry_min is 60 s, so only the flush can explain a prompt delivery)."""
    t = make_ternd(conf={"retry_min": "60"})
    qid, blocker = deferred_message(t, raw_to)
    r = tern_queue(t, "hold", qid)
    assert r.returncode == 0 and r.stdout == "%s held\n" % qid, (r.stdout, r.stderr)
    assert re.search(r"^%s! " % qid, tern_queue(t).stdout, re.M)
    os.unlink(blocker)
    r = tern_queue(t, "flush", qid)
    assert r.returncode == 0, r.stderr
    time.sleep(1.5)
    assert t.messages("alice") == []  # held: the flush does not deliver it
    r = tern_queue(t, "release", qid)
    assert r.returncode == 0 and r.stdout == "%s released\n" % qid
    r = tern_queue(t, "flush")
    assert r.returncode == 0 and re.match(r"\d+ messages? scheduled for delivery now\n", r.stdout), r.stdout
    assert len(t.wait_messages("alice", 1, timeout=10)) == 1
    assert t.wait_log(r"removed qid=%s" % qid)
    assert tern_queue(t).stdout == "Mail queue is empty\n"


def test_hold_survives_restart(make_ternd, raw_to):
    t = make_ternd(conf={"retry_min": "1"})
    qid, blocker = deferred_message(t, raw_to)
    assert tern_queue(t, "hold", qid).returncode == 0
    time.sleep(0.3)  # the HOLD record is synced with the next batch
    t.kill9()
    os.unlink(blocker)
    t.start()
    time.sleep(2.5)
    assert t.messages("alice") == []
    assert re.search(r"^%s! " % qid, tern_queue(t).stdout, re.M)


def test_delete_is_durable_and_sends_no_bounce(make_ternd, raw_to):
    t = make_ternd(conf={"retry_min": "1"})
    qid, blocker = deferred_message(t, raw_to)
    r = tern_queue(t, "delete", qid)
    assert r.returncode == 0 and r.stdout == "%s deleted\n" % qid, (r.stdout, r.stderr)
    assert tern_queue(t).stdout == "Mail queue is empty\n"
    r = tern_queue(t, "delete", qid)
    assert r.returncode == 1 and "no such message" in r.stderr
    time.sleep(0.3)
    t.kill9()
    os.unlink(blocker)
    t.start()
    time.sleep(2.0)
    assert t.messages("alice") == []
    assert t.messages("sender") == []  # deleting is not bouncing
    assert tern_queue(t).stdout == "Mail queue is empty\n"


def test_listing_without_ternd_and_changes_need_it(make_ternd, raw_to, tmp_path):
    t = make_ternd(conf={"retry_min": "60"})
    qid, _ = deferred_message(t, raw_to)
    t.stop()
    r = tern_queue(t)
    assert r.returncode == 0 and qid in r.stdout
    r = tern_queue(t, "flush")
    assert r.returncode == 1 and "ternd is not running" in r.stderr
    # mailq: the same listing under sendmail's name, with sendmail's flags ignored
    link = tmp_path / "mailq"
    os.symlink(TERN, link)
    r = subprocess.run([str(link), "-v"], capture_output=True, text=True, timeout=20,
                       env=dict(os.environ, TERN_CONFIG=t.conf_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout == tern_queue(t).stdout


def test_usage_errors(ternd):
    for args in (["show"], ["delete"], ["frobnicate"], ["hold", "a", "b"]):
        r = tern_queue(ternd, *args)
        assert r.returncode == 2 and "usage: tern queue" in r.stderr, (args, r.stderr)
