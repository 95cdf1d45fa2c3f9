/* event.c - epoll event loop with a binary min-heap of timers (see event.h).
 * No untrusted input. A registration carries a generation number so that an event for a
 * descriptor closed and reused within one epoll_wait batch is not delivered to the new owner. */
#include "lib/event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

struct event_slot {
	event_fd_cb cb;
	void *arg;
	uint32_t gen;
};

struct event_loop {
	int epfd;
	bool running;
	uint64_t now;
	struct event_slot *slots;
	size_t nslots;
	struct event_timer **heap;
	size_t heap_len, heap_cap;
};

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct event_loop *event_loop_new(void)
{
	struct event_loop *loop = xcalloc(1, sizeof(*loop));
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	loop->now = monotonic_ms();
	return loop;
}

void event_loop_free(struct event_loop *loop)
{
	if (loop == NULL)
		return;
	close(loop->epfd);
	free(loop->slots);
	free(loop->heap);
	free(loop);
}

uint64_t event_now_ms(struct event_loop *loop) { return loop->now; }

static struct event_slot *slot_for(struct event_loop *loop, int fd)
{
	if ((size_t)fd >= loop->nslots) {
		size_t n = loop->nslots ? loop->nslots : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct event_slot *s = realloc(loop->slots, n * sizeof(*s));
		if (s == NULL)
			die_oom();
		memset(s + loop->nslots, 0, (n - loop->nslots) * sizeof(*s));
		loop->slots = s;
		loop->nslots = n;
	}
	return &loop->slots[fd];
}

static uint32_t epoll_mask(unsigned mask)
{
	uint32_t m = 0;
	if (mask & EV_READ)
		m |= EPOLLIN | EPOLLRDHUP;
	if (mask & EV_WRITE)
		m |= EPOLLOUT;
	return m;
}

static int register_fd(struct event_loop *loop, int op, int fd, unsigned mask, event_fd_cb cb, void *arg)
{
	struct event_slot *s = slot_for(loop, fd);
	if (op == EPOLL_CTL_ADD)
		s->gen++;
	s->cb = cb;
	s->arg = arg;
	struct epoll_event ev = {.events = epoll_mask(mask), .data.u64 = ((uint64_t)s->gen << 32) | (uint32_t)fd};
	return epoll_ctl(loop->epfd, op, fd, &ev);
}

int event_add(struct event_loop *loop, int fd, unsigned mask, event_fd_cb cb, void *arg)
{
	return register_fd(loop, EPOLL_CTL_ADD, fd, mask, cb, arg);
}

int event_modify(struct event_loop *loop, int fd, unsigned mask, event_fd_cb cb, void *arg)
{
	return register_fd(loop, EPOLL_CTL_MOD, fd, mask, cb, arg);
}

void event_del(struct event_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nslots)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->slots[fd].cb = NULL;
	loop->slots[fd].arg = NULL;
	loop->slots[fd].gen++;
}

/* --- timers: min-heap ordered by due time --- */

void event_timer_init(struct event_timer *t, event_timer_cb cb, void *arg)
{
	t->due_ms = 0;
	t->index = -1;
	t->cb = cb;
	t->arg = arg;
}

static void heap_swap(struct event_loop *loop, size_t a, size_t b)
{
	struct event_timer *t = loop->heap[a];
	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->index = (long)a;
	loop->heap[b]->index = (long)b;
}

static void heap_up(struct event_loop *loop, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (loop->heap[parent]->due_ms <= loop->heap[i]->due_ms)
			break;
		heap_swap(loop, i, parent);
		i = parent;
	}
}

static void heap_down(struct event_loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < loop->heap_len && loop->heap[l]->due_ms < loop->heap[m]->due_ms)
			m = l;
		if (r < loop->heap_len && loop->heap[r]->due_ms < loop->heap[m]->due_ms)
			m = r;
		if (m == i)
			return;
		heap_swap(loop, i, m);
		i = m;
	}
}

void event_timer_cancel(struct event_loop *loop, struct event_timer *t)
{
	if (t->index < 0)
		return;
	size_t i = (size_t)t->index;
	size_t last = loop->heap_len - 1;
	if (i != last) {
		heap_swap(loop, i, last);
		loop->heap_len--;
		heap_down(loop, i);
		heap_up(loop, i);
	} else {
		loop->heap_len--;
	}
	t->index = -1;
}

void event_timer_set(struct event_loop *loop, struct event_timer *t, uint64_t delay_ms)
{
	event_timer_cancel(loop, t);
	if (loop->heap_len == loop->heap_cap) {
		size_t n = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct event_timer **h = realloc(loop->heap, n * sizeof(*h));
		if (h == NULL)
			die_oom();
		loop->heap = h;
		loop->heap_cap = n;
	}
	t->due_ms = monotonic_ms() + delay_ms;
	t->index = (long)loop->heap_len;
	loop->heap[loop->heap_len++] = t;
	heap_up(loop, (size_t)t->index);
}

static void run_due_timers(struct event_loop *loop)
{
	while (loop->heap_len > 0 && loop->heap[0]->due_ms <= loop->now) {
		struct event_timer *t = loop->heap[0];
		event_timer_cancel(loop, t);
		t->cb(t->arg);
	}
}

static int next_timeout(struct event_loop *loop)
{
	if (loop->heap_len == 0)
		return -1;
	uint64_t due = loop->heap[0]->due_ms;
	if (due <= loop->now)
		return 0;
	uint64_t d = due - loop->now;
	return d > 60000 ? 60000 : (int)d;
}

void event_loop_stop(struct event_loop *loop) { loop->running = false; }

int event_loop_run(struct event_loop *loop)
{
	struct epoll_event evs[256];
	loop->running = true;
	while (loop->running) {
		int n = epoll_wait(loop->epfd, evs, (int)ARRAY_LEN(evs), next_timeout(loop));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		loop->now = monotonic_ms();
		for (int i = 0; i < n; i++) {
			int fd = (int)(uint32_t)evs[i].data.u64;
			uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
			if ((size_t)fd >= loop->nslots)
				continue;
			struct event_slot *s = &loop->slots[fd];
			if (s->cb == NULL || s->gen != gen)
				continue; /* closed (and maybe reused) earlier in this batch */
			unsigned mask = 0;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				mask |= EV_READ;
			if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
				mask |= EV_WRITE;
			s->cb(s->arg, mask);
		}
		run_due_timers(loop);
	}
	return 0;
}
