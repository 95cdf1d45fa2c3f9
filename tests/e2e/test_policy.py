"""Issue 2/3, recipient policy: local users, relay refusal (and the old routing tricks that
must never open a relay), postmaster, aliases, case and quoting of local parts."""
import os

import pytest

BODY = b"Subject: policy\r\n\r\nhello\r\n"


def ready(c):
    c.greet()
    return c


def send_body(c, body=BODY):
    """DATA was accepted (354 already read); send the body and return the 250 text."""
    c.send(body + b".\r\n")
    return c.expect(250, "2.0.0")


def all_mail_files(t):
    """Every file under the Maildir tree of this daemon."""
    out = []
    for root, _, files in os.walk(t.mail):
        out += [os.path.join(root, f) for f in files]
    return out


def test_local_user_accepted(raw):
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("RCPT TO:<bob@other.example>", 550, "5.1.1")  # other.example is local, bob is not there
    c.expect_cmd("RCPT TO:<nobody@test.example>", 550, "5.1.1")


def test_unknown_local_user(raw):
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    text = c.expect_cmd("RCPT TO:<nobody@test.example>", 550, "5.1.1")
    assert "nobody@test.example" in text[0]


def test_foreign_domain_relay_denied(raw):
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<bob@example.org>", 550, "5.7.1")
    # a local domain as a suffix of a foreign one is still foreign
    c.expect_cmd("RCPT TO:<bob@nottest.example>", 550, "5.7.1")
    c.expect_cmd("RCPT TO:<bob@test.example.org>", 550, "5.7.1")


TRICKS = [
    "bob%example.org@test.example",
    "example.org!bob@test.example",
    '"bob@example.org"@test.example',
    "bob@[127.0.0.1]",
    '"bob%example.org"@test.example',
    "bob%example.org@TEST.EXAMPLE",
    "bob@[IPv6:::1]",
]


@pytest.mark.parametrize("users", [None, False], ids=["users-file", "no-users-file"])
def test_routing_tricks_never_accepted(make_ternd, raw_to, users):
    """Routing tricks to a local domain are refused with 550 5.7.1, also when there is no
    users file (where every plain local part is a mailbox); a message is never queued."""
    t = make_ternd(users=users)
    c = ready(raw_to(t))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    for addr in TRICKS:
        c.expect_cmd("RCPT TO:<%s>" % addr, 550, "5.7.1")
    c.expect_cmd("DATA", 554, "5.5.1")
    c.expect_cmd("QUIT", 221, "2.0.0")
    assert all_mail_files(t) == []


def test_no_users_file_accepts_any_plain_local_part(make_ternd, raw_to):
    """The control for the test above: without a users file a plain local part is accepted,
    so the 5.7.1 above is the trick being refused, not the user being unknown."""
    t = make_ternd(users=False)
    c = ready(raw_to(t))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<bob@test.example>", 250, "2.1.5")


@pytest.mark.parametrize("rcpt", ["<postmaster>", "<POSTMASTER>", "<PostMaster@test.example>",
                                  "<postmaster@other.example>", "<postmaster@TEST.EXAMPLE>"])
def test_postmaster_always_accepted(raw, rcpt):
    """RFC 5321 4.5.1: postmaster is not in the users file but is always accepted."""
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:%s" % rcpt, 250, "2.1.5")


def test_postmaster_of_foreign_domain_is_relay(raw):
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<postmaster@example.org>", 550, "5.7.1")


def test_postmaster_gets_the_message(ternd, raw):
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<Postmaster>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    send_body(c)
    msgs = ternd.wait_messages("postmaster", 1)
    assert len(msgs) == 1
    assert msgs[0].startswith(b"Return-Path: <>\r\n")
    assert msgs[0].endswith(BODY)


def test_null_sender_accepted(ternd, raw):
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    send_body(c)
    msgs = ternd.wait_messages("alice", 1)
    assert len(msgs) == 1 and msgs[0].startswith(b"Return-Path: <>\r\n")


# --- aliases ------------------------------------------------------------------------------

ALIASES = ("sales: alice, bob\n"
           "fwd: someone@example.net\n"
           "old: moved <new@example.net>\n"
           "a: b\n"
           "b: a\n")


@pytest.fixture
def aliased(make_ternd):
    return make_ternd(aliases=ALIASES)


def test_alias_to_two_local_users(aliased, raw_to):
    c = ready(raw_to(aliased))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<sales@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    send_body(c)
    for user in ("alice", "bob"):
        msgs = aliased.wait_messages(user, 1)
        assert len(msgs) == 1, user
        assert msgs[0].endswith(BODY)
    assert aliased.messages("sales") == []


def test_alias_and_member_delivered_once(aliased, raw_to):
    """sales (alice, bob) and alice in one message: alice gets one copy."""
    c = ready(raw_to(aliased))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("RCPT TO:<sales@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    send_body(c)
    assert len(aliased.wait_messages("bob", 1)) == 1
    assert len(aliased.wait_messages("alice", 2, timeout=1)) == 1


def test_alias_forward_251(aliased, raw_to):
    c = ready(raw_to(aliased))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    text = c.expect_cmd("RCPT TO:<fwd@test.example>", 251, "2.1.5")
    assert "someone@example.net" in text[0]


def test_alias_moved_551(aliased, raw_to):
    c = ready(raw_to(aliased))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    text = c.expect_cmd("RCPT TO:<old@test.example>", 551, "5.1.6")
    assert "new@example.net" in text[0]


def test_alias_loop_550_546(aliased, raw_to):
    c = ready(raw_to(aliased))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<a@test.example>", 550, "5.4.6")
    c.expect_cmd("RCPT TO:<b@test.example>", 550, "5.4.6")
    # a refused alias leaves no recipient behind
    c.expect_cmd("DATA", 554, "5.5.1")


# --- case and quoting -----------------------------------------------------------------------

@pytest.mark.parametrize("rcpt", ['"alice"@test.example', "ALICE@TEST.EXAMPLE", "Alice@Test.Example"])
def test_equivalent_forms_reach_alice(ternd, raw, rcpt):
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<%s>" % rcpt, 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    send_body(c)
    msgs = ternd.wait_messages("alice", 1)
    assert len(msgs) == 1 and msgs[0].endswith(BODY)
    # one Maildir for every spelling: no ALICE/ or "alice"/ directory appeared
    assert sorted(os.listdir(os.path.join(ternd.mail, "test.example"))) == ["alice"]


def test_same_recipient_twice_delivered_once(ternd, raw):
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("RCPT TO:<ALICE@test.example>", 250, "2.1.5")
    c.expect_cmd("RCPT TO:<bob@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    send_body(c)
    assert len(ternd.wait_messages("bob", 1)) == 1
    assert len(ternd.wait_messages("alice", 2, timeout=1)) == 1


def test_postmaster_alias(make_ternd, raw_to):
    """postmaster may be an alias like any other name; <postmaster> without a domain uses it."""
    t = make_ternd(aliases="postmaster: carol\n")
    c = ready(raw_to(t))
    c.expect_cmd("MAIL FROM:<>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<postmaster>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    send_body(c)
    msgs = t.wait_messages("carol", 1)
    assert len(msgs) == 1 and msgs[0].endswith(BODY)
    assert t.messages("postmaster") == []


@pytest.mark.parametrize("local", ['"a b"', '"a,b"', '"a..b"'])
def test_quoted_local_part_needing_quotes_is_unknown_user(raw, local):
    """A local part that needs quotes names no mailbox (users and aliases are Dot-strings):
    550 5.1.1 unknown user, not a relay refusal."""
    c = ready(raw())
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<%s@test.example>" % local, 550, "5.1.1")
    c.expect_cmd('RCPT TO:<"alice"@test.example>', 250, "2.1.5")  # needless quotes: alice
