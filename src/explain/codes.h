/* codes.h - the reply knowledge tables: basic codes (RFC 5321 4.2, 3207, 4954, 7504), every
 * code of the IANA enhanced status registry (RFC 3463, 5248 and updates), what each digit says,
 * and the stable reason keywords. Static data only; parses no untrusted input. */
#ifndef TERN_EXPLAIN_CODES_H
#define TERN_EXPLAIN_CODES_H

#include <stdbool.h>
#include <stddef.h>

/* How much an enhanced code says by itself; explain.c uses it to decide whether the basic
 * code, the enhanced code or the reply text has the last word. */
enum codes_strength {
	CODES_WEAK,     /* X.N.0 and the like: names a subject only; a precise basic code wins */
	CODES_GENERIC,  /* a catch-all detail (X.7.1) that receivers use for many causes */
	CODES_SPECIFIC, /* names one cause */
};

/* One stable reason keyword (part of the JSON schema, docs/explain.md) and what to say about it. */
struct codes_reason {
	const char *keyword;
	const char *summary;    /* a short phrase for one-line logs */
	const char *meaning;    /* what happened, in plain words */
	const char *advice;     /* what the person who sent the message should do */
	const char *admin;      /* what the administrator of the mail server should check */
	const char *retry_when; /* when trying again helps (transient replies); NULL: class default */
};

/* A basic reply code (RFC 5321 4.2.2, 4.2.3 and extensions). */
struct codes_basic {
	int code;
	const char *title;   /* the code's standard name, in plain words */
	const char *meaning;
	const char *reason;  /* a codes_reason keyword */
	bool vague;          /* used for many causes: the enhanced code or the text says more */
	const char *advice;  /* NULL: the reason's */
	const char *admin;   /* NULL: the reason's */
	const char *rfc;
};

/* An enumerated enhanced status code X.subject.detail of the IANA registry. */
struct codes_enhanced {
	int subject, detail;
	enum codes_strength strength;
	const char *title;   /* the registry's name, in plain words */
	const char *meaning;
	const char *reason;  /* for failure classes; success classes are always "ok" */
	const char *advice;  /* NULL: the reason's */
	const char *admin;   /* NULL: the reason's */
	const char *rfc;
};

const struct codes_reason *codes_reason(const char *keyword);
size_t codes_reason_count(void);
const struct codes_reason *codes_reason_at(size_t i);

const struct codes_basic *codes_basic(int code);
size_t codes_basic_count(void);
const struct codes_basic *codes_basic_at(size_t i);

/* The registry entry for X.subject.detail, or NULL. Subject-level entries are X.N.0. */
const struct codes_enhanced *codes_enhanced(int subject, int detail);
size_t codes_enhanced_count(void);
const struct codes_enhanced *codes_enhanced_at(size_t i);

/* Digits of a basic code (RFC 5321 4.2.1); NULL for a digit with no meaning. */
const char *codes_first_digit(int digit);
const char *codes_second_digit(int digit);
/* "success", "intermediate", "transient", "permanent" for a first digit 2..5, else NULL. */
const char *codes_class_name(int digit);
/* "success", "intermediate step", "transient failure", "permanent failure". */
const char *codes_class_phrase(int digit);
/* When retrying helps, for a transient reply whose reason gives no better answer. */
const char *codes_retry_default(void);

/* Parts of an enhanced code (RFC 3463 3): class 2, 4, 5; subject 0..7. NULL if unknown. */
const char *codes_enh_class(int cls);
const char *codes_enh_subject(int subject);

#endif
