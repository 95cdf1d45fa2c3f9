/* event.h - the event loop: epoll for file descriptors, a min-heap of timers.
 * One loop per process (architecture.md); callbacks run on the loop thread only.
 * Other threads wake the loop through an eventfd they register as an ordinary fd. */
#ifndef TERN_EVENT_H
#define TERN_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#define EV_READ 1u
#define EV_WRITE 2u

struct event_loop;
typedef void (*event_fd_cb)(void *arg, unsigned events);
typedef void (*event_timer_cb)(void *arg);

/* A timer handle lives inside its owner's struct; index is its heap slot (-1 = idle). */
struct event_timer {
	uint64_t due_ms;
	long index;
	event_timer_cb cb;
	void *arg;
};

struct event_loop *event_loop_new(void);
void event_loop_free(struct event_loop *loop);
/* Register fd with interest mask; the same (cb, arg) get every event. */
int event_add(struct event_loop *loop, int fd, unsigned mask, event_fd_cb cb, void *arg);
int event_modify(struct event_loop *loop, int fd, unsigned mask, event_fd_cb cb, void *arg);
void event_del(struct event_loop *loop, int fd);

void event_timer_init(struct event_timer *t, event_timer_cb cb, void *arg);
void event_timer_set(struct event_loop *loop, struct event_timer *t, uint64_t delay_ms);
void event_timer_cancel(struct event_loop *loop, struct event_timer *t);

/* Run until event_loop_stop(). Returns 0, or -1 if epoll fails. */
int event_loop_run(struct event_loop *loop);
void event_loop_stop(struct event_loop *loop);
uint64_t event_now_ms(struct event_loop *loop);

#endif
