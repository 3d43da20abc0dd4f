/**
 * Sleeping and waking: wait queues, and how a thread blocked in a system call parks until an event
 * or a timeout, in real or virtual time. Linux: {@code include/linux/wait.h},
 * {@code kernel/sched/wait.c}, {@code kernel/time/timer.c schedule_timeout()}.
 */
package dev.packetflow.kernel.sched;
