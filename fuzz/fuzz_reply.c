/* fuzz_reply.c - libFuzzer target for explain_reply, explain_code, explain_enhanced_only and
 * patterns_match: untrusted bytes, unterminated; aborts when an invariant of the explanation
 * breaks. RFC 5321 4.2, RFC 2034, RFC 3463. Built by scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/explain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_reply: invariant broken: %s\n", what);
		abort();
	}
}

static int terminated(const char *s, size_t size) { return memchr(s, '\0', size) != NULL; }

static void check_explanation(const struct explanation *e)
{
	int first = e->code ? e->code / 100 : e->enh_class;
	check(first >= 2 && first <= 5, "class digit 2..5");
	check(e->code == 0 || (e->code >= 200 && e->code <= 559 && (e->code / 10) % 10 <= 5), "code per RFC 5321 4.2");
	check(e->klass && strcmp(e->klass, codes_class_name(first)) == 0, "class name matches the digit");
	check(e->sent == (first == 2), "sent only on success");
	check(e->retry == (first == 4), "retry only on transient failure");
	check((e->retry_when != NULL) == e->retry, "retry_when iff retry");
	check(e->reason && codes_reason(e->reason) != NULL, "reason is a known keyword");
	check(e->meaning && e->meaning[0] && e->advice && e->advice[0] && e->admin && e->summary, "words present");
	check(terminated(e->enhanced, sizeof(e->enhanced)), "enhanced terminated");
	if (e->enhanced[0]) {
		int c, s, d;
		size_t len = strlen(e->enhanced);
		check(explain_parse_enhanced(e->enhanced, len, &c, &s, &d) == (int)len, "enhanced code well-formed");
		check(c == e->enh_class && s == e->enh_subject && d == e->enh_detail, "enhanced parts agree");
	} else {
		check(e->enh_class == -1, "no enhanced code, no class");
	}
	check(terminated(e->text, sizeof(e->text)), "text terminated");
	for (const unsigned char *p = (const unsigned char *)e->text; *p; p++)
		check(*p >= 0x20 && *p != 0x7f, "text has no control characters");
	check(e->text[0] != ' ', "text trimmed");
	check(e->nnotes <= EXPLAIN_NOTES_MAX, "notes bounded");
	for (size_t i = 0; i < e->nnotes; i++)
		check(terminated(e->notes[i], EXPLAIN_NOTE_MAX) && e->notes[i][0], "note terminated");
	if (strcmp(e->reason, "ok") == 0)
		check(first == 2, "ok only on success");
	char line[512];
	size_t n = explain_oneline(e, line, sizeof(line));
	check(n < sizeof(line) && strlen(line) == n, "one line fits");
	check(strpbrk(line, "\r\n") == NULL, "one line has no CR/LF");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct explanation e;
	int rc = explain_reply(s, size, &e);
	check(rc == 0 || rc == -1, "explain_reply returns 0 or -1");
	if (rc == 0) {
		check_explanation(&e);
		check(e.nlines > 0, "at least one line");
		/* the same code and enhanced code given in parts explain the same way */
		struct explanation again;
		check(explain_code(e.code, e.enhanced, e.text, &again) == 0, "parts explain again");
		check(strcmp(again.reason, e.reason) == 0 && again.klass == e.klass, "same reason from parts");
		char lines[12][EXPLAIN_HELP_LINE_MAX + 1];
		size_t n = explain_help_lines(e.code, lines, 12);
		check(n <= 12 && (n > 0) == (e.basic != NULL), "help lines for known codes");
	}
	/* the first bytes as an enhanced code alone, and the whole input as a phrase */
	char word[16];
	size_t w = size < sizeof(word) - 1 ? size : sizeof(word) - 1;
	memcpy(word, s, w);
	word[w] = '\0';
	if (explain_enhanced_only(word, &e) == 0) {
		check_explanation(&e);
		check(explain_known(0, word) == (e.entry != NULL), "known iff registered");
	}
	for (int klass = 2; klass <= 5; klass++) {
		const struct patterns_row *p = patterns_match(s, size, klass);
		check(p == NULL || klass == 4 || klass == 5, "no phrase on success or intermediate");
		check(p == NULL || p->klass == 0 || p->klass == klass, "phrase class respected");
	}
	return 0;
}
