/* The executor E: runs one program on this machine's kernel, one step per line of stdin.
 *
 * E stays in the initial namespaces (when not root: in a user namespace it makes first, one level
 * below the initial one, mapped to its own uid and gid), is the child subreaper of every task, and never makes a
 * program's syscall itself: it forwards each step to the task that makes it (worker.c), waits until
 * the step's consequences have settled (deaths, vfork releases, reaping), and prints one line:
 *     <outcome> TAB <host clocks before> TAB <host clocks after>
 * The driver (driver.ts) translates programs into these lines and back.
 *
 * Safety: the guard functions below refuse, without making the syscall, every step that could
 * change the host's time or the initial namespaces' state (outcome "refused <hex reason>"), and the
 * seccomp wall installed before the first task exists kills any process that gets past them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
/* Before 6.9 there is no PIDFD_THREAD: a pidfd names a process, opened through its leader. A thread
 * that is not a leader then has PIDFD_NONE, and its death is read from /proc alone. */
#define PIDFD_NONE (-2)
#define PROC_TIME_INIT_INO 0xeffffffaUL
#define PROC_USER_INIT_INO 0xeffffffdUL
#define CAP_SYS_ADMIN_BIT 21
#define CAP_SETFCAP_BIT 31

char executor_path[4096];

enum task_state { UNBORN, RUNNING, BLOCKED, EXITED, GONE };

/* E's view of one task of the program (index = the driver's handle number). */
struct etask {
	enum task_state state;
	int tid;       /* current tid (the tgid after a non-leader exec) */
	int tgid;      /* thread group */
	int pidfd;     /* PIDFD_THREAD pidfd of tid (of the process before 6.9), PIDFD_NONE, -1 when closed */
	int cmd_w;     /* E's end of the command pipe */
	int res_r;     /* E's end of the result pipe */
	int vfork_child; /* while BLOCKED: the child whose exec or exit releases it */
	int execd;     /* exec'd during the current step */
	char buf[LINE_MAX_LEN * 2];
	int blen;
	char reply[LINE_MAX_LEN * 2]; /* last "R ..." line, without the "R " */
	int has_reply;
	int sleeping;  /* in a blocking call that answered "pending": its reply becomes a completion */
	long sleep_nr; /* the syscall it sleeps in, and (for read) its fd */
	long sleep_arg;
	int births;    /* "B" lines received */
	int birth_tid, birth_pid;
};

static struct etask tasks[MAX_TASKS];
static int ntasks;
static pid_t self_pid;
static unsigned long own_time_ino, own_tfc_ino, own_user_ino;

/* An unprivileged start: E (real uid not 0) made its own user namespace, one level below the initial
 * one, before any task, and mapped 0 to its kuid and kgid. Every task starts in it. */
static struct {
	int on;
	uid_t kuid;     /* E's ids as the initial user namespace knows them */
	gid_t kgid;
	int setfcap;    /* E's effective set held CAP_SETFCAP when it made the namespace */
	long maxtime;   /* the initial namespace's max_time_namespaces, read before (E's view changes) */
} userns;

/* uid/gid maps written by map_root, by user-namespace inode: kuid/kgid mapped to 0, or -1. */
struct userns_map {
	unsigned long ino;
	long uid_lower, gid_lower;
};
static struct userns_map maps[MAX_TASKS * 2];
static int nmaps;

/* POSIX timers by the driver's handle number: the kernel's id, the process that owns it, and whether
 * it still names that timer (timer_delete and exec end it). A handle that names nothing here, or a
 * timer of another process, is given to the kernel as -1, an id no timer has: EINVAL. */
#define MAX_TIMERS 1024
struct etimer {
	int kid;
	int tgid;
	int live;
};
static struct etimer timers[MAX_TIMERS];

/* Completions of the current step: "<task>:<reply>" joined by '|'. */
static char completions[LINE_MAX_LEN * 2];
static int ncompletions;

/* fds opened on /proc/PID/timens_offsets for writing: fd number -> pid of the target. */
static int offsets_target[FD_HANDLE_END];

static __attribute__((noreturn)) void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("fatal ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	kill(0, SIGKILL);
	_exit(2);
}

/* The program's time limit (its alarm, or SIGALRM from the driver when its own timer fires): the
 * replies so far are printed first, so that the step that hung is known; then everything is killed.
 * (fflush here is not async-signal-safe; at worst a half-printed line is shown, and the run ends anyway.) */
static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "fatal executor time limit\n";
	fflush(stdout);
	if (write(1, msg, sizeof msg - 1) < 0) {
	}
	kill(0, SIGKILL);
}

/* ---- Host clocks ------------------------------------------------------------------------------- */

struct host {
	long long v[9]; /* realtime monotonic monotonicRaw boottime tai realtimeCoarse monotonicCoarse idle clockTicks */
};

static long long ts_ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* "123.45" (centiseconds) as nanoseconds. */
static long long centis_to_ns(const char *s)
{
	long long whole = strtoll(s, (char **)&s, 10);
	long long frac = 0;
	if (*s == '.') {
		frac = (s[1] - '0') * 10 + (s[2] - '0');
	}
	return whole * 1000000000LL + frac * 10000000LL;
}

/* /proc/uptime, read twice a step: kept open and read from offset 0 (which makes procfs render it
 * afresh), an open and a close less each time. Opened by start_executor, before the first program,
 * so that every program's tasks inherit the same descriptors (O_CLOEXEC: none after an exec). */
static int uptime_fd = -1;

static ssize_t read_uptime(char *buf, size_t cap)
{
	if (uptime_fd >= 0)
		return pread(uptime_fd, buf, cap, 0);
	int fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, cap) : -1;
	if (fd >= 0)
		close(fd);
	return n;
}

static void host_read(struct host *h)
{
	static const clockid_t ids[7] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
					  CLOCK_TAI, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE };
	struct timespec t;
	for (int i = 0; i < 7; i++) {
		clock_gettime(ids[i], &t);
		h->v[i] = ts_ns(&t);
	}
	char buf[128];
	ssize_t n = read_uptime(buf, sizeof buf - 1);
	h->v[7] = 0;
	if (n > 0) {
		buf[n] = 0;
		char *sp = strchr(buf, ' ');
		if (sp)
			h->v[7] = centis_to_ns(sp + 1);
	}
	/* times(NULL): jiffies_64 in clock ticks, which no namespace shifts. */
	h->v[8] = syscall(SYS_times, 0);
}

static void host_print(const struct host *h)
{
	for (int i = 0; i < 9; i++)
		printf("%s%lld", i ? " " : "", h->v[i]);
}

/* ---- Small helpers -------------------------------------------------------------------------------- */

static unsigned long ns_ino(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static unsigned long task_ns_ino(int tid, const char *name)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", tid, name);
	return ns_ino(path);
}

static void hex_encode(char *dst, const char *src, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = d[(unsigned char)src[i] >> 4];
		dst[2 * i + 1] = d[(unsigned char)src[i] & 15];
	}
	dst[2 * n] = 0;
}

static int read_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

/* One field of a "Name:\tA\tB\tC\tD" line of /proc/TID/status. */
static long status_field(int tid, const char *name, int field)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", tid);
	if (read_text(path, buf, sizeof buf) < 0)
		return -1;
	char *p = strstr(buf, name);
	if (!p)
		return -1;
	p += strlen(name);
	long v = -1;
	for (int i = 0; i <= field; i++)
		v = strtol(p, &p, 10);
	return v;
}

/* A hex field of E's /proc/self/status, as read into buf (empty if it could not be read). */
static unsigned long long status_hex_in(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);
	return p ? strtoull(p + strlen(name), NULL, 16) : 0;
}

static unsigned long long status_hex(const char *name)
{
	char buf[4096] = "";
	read_text("/proc/self/status", buf, sizeof buf);
	return status_hex_in(buf, name);
}

/* ---- Messages from tasks ---------------------------------------------------------------------------- */

static void task_take_line(struct etask *t, char *line)
{
	if (line[0] == 'B') {
		t->births++;
		sscanf(line + 2, "%d %d", &t->birth_tid, &t->birth_pid);
	} else if (line[0] == 'R') {
		snprintf(t->reply, sizeof t->reply, "%s", line + 2);
		t->has_reply = 1;
	}
}

/* Reads whatever the tasks have written. Waits at most timeout_ms for the first byte or for a
 * task's pidfd to become readable (a death), but never longer than WAIT_SLICE_NS: some deaths (a
 * thread's release, a leader that becomes a zombie before its threads) wake no pidfd, and the
 * callers re-check those themselves after every call. */
#define WAIT_SLICE_NS 50000L
static void pump(int timeout_ms)
{
	struct pollfd pfd[2 * MAX_TASKS];
	int np = 0;
	for (int i = 0; i < ntasks; i++)
		pfd[np++] = (struct pollfd){ tasks[i].res_r, POLLIN, 0 };
	struct timespec slice = { 0, WAIT_SLICE_NS };
	if (timeout_ms > 0) {
		/* pidfds that are readable already cannot wake us again; leave them out. */
		int first = np;
		for (int i = 0; i < ntasks; i++)
			if (tasks[i].pidfd >= 0 && (tasks[i].state == RUNNING || tasks[i].state == BLOCKED))
				pfd[np++] = (struct pollfd){ tasks[i].pidfd, POLLIN, 0 };
		if (np > first && poll(pfd + first, np - first, 0) > 0) {
			int k = first;
			for (int j = first; j < np; j++)
				if (!pfd[j].revents)
					pfd[k++] = pfd[j];
			np = k;
		}
		if ((long long)timeout_ms * 1000000LL < WAIT_SLICE_NS)
			slice.tv_nsec = (long)timeout_ms * 1000000L;
	} else {
		slice.tv_nsec = 0;
	}
	if (ppoll(pfd, np, &slice, NULL) <= 0)
		return;
	for (int i = 0; i < ntasks; i++) {
		if (!(pfd[i].revents & POLLIN))
			continue;
		struct etask *t = &tasks[i];
		ssize_t n = read(t->res_r, t->buf + t->blen, sizeof t->buf - 1 - t->blen);
		if (n <= 0)
			continue;
		t->blen += (int)n;
		t->buf[t->blen] = 0;
		char *nl;
		while ((nl = memchr(t->buf, '\n', t->blen))) {
			*nl = 0;
			task_take_line(t, t->buf);
			int used = (int)(nl + 1 - t->buf);
			memmove(t->buf, nl + 1, t->blen - used);
			t->blen -= used;
		}
	}
}

/* Exited as far as everyone can tell: a thread-group leader once it is a zombie (exit_state set),
 * any other thread once it has been released (its pid unhashed), because only then does its
 * process become reapable and its children reparented. */
static char proc_state(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof buf) < 0)
		return 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static int task_is_dead(struct etask *t)
{
	/* Without a pidfd of its own, a thread that is not a leader is dead once released: its /proc
	 * entry is gone (what POLLHUP of a PIDFD_THREAD pidfd reports). */
	if (t->pidfd == PIDFD_NONE)
		return proc_state(t->tid) == 0;
	if (t->pidfd < 0)
		return 1;
	struct pollfd p = { t->pidfd, POLLIN, 0 };
	int ready = poll(&p, 1, 0) > 0;
	if (t->tid != t->tgid)
		return ready && (p.revents & POLLHUP);
	if (ready && (p.revents & (POLLIN | POLLHUP)))
		return 1;
	/* A leader that exits before its threads is a zombie that pidfd_poll does not report
	 * (delay_group_leader); /proc shows it. */
	char st = proc_state(t->tid);
	return st == 0 || st == 'Z' || st == 'X';
}

static void task_wait_dead(struct etask *t)
{
	while (!task_is_dead(t))
		pump(1);
	if (t->state == RUNNING || t->state == BLOCKED)
		t->state = EXITED;
}

static void task_born(struct etask *t)
{
	t->tid = t->birth_tid;
	t->tgid = t->birth_pid;
	static int no_pidfd_thread;
	t->pidfd = no_pidfd_thread ? -1 : (int)syscall(SYS_pidfd_open, t->tid, PIDFD_THREAD);
	if (t->pidfd < 0 && (no_pidfd_thread || errno == EINVAL)) {
		/* Before 6.9 (EINVAL for the unknown flag): the process's pidfd for a leader, none for
		 * another thread. A leader's process pidfd reports the whole group's end; a leader that
		 * exited before its threads is seen in /proc (task_is_dead), as with PIDFD_THREAD. */
		no_pidfd_thread = 1;
		t->pidfd = t->tid == t->tgid ? (int)syscall(SYS_pidfd_open, t->tid, 0) : PIDFD_NONE;
	}
	if (t->pidfd < 0 && t->pidfd != PIDFD_NONE)
		fatal("pidfd_open %d: %s", t->tid, strerror(errno));
	if (t->pidfd >= 0)
		fcntl(t->pidfd, F_SETFD, FD_CLOEXEC);
	t->state = RUNNING;
}

static void task_send(struct etask *t, const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof line - 1)
		fatal("command too long");
	line[n++] = '\n';
	t->has_reply = 0;
	if (write(t->cmd_w, line, n) != n)
		fatal("write to task: %s", strerror(errno));
}

/* Waits for the reply of t to the command just sent; 0 if t died first. */
static int task_await_reply(struct etask *t)
{
	/* Waiting comes first: a reply wakes the wait at once, and whether t died (a read of /proc)
	 * is only asked when a wait ended without one. */
	for (;;) {
		if (t->has_reply)
			return 1;
		pump(1);
		if (t->has_reply)
			return 1;
		if (task_is_dead(t)) {
			pump(0);
			return t->has_reply;
		}
	}
}

/* ---- Settling: deaths, vfork releases, reaping -------------------------------------------------- */

static int group_has_live_task(int tgid)
{
	for (int i = 0; i < ntasks; i++)
		if (tasks[i].tgid == tgid && (tasks[i].state == RUNNING || tasks[i].state == BLOCKED))
			return 1;
	return 0;
}

static void group_gone(int tgid)
{
	for (int i = 0; i < ntasks; i++) {
		if (tasks[i].state != UNBORN && tasks[i].tgid == tgid && tasks[i].state != GONE) {
			tasks[i].state = GONE;
			if (tasks[i].pidfd >= 0)
				close(tasks[i].pidfd);
			tasks[i].pidfd = -1;
		}
	}
}

static int ppid_of(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof buf) < 0)
		return -1;
	char *p = strrchr(buf, ')');
	int ppid = -1;
	if (p)
		sscanf(p + 2, "%*c %d", &ppid);
	return ppid;
}

/* Deaths nobody asked for (a process killed by a signal): make them settled too. */
static void settle_unexpected_deaths(void)
{
	for (int i = 0; i < ntasks; i++) {
		struct etask *t = &tasks[i];
		if (t->state != RUNNING && t->state != BLOCKED)
			continue;
		struct pollfd p = { t->pidfd, POLLIN, 0 };
		if (t->pidfd == PIDFD_NONE ? task_is_dead(t) : poll(&p, 1, 0) > 0)
			task_wait_dead(t);
	}
}

/* A process whose parent is E is reaped at once (docs/conventions.md). The process exists until
 * reaped; its parent is read from /proc because reparenting is the kernel's business. */
static int reap_orphans(int *signal_out, int watch_tgid)
{
	int changed = 1, reaped = 0;
	while (changed) {
		changed = 0;
		for (int i = 0; i < ntasks; i++) {
			struct etask *t = &tasks[i];
			if (t->state != EXITED || group_has_live_task(t->tgid))
				continue;
			int ppid = ppid_of(t->tgid);
			if (ppid == self_pid) {
				int status = 0;
				if (waitpid(t->tgid, &status, __WALL) == t->tgid && t->tgid == watch_tgid &&
				    WIFSIGNALED(status) && signal_out)
					*signal_out = WTERMSIG(status);
				group_gone(t->tgid);
				changed = 1;
				reaped++;
			} else if (ppid < 0) {
				group_gone(t->tgid);
				changed = 1;
			}
		}
	}
	return reaped;
}

/* A vfork parent is released when its child execs or exits; its own reply comes then. */
static void settle_vfork_parents(void)
{
	for (int i = 0; i < ntasks; i++) {
		struct etask *b = &tasks[i];
		if (b->state != BLOCKED)
			continue;
		struct etask *c = &tasks[b->vfork_child];
		if (!(c->execd || c->state == EXITED || c->state == GONE))
			continue;
		while (!b->has_reply && !task_is_dead(b))
			pump(1);
		if (b->has_reply) {
			b->has_reply = 0;
			b->state = RUNNING;
		} else {
			task_wait_dead(b);
		}
	}
}

static void settle(int *signal_out, int watch_tgid)
{
	settle_unexpected_deaths();
	settle_vfork_parents();
	settle_unexpected_deaths();
	reap_orphans(signal_out, watch_tgid);
	for (int i = 0; i < ntasks; i++)
		tasks[i].execd = 0;
}

/* ---- The guards ---------------------------------------------------------------------------------- */

static int is_initial_time_ns(unsigned long ino)
{
	return ino == PROC_TIME_INIT_INO || ino == own_time_ino || ino == own_tfc_ino;
}
static int is_initial_user_ns(unsigned long ino)
{
	return ino == PROC_USER_INIT_INO || ino == own_user_ino;
}

/* Returns a reason to refuse writing `fd` now, or NULL. */
static const char *guard_offsets_write(int fd)
{
	if (fd < 0 || fd >= FD_HANDLE_END || !offsets_target[fd])
		return NULL;
	unsigned long tfc = task_ns_ino(offsets_target[fd], "time_for_children");
	/* No link: the target is a zombie or gone, and the kernel answers ESRCH without writing. */
	if (tfc && is_initial_time_ns(tfc))
		return "timens_offsets write to a task whose time_for_children is the initial time namespace";
	return NULL;
}

static const char *guard_sysctl_write(struct etask *t)
{
	unsigned long user = task_ns_ino(t->tid, "user");
	if (!user || is_initial_user_ns(user))
		return "sysctl write in the initial user namespace";
	return NULL;
}

static const char *guard_clock_settime(long clock)
{
	return clock_is_unsettable(clock) ? NULL : "clock_settime on a clock that could be set";
}

/* ---- map_root: K and G as the parent user namespace sees the caller ---------------------------- */

static struct userns_map *map_find(unsigned long ino)
{
	for (int i = 0; i < nmaps; i++)
		if (maps[i].ino == ino)
			return &maps[i];
	return NULL;
}

static long id_in_parent(long kid, unsigned long parent, int is_uid)
{
	if (!parent || is_initial_user_ns(parent))
		return kid;
	struct userns_map *m = map_find(parent);
	long lower = m ? (is_uid ? m->uid_lower : m->gid_lower) : -1;
	return lower >= 0 && lower == kid ? 0 : 65534;
}

static void map_root_ids(struct etask *t, long *k, long *g)
{
	long kuid = status_field(t->tid, "Uid:", 1), kgid = status_field(t->tid, "Gid:", 1);
	unsigned long parent = 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/user", t->tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		int pfd = ioctl(fd, NS_GET_PARENT);
		if (pfd >= 0) {
			struct stat st;
			if (fstat(pfd, &st) == 0)
				parent = st.st_ino;
			close(pfd);
		}
		close(fd);
	}
	*k = id_in_parent(kuid, parent, 1);
	*g = id_in_parent(kgid, parent, 0);
}

static long map_lower(int tid, const char *file)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/%s", tid, file);
	long inside = -1, lower = -1, count = -1;
	if (read_text(path, buf, sizeof buf) <= 0)
		return -1;
	if (sscanf(buf, "%ld %ld %ld", &inside, &lower, &count) != 3 || inside != 0)
		return -1;
	return lower;
}

static void map_root_record(struct etask *t)
{
	unsigned long ino = task_ns_ino(t->tid, "user");
	if (!ino || is_initial_user_ns(ino))
		return;
	struct userns_map *m = map_find(ino);
	if (!m && nmaps < (int)(sizeof maps / sizeof maps[0]))
		m = &maps[nmaps++];
	if (!m)
		return;
	m->ino = ino;
	m->uid_lower = map_lower(t->tid, "uid_map");
	m->gid_lower = map_lower(t->tid, "gid_map");
}

/* ---- Steps ---------------------------------------------------------------------------------------- */

struct outcome {
	char text[LINE_MAX_LEN * 2];
};

static void outcome_set(struct outcome *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->text, sizeof o->text, fmt, ap);
	va_end(ap);
}

static void outcome_refused(struct outcome *o, const char *reason)
{
	char hex[512];
	hex_encode(hex, reason, strlen(reason));
	outcome_set(o, "refused %s", hex);
}

static void outcome_from_reply(struct outcome *o, struct etask *t)
{
	outcome_set(o, "%s", t->reply);
	t->has_reply = 0;
}

static struct etask *task_at(const char *s)
{
	int i = atoi(s);
	if (i < 0 || i >= ntasks)
		fatal("task index %d out of range", i);
	return &tasks[i];
}

/* clone <childIdx> <flagsHex>: fork, vfork, thread and clone3 alike. */
/* op: "clone" (clone3, SIGCHLD) or "lclone" (the legacy clone(2), whose flags word carries the exit
 * signal in its low byte). */
static void step_clone(struct etask *t, const char *op, char **arg, struct outcome *o)
{
	struct etask *c = task_at(arg[0]);
	unsigned long flags = strtoul(arg[1], NULL, 16);
	if (c->state != UNBORN)
		fatal("task bound twice");
	task_send(t, "%s %d %lx", op, (int)(c - tasks), flags);
	int vfork = (flags & 0x4000) != 0;
	for (;;) {
		if (t->has_reply && (strncmp(t->reply, "err", 3) == 0 || c->births))
			break;
		/* A child that dies before it reports (it never should) must not hang the run. */
		const char *cpid = t->has_reply ? strstr(t->reply, " c=") : NULL;
		if (cpid && !c->births) {
			char st = proc_state(atoi(cpid + 3));
			if (st == 0 || st == 'Z' || st == 'X') {
				pump(0);
				if (!c->births)
					break;
			}
		}
		if (vfork && c->births)
			break;
		if (task_is_dead(t))
			break;
		pump(1);
	}
	if (t->has_reply && strncmp(t->reply, "err", 3) == 0) {
		outcome_from_reply(o, t);
		return;
	}
	if (!c->births) {
		outcome_set(o, "died");
		return;
	}
	task_born(c);
	if (t->has_reply) {
		t->has_reply = 0;
	} else {
		t->state = BLOCKED;
		t->vfork_child = (int)(c - tasks);
	}
	outcome_set(o, "ok 0");
}

static void timers_end_process(int tgid);

static void step_exec(struct etask *t, int fail, struct outcome *o)
{
	char hex[2 * sizeof executor_path + 1];
	const char *path = fail ? "/nonexistent/timens-executor" : executor_path;
	hex_encode(hex, path, strlen(path));
	int births = t->births;
	/* During de_thread the exec'ing thread swaps pids with the leader, so its own pidfd may
	 * report the old leader's death; only the end of the whole group means the exec died. */
	int group = (int)syscall(SYS_pidfd_open, t->tgid, 0);
	task_send(t, "exec %s", hex);
	for (;;) {
		if (t->has_reply || t->births != births)
			break;
		struct pollfd p = { group, POLLIN, 0 };
		if (group < 0 || poll(&p, 1, 0) > 0) {
			pump(0);
			break;
		}
		pump(1);
	}
	if (group >= 0)
		close(group);
	if (t->has_reply) {
		outcome_from_reply(o, t);
		return;
	}
	if (t->births == births) {
		outcome_set(o, "died");
		return;
	}
	/* de_thread has run: the other threads are dying, a non-leader took the leader's pid. */
	int tgid = t->tgid;
	for (int i = 0; i < ntasks; i++) {
		struct etask *u = &tasks[i];
		if (u == t || u->state == UNBORN || u->state == GONE || u->tgid != tgid)
			continue;
		if (u->tid == tgid) {
			u->state = GONE;
			close(u->pidfd);
			u->pidfd = -1;
		} else if (u->state == RUNNING || u->state == BLOCKED) {
			task_wait_dead(u);
		}
	}
	close(t->pidfd);
	task_born(t);
	t->execd = 1;
	timers_end_process(tgid);
	outcome_set(o, "ok 0");
}

static void step_exit(struct etask *t, int group, const char *code, struct outcome *o)
{
	int tgid = t->tgid;
	task_send(t, "%s %ld", group ? "exit_group" : "exit", strtol(code, NULL, 10));
	if (group) {
		for (int i = 0; i < ntasks; i++)
			if (tasks[i].tgid == tgid && (tasks[i].state == RUNNING || tasks[i].state == BLOCKED))
				task_wait_dead(&tasks[i]);
	} else {
		task_wait_dead(t);
	}
	outcome_set(o, "ok 0");
}

/* ---- Blocking calls ------------------------------------------------------------------------------ */

#define NR_RESTART_SYSCALL 219

/* Whether t is asleep in the blocking call it was sent (/proc/TID/syscall names a syscall only while
 * the task is blocked; for a timerfd read the first argument tells it from the worker's own wait for
 * commands). restart_syscall counts: that is how a stopped and continued sleep goes on. */
static int asleep_in_call(struct etask *t)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/syscall", t->tid);
	int n = read_text(path, buf, sizeof buf);
	if (n < 0 && (errno == EACCES || errno == EPERM)) {
		/* The task's mm is not dumpable and E has no CAP_SYS_PTRACE over it (an unprivileged start
		 * after prctl(PR_SET_DUMPABLE, 0)): its syscall is hidden. Asleep ('S') with no reply written
		 * is then asleep in the call: a worker back in its wait for commands wrote its reply before it
		 * went to sleep there, so the pump after the state was read sees that reply. */
		if (proc_state(t->tid) != 'S')
			return 0;
		pump(0);
		return !t->has_reply;
	}
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return 0;
	char *p;
	long nr = strtol(buf, &p, 10);
	if (nr == NR_RESTART_SYSCALL)
		return 1;
	if (nr != t->sleep_nr)
		return 0;
	return t->sleep_nr != SYS_read || (long)strtoul(p, NULL, 16) == t->sleep_arg;
}

static void completion_add(int idx, const char *reply)
{
	size_t len = strlen(completions);
	snprintf(completions + len, sizeof completions - len, "%s%d:%s", ncompletions ? "|" : "", idx, reply);
	ncompletions++;
}

/* Every sleeping task that has answered, or is awake and about to: its reply is a completion of this
 * step. A task still asleep in its call stays asleep; one that died took its call with it. */
static void collect_completions(void)
{
	for (int i = 0; i < ntasks; i++) {
		struct etask *t = &tasks[i];
		if (!t->sleeping)
			continue;
		for (;;) {
			pump(0);
			if (t->has_reply) {
				completion_add(i, t->reply);
				t->has_reply = 0;
				t->sleeping = 0;
				break;
			}
			if (t->state != RUNNING || task_is_dead(t)) {
				t->sleeping = 0;
				break;
			}
			char st = proc_state(t->tid);
			if (st != 'T' && st != 't' && asleep_in_call(t))
				break;
			pump(1);
		}
	}
}

/* A call that may block: the reply if it came first, else "pending" once the task sleeps in it. */
static void step_blocking(struct etask *t, const char *line, long nr, long arg, struct outcome *o)
{
	task_send(t, "%s", line);
	t->sleep_nr = nr;
	t->sleep_arg = arg;
	for (;;) {
		pump(1);
		if (t->has_reply) {
			outcome_from_reply(o, t);
			return;
		}
		if (task_is_dead(t)) {
			pump(0);
			if (t->has_reply)
				outcome_from_reply(o, t);
			else
				outcome_set(o, "died");
			return;
		}
		if (asleep_in_call(t)) {
			t->sleeping = 1;
			outcome_set(o, "pending");
			return;
		}
	}
}

/* The `signal` host event. With a handler: SIGUSR1 to the task (its handler has no SA_RESTART).
 * Without: SIGSTOP, a wait until the task's group has stopped (at most 20 ms: a vfork parent cannot
 * stop), then SIGCONT, and a wait until it runs again. */
static void host_signal(struct etask *t, int handler)
{
	if (t->state != RUNNING && t->state != BLOCKED)
		return;
	if (handler) {
		syscall(SYS_tgkill, t->tgid, t->tid, SIGUSR1);
		return;
	}
	if (syscall(SYS_tgkill, t->tgid, t->tid, SIGSTOP) < 0)
		return;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int all = 1;
		for (int i = 0; i < ntasks; i++) {
			struct etask *u = &tasks[i];
			if (u->tgid != t->tgid || (u->state != RUNNING && u->state != BLOCKED))
				continue;
			char st = proc_state(u->tid);
			if (st != 'T' && st != 't' && st != 'Z' && st != 0)
				all = 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (all || ts_ns(&now) - ts_ns(&start) > 20000000LL)
			break;
		pump(1);
	}
	syscall(SYS_tgkill, t->tgid, t->tid, SIGCONT);
	for (int k = 0; k < 400; k++) {
		char st = proc_state(t->tid);
		if (st != 'T' && st != 't')
			break;
		pump(1);
	}
}

/* The kernel id a timer handle stands for, for a task of process tgid. */
static int timer_id(const char *handle, int tgid)
{
	int h = atoi(handle);
	if (h < 0 || h >= MAX_TIMERS || !timers[h].live || timers[h].tgid != tgid)
		return -1;
	return timers[h].kid;
}

static void timers_end_process(int tgid)
{
	for (int i = 0; i < MAX_TIMERS; i++)
		if (timers[i].live && timers[i].tgid == tgid)
			timers[i].live = 0;
}

static void step_timer(struct etask *t, const char *op, char **arg, struct outcome *o)
{
	char line[256];
	if (!strcmp(op, "timer_create")) {
		/* timer_create <clock> <notify> <handle> */
		int h = atoi(arg[2]);
		if (h < 0 || h >= MAX_TIMERS)
			fatal("timer handle out of range");
		task_send(t, "timer_create %s %s %d", arg[0], arg[1], h);
		if (!task_await_reply(t)) {
			outcome_set(o, "died");
			return;
		}
		const char *k = strstr(t->reply, " k=");
		if (!strncmp(t->reply, "ok", 2) && k) {
			timers[h] = (struct etimer){ atoi(k + 3), t->tgid, 1 };
			t->has_reply = 0;
			outcome_set(o, "ok 0");
			return;
		}
		outcome_from_reply(o, t);
		return;
	}
	int id = timer_id(arg[0], t->tgid);
	if (!strcmp(op, "timer_settime"))
		snprintf(line, sizeof line, "%s %d %s %s %s %s %s", op, id, arg[1], arg[2], arg[3], arg[4], arg[5]);
	else
		snprintf(line, sizeof line, "%s %d", op, id);
	task_send(t, "%s", line);
	if (!task_await_reply(t)) {
		outcome_set(o, "died");
		return;
	}
	if (!strcmp(op, "timer_delete") && !strncmp(t->reply, "ok", 2))
		timers[atoi(arg[0])].live = 0;
	outcome_from_reply(o, t);
}

static void run_task_step(struct etask *t, char *op, char **arg, int nargs, struct outcome *o, int *sig,
			  int *watch)
{
	char path[128], hex[512];
	if (!strcmp(op, "clone") || !strcmp(op, "lclone")) {
		step_clone(t, op, arg, o);
	} else if (!strncmp(op, "timer_", 6)) {
		step_timer(t, op, arg, o);
	} else if (!strcmp(op, "tread")) {
		char line[64];
		snprintf(line, sizeof line, "tread %s", arg[0]);
		step_blocking(t, line, SYS_read, atol(arg[0]), o);
	} else if (!strcmp(op, "nsleep")) {
		char line[128];
		snprintf(line, sizeof line, "nsleep %s %s %s %s", arg[0], arg[1], arg[2], arg[3]);
		step_blocking(t, line, SYS_clock_nanosleep, 0, o);
	} else if (!strcmp(op, "nanosleep")) {
		char line[128];
		snprintf(line, sizeof line, "nanosleep %s %s", arg[0], arg[1]);
		step_blocking(t, line, SYS_nanosleep, 0, o);
	} else if (!strcmp(op, "futex")) {
		char line[128];
		snprintf(line, sizeof line, "futex %s %s %s", arg[0], arg[1], arg[2]);
		step_blocking(t, line, SYS_futex, 0, o);
	} else if (!strcmp(op, "exec")) {
		step_exec(t, atoi(arg[0]), o);
	} else if (!strcmp(op, "exit") || !strcmp(op, "exit_group")) {
		step_exit(t, !strcmp(op, "exit_group"), nargs > 0 ? arg[0] : "0", o);
	} else if (!strcmp(op, "wait")) {
		struct etask *c = task_at(arg[0]);
		if (c->state == UNBORN) {
			outcome_set(o, "err %d", ECHILD);
			return;
		}
		/* wait <child> <optionsHex> <waitid 0|1> */
		task_send(t, "wait %d %s %s", c->tid, nargs > 1 ? arg[1] : "40000000", nargs > 2 ? arg[2] : "0");
		if (!task_await_reply(t)) {
			outcome_set(o, "died");
			return;
		}
		long r = strtol(t->reply + 3, NULL, 10);
		if (!strncmp(t->reply, "ok", 2) && r > 0)
			group_gone((int)r);
		outcome_from_reply(o, t);
	} else if (!strcmp(op, "open") || !strcmp(op, "readlink") || !strcmp(op, "pidfd_open") || !strcmp(op, "starttime")) {
		/* open <target> <file> <oflags> <fd> | readlink <target> <file> | pidfd_open <target> <fd> |
		 * starttime <target> (field 22 of /proc/<target>/stat) */
		struct etask *target = task_at(arg[0]);
		int is_pidfd = !strcmp(op, "pidfd_open");
		if (target->state == UNBORN) {
			outcome_set(o, "err %d", is_pidfd ? ESRCH : ENOENT);
			return;
		}
		if (is_pidfd) {
			task_send(t, "pidfd_open %d %s", target->tid, arg[1]);
		} else {
			snprintf(path, sizeof path, "/proc/%d/%s", target->tid, !strcmp(op, "starttime") ? "stat" : arg[1]);
			hex_encode(hex, path, strlen(path));
			if (!strcmp(op, "starttime"))
				task_send(t, "starttime %s", hex);
			else if (!strcmp(op, "open"))
				task_send(t, "open %s %s %s", hex, arg[2], arg[3]);
			else
				task_send(t, "readlink %s", hex);
		}
		if (!task_await_reply(t)) {
			outcome_set(o, "died");
			return;
		}
		if (!strcmp(op, "open") && !strncmp(t->reply, "ok", 2) && !strcmp(arg[1], "timens_offsets") &&
		    (atoi(arg[2]) & O_ACCMODE) != O_RDONLY) {
			int fd = atoi(arg[3]);
			if (fd >= 0 && fd < FD_HANDLE_END)
				offsets_target[fd] = target->tid;
		}
		outcome_from_reply(o, t);
	} else {
		const char *refusal = NULL;
		if (!strcmp(op, "write"))
			refusal = guard_offsets_write(atoi(arg[0]));
		else if (!strcmp(op, "settime"))
			refusal = guard_clock_settime(strtol(arg[0], NULL, 10));
		else if (!strcmp(op, "sysctl_write"))
			refusal = guard_sysctl_write(t);
		if (refusal) {
			outcome_refused(o, refusal);
			return;
		}
		char line[LINE_MAX_LEN];
		int n = snprintf(line, sizeof line, "%s", op);
		if (!strcmp(op, "maproot")) {
			long k, g;
			map_root_ids(t, &k, &g);
			n += snprintf(line + n, sizeof line - n, " %ld %ld", k, g);
		}
		for (int i = 0; arg[i]; i++)
			n += snprintf(line + n, sizeof line - n, " %s", arg[i]);
		task_send(t, "%s", line);
		if (!strcmp(op, "debug"))
			*watch = t->tgid;
		if (!task_await_reply(t)) {
			outcome_set(o, "died");
			if (!strcmp(op, "debug")) {
				for (int i = 0; i < ntasks; i++)
					if (tasks[i].tgid == t->tgid &&
					    (tasks[i].state == RUNNING || tasks[i].state == BLOCKED))
						task_wait_dead(&tasks[i]);
			}
			return;
		}
		if (!strcmp(op, "maproot"))
			map_root_record(t);
		outcome_from_reply(o, t);
	}
	(void)sig;
}

/* ---- Observed values ------------------------------------------------------------------------------ */

/* What each step of the program replied that a later step may read (vocab/observed.ts): the v= and i=
 * timespecs of an "ok" reply, in nanoseconds. A line names one as "@<step>:<v|i>:<negate 0|1>:<delta>":
 * where a timespec goes it stands for both of its tokens, in a write's "&" text for "sec nsec". */
struct seen {
	int has_v, has_i;
	__int128 v, i;
};
static struct seen *seen;
static int nseen, seen_cap;

static int parse_timespec_ns(const char *s, __int128 *out)
{
	long long sec, nsec;
	if (sscanf(s, "%lld.%lld", &sec, &nsec) != 2)
		return -1;
	*out = (__int128)sec * 1000000000 + nsec;
	return 0;
}

/* Records the reply of the step just made (step nseen). */
static void seen_record(const char *outcome)
{
	if (nseen == seen_cap) {
		seen_cap = seen_cap ? 2 * seen_cap : 64;
		seen = realloc(seen, sizeof *seen * (size_t)seen_cap);
		if (!seen)
			fatal("out of memory");
	}
	struct seen *e = &seen[nseen++];
	memset(e, 0, sizeof *e);
	if (strncmp(outcome, "ok ", 3))
		return;
	const char *v = strstr(outcome, " v="), *i = strstr(outcome, " i=");
	e->has_v = v && !parse_timespec_ns(v + 3, &e->v);
	e->has_i = i && !parse_timespec_ns(i + 3, &e->i);
}

/* The value an "@..." token names, as sec and nsec (nsec in [0, 1e9)); -1 when that step's reply has no
 * such field (it failed, blocked, was refused or not made) or the token is malformed. */
static int seen_value(const char *tok, long long *sec, long long *nsec)
{
	int step, negate;
	char field;
	long long delta;
	if (sscanf(tok, "@%d:%c:%d:%lld", &step, &field, &negate, &delta) != 4 || step < 0 || step >= nseen)
		return -1;
	const struct seen *e = &seen[step];
	if (field == 'v' ? !e->has_v : field == 'i' ? !e->has_i : 1)
		return -1;
	__int128 v = field == 'v' ? e->v : e->i;
	v = (negate ? -v : v) + delta;
	__int128 s = v / 1000000000, r = v % 1000000000;
	if (r < 0) {
		r += 1000000000;
		s -= 1;
	}
	*sec = (long long)s;
	*nsec = (long long)r;
	return 0;
}

static int unhex_into(const char *hex, char *out, size_t cap)
{
	size_t n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		if (n + 1 >= cap || sscanf(hex, "%2x", &v) != 1)
			return -1;
		out[n++] = (char)v;
	}
	return (int)n;
}

/* Fills in the observed values of a step's tokens (from the third on) into out; -1 when one is not there. */
static int fill_observed(char **tok, int n, char **out, int *nout)
{
	static char bufs[8][32];
	static char text[LINE_MAX_LEN], hex[LINE_MAX_LEN * 2 + 2];
	int k = 0, nb = 0;
	for (int i = 0; i < n; i++) {
		if (k >= 15)
			return -1;
		if (i < 2 || (tok[i][0] != '@' && tok[i][0] != '&')) {
			out[k++] = tok[i];
			continue;
		}
		long long sec, nsec;
		if (tok[i][0] == '@') {
			if (seen_value(tok[i], &sec, &nsec) < 0 || nb + 2 > 8)
				return -1;
			snprintf(bufs[nb], sizeof bufs[nb], "%lld", sec);
			snprintf(bufs[nb + 1], sizeof bufs[nb + 1], "%lld", nsec);
			out[k++] = bufs[nb++];
			out[k++] = bufs[nb++];
			continue;
		}
		/* &<part>,<part>,...: each "x<hex>" or an "@" value written "sec nsec". */
		size_t len = 0;
		char part_buf[LINE_MAX_LEN];
		snprintf(part_buf, sizeof part_buf, "%s", tok[i] + 1);
		for (char *save = NULL, *p = strtok_r(part_buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			if (p[0] == 'x') {
				int m = unhex_into(p + 1, text + len, sizeof text - len);
				if (m < 0)
					return -1;
				len += (size_t)m;
			} else {
				if (seen_value(p, &sec, &nsec) < 0)
					return -1;
				int m = snprintf(text + len, sizeof text - len, "%lld %lld", sec, nsec);
				if (m < 0 || (size_t)m >= sizeof text - len)
					return -1;
				len += (size_t)m;
			}
		}
		hex[0] = 'x';
		hex_encode(hex + 1, text, len);
		out[k++] = hex;
	}
	out[k] = NULL;
	*nout = k;
	return 0;
}

static void run_step(char *line)
{
	char *tok[16];
	int n = 0;
	for (char *s = strtok(line, " \n"); s && n < 15; s = strtok(NULL, " \n"))
		tok[n++] = s;
	tok[n] = NULL;
	if (n == 0)
		return;

	struct outcome o;
	struct host before, after;
	int sig = 0, watch = -1;
	completions[0] = 0;
	ncompletions = 0;
	host_read(&before);
	collect_completions();
	char *filled[16];
	int nfilled = 0;
	if (fill_observed(tok, n, filled, &nfilled) < 0) {
		/* Not made: only the calls of other tasks that end meanwhile are seen. */
		outcome_set(&o, "unresolved");
	} else if (!strcmp(tok[0], "signal")) {
		host_signal(task_at(tok[1]), atoi(tok[2]));
		outcome_set(&o, "ok 0");
	} else if (!strcmp(tok[0], "advance")) {
		long long ns = atoll(tok[1]);
		struct timespec d = { ns / 1000000000LL, ns % 1000000000LL };
		while (nanosleep(&d, &d) < 0 && errno == EINTR) {
		}
		outcome_set(&o, "ok 0");
	} else {
		struct etask *t = task_at(tok[0]);
		if (t->state == UNBORN || t->state == EXITED || t->state == GONE)
			outcome_set(&o, "err %d", ESRCH);
		else if (t->state == BLOCKED || t->sleeping)
			outcome_set(&o, "blocked");
		else
			run_task_step(t, filled[1], filled + 2, nfilled - 2, &o, &sig, &watch);
	}
	settle(&sig, watch);
	collect_completions();
	host_read(&after);
	if (!strcmp(o.text, "died") && sig)
		outcome_set(&o, "died %d", sig);
	seen_record(o.text);
	printf("%s\t", o.text);
	host_print(&before);
	printf("\t");
	host_print(&after);
	printf("\t%s\n", completions);
}

/* ---- Input ---------------------------------------------------------------------------------------- */

/* The next line of stdin (without its newline) in line; 0 at the end of stdin. The driver may queue
 * a whole program at once, so what E prints is flushed only when E is about to wait for input: the
 * driver is woken once per batch instead of once per line, and sees every reply before E waits. */
static char in_buf[LINE_MAX_LEN * 4];
static size_t in_len;

/* Take the first line out of buf (holding *len of size bytes) into line (cap bytes, cut if longer): 1 if
 * there was a whole line, or buf is full and its contents count as one; 0 to read more first. The
 * exported C reproducer reads the executor's replies with it too (repro-main.c). */
static int take_line(char *buf, size_t *len, size_t size, char *line, size_t cap)
{
	char *nl = memchr(buf, '\n', *len);
	if (!nl && *len < size)
		return 0;
	size_t n = nl ? (size_t)(nl - buf) : *len;
	size_t take = n < cap - 1 ? n : cap - 1;
	memcpy(line, buf, take);
	line[take] = 0;
	size_t used = nl ? n + 1 : n;
	memmove(buf, buf + used, *len - used);
	*len -= used;
	return 1;
}

static int next_line(char *line, size_t cap)
{
	for (;;) {
		if (take_line(in_buf, &in_len, sizeof in_buf, line, cap))
			return 1;
		fflush(stdout);
		ssize_t r = read(0, in_buf + in_len, sizeof in_buf - in_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (in_len == 0)
				return 0;
			size_t take = in_len < cap - 1 ? in_len : cap - 1;
			memcpy(line, in_buf, take);
			line[take] = 0;
			in_len = 0;
			return 1;
		}
		in_len += (size_t)r;
	}
}

/* ---- Start and end ---------------------------------------------------------------------------------- */

/* Kills every process of E's process group but E, and reaps them all. vfork parents die with
 * SIGKILL while blocked, so the order does not matter; repeated until none is left. */
static void kill_all_by_scan(void)
{
	pid_t pgrp = getpgrp();
	for (int round = 0; round < 100; round++) {
		int found = 0;
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			int pid = atoi(e->d_name);
			if (pid <= 0 || pid == self_pid)
				continue;
			char path[64], buf[1024];
			snprintf(path, sizeof path, "/proc/%d/stat", pid);
			if (read_text(path, buf, sizeof buf) < 0)
				continue;
			char *p = strrchr(buf, ')');
			int ppid = 0, grp = 0;
			char st = 0;
			if (!p || sscanf(p + 2, "%c %d %d", &st, &ppid, &grp) != 3 || grp != pgrp)
				continue;
			found = 1;
			kill(pid, SIGKILL);
		}
		if (d)
			closedir(d);
		while (waitpid(-1, NULL, __WALL | (found ? 0 : WNOHANG)) > 0) {
		}
		if (!found)
			return;
	}
}

/* Kills and reaps every process of the program. E is the child subreaper of all of them, so a process
 * whose parent dies becomes E's child: E kills its children, reaps one, and looks again, until it has
 * no child at all, and then no descendant of E is left. Where the kernel has no
 * /proc/PID/task/TID/children, every process of E's process group is found by scanning /proc. */
static void kill_all(void)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)self_pid, (int)self_pid);
	for (;;) {
		int n = read_text(path, buf, sizeof buf);
		if (n < 0) {
			kill_all_by_scan();
			return;
		}
		/* Each pid is followed by a space; one a full buffer cut short is not a pid. Whoever was left
		 * out is killed in a later round. */
		for (char *p = buf; *p;) {
			char *end;
			long pid = strtol(p, &end, 10);
			if (end == p || *end != ' ')
				break;
			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
			p = end + 1;
		}
		if (waitpid(-1, NULL, __WALL) < 0 && errno == ECHILD)
			return;
	}
}

static void setup_pipes(void)
{
	for (int i = 0; i < ntasks; i++) {
		int cmd[2], res[2];
		if (pipe(cmd) < 0 || pipe(res) < 0)
			fatal("pipe: %s", strerror(errno));
		if (dup2(cmd[0], TASK_CMD_FD(i)) < 0 || dup2(res[1], TASK_RES_FD(i)) < 0)
			fatal("dup2: %s", strerror(errno));
		close(cmd[0]);
		close(res[1]);
		/* E's ends sit far above the handle and task ranges, and never reach a task image. */
		tasks[i].cmd_w = fcntl(cmd[1], F_DUPFD_CLOEXEC, 3000);
		tasks[i].res_r = fcntl(res[0], F_DUPFD_CLOEXEC, 3000);
		close(cmd[1]);
		close(res[0]);
		tasks[i].pidfd = -1;
		tasks[i].vfork_child = -1;
	}
}

static long initial_max_time_namespaces(void)
{
	char buf[64] = "";
	read_text("/proc/sys/user/max_time_namespaces", buf, sizeof buf);
	return strtol(buf, NULL, 10);
}

static void report_env(void)
{
	struct timespec res = { 0, 0 };
	clock_getres(CLOCK_REALTIME_COARSE, &res);
	/* In its own user namespace E would read that namespace's limit; the initial one's was read
	 * before it was made. */
	long maxtime = userns.on ? userns.maxtime : initial_max_time_namespaces();
	struct stat st;
	int rtc = stat("/dev/rtc0", &st) == 0 || stat("/sys/class/rtc/rtc0", &st) == 0;
	char status[4096] = ""; /* one read for all three capability sets */
	read_text("/proc/self/status", status, sizeof status);
	printf("env uid=%d capeff=%llx capprm=%llx capbnd=%llx rtc=%d tick=%lld maxtime=%ld time=%lu tfc=%lu "
	       "user=%lu pid=%d",
	       userns.on ? (int)userns.kuid : (int)getuid(), status_hex_in(status, "CapEff:"), status_hex_in(status, "CapPrm:"),
	       status_hex_in(status, "CapBnd:"), rtc, ts_ns(&res), maxtime, own_time_ino, own_tfc_ino, own_user_ino, (int)self_pid);
	if (userns.on)
		printf(" userns=1 gid=%d setfcap=%d", (int)userns.kgid, userns.setfcap);
	struct utsname u;
	if (uname(&u) == 0)
		printf(" release=%s", u.release);
	printf("\n");
}

static int write_once(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Not root: E makes the user namespace every task starts in, as `unshare -r` would, before the
 * first task and before the seccomp wall (so that E holds CAP_SYS_ADMIN there and the wall needs
 * no no_new_privs). Its guards then treat it, E's own user namespace, like the initial one. */
static const char *enter_own_user_ns(void)
{
	static char why[160];
	userns.kuid = getuid();
	userns.kgid = getgid();
	userns.setfcap = (status_hex("CapEff:") >> CAP_SETFCAP_BIT) & 1;
	userns.maxtime = initial_max_time_namespaces();
	if (unshare(CLONE_NEWUSER) < 0) {
		snprintf(why, sizeof why, "unshare(CLONE_NEWUSER) as uid %u: %s", (unsigned)userns.kuid, strerror(errno));
		return why;
	}
	char map[64];
	const char *step = "setgroups deny";
	if (write_once("/proc/self/setgroups", "deny") < 0)
		goto failed;
	step = "uid_map";
	snprintf(map, sizeof map, "0 %u 1", (unsigned)userns.kuid);
	if (write_once("/proc/self/uid_map", map) < 0)
		goto failed;
	step = "gid_map";
	snprintf(map, sizeof map, "0 %u 1", (unsigned)userns.kgid);
	if (write_once("/proc/self/gid_map", map) < 0)
		goto failed;
	userns.on = 1;
	return NULL;
failed:
	snprintf(why, sizeof why, "%s in a new user namespace: %s", step, strerror(errno));
	return why;
}

/* Once per executor process: its own process group (so a timeout can kill every task at once), the
 * subreaper, the descriptor limit, its own namespaces, and the seccomp wall, which every task of
 * every program inherits. */
/* "serve <cpu>": the CPU to pin to, so that executors running side by side take one CPU each. */
static int pin_cpu = -1;

static void start_executor(void)
{
	self_pid = getpid();
	setpgid(0, 0);
	signal(SIGALRM, on_alarm);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fatal("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getuid() != 0) {
		const char *why = enter_own_user_ns();
		if (why)
			fatal("not root, and no user namespace of its own: %s", why);
	}
	own_time_ino = ns_ino("/proc/self/ns/time");
	own_tfc_ino = ns_ino("/proc/self/ns/time_for_children");
	own_user_ino = ns_ino("/proc/self/ns/user");
	if (!own_time_ino)
		fatal("no time namespaces on this kernel (/proc/self/ns/time is missing)");
	/* E and every task (they inherit it) on the CPU E runs on: a step is a hand-off from E to one
	 * task and back, and a wake-up on the same CPU is several times cheaper than one on an idle
	 * other CPU. Nothing a program observes depends on the CPU; if this fails, nothing is lost. */
	int cpu = pin_cpu >= 0 ? pin_cpu : sched_getcpu();
	if (cpu >= 0) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof one, &one);
	}
	uptime_fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
	int have_admin = (status_hex("CapEff:") >> CAP_SYS_ADMIN_BIT) & 1;
	int r = seccomp_wall_install(have_admin);
	if (r < 0)
		fatal("seccomp wall: %s", strerror(-r));
}

/* Forgets everything about the previous program (its tasks are all reaped by now) and closes its
 * pipes, so the next program's tasks inherit exactly the descriptors a fresh executor would give. */
static void forget_program(void)
{
	for (int i = 0; i < ntasks; i++) {
		struct etask *t = &tasks[i];
		if (t->pidfd >= 0)
			close(t->pidfd);
		close(t->cmd_w);
		close(t->res_r);
		close(TASK_CMD_FD(i));
		close(TASK_RES_FD(i));
		t->state = UNBORN;
		t->tid = t->tgid = 0;
		t->pidfd = -1;
		t->cmd_w = t->res_r = -1;
		t->vfork_child = -1;
		t->execd = 0;
		t->blen = 0;
		t->has_reply = 0;
		t->births = 0;
		t->birth_tid = t->birth_pid = 0;
		t->sleeping = 0;
	}
	memset(timers, 0, sizeof timers);
	nseen = 0;
	ntasks = 0;
	nmaps = 0;
	memset(maps, 0, sizeof maps);
	memset(offsets_target, 0, sizeof offsets_target);
}

/* Runs one program of n tasks under a time limit of timeout_s seconds: a fresh t0, one step per
 * line until "end" (or the end of stdin), then every process of the program killed and reaped.
 * Returns 0 at "end", -1 at the end of stdin. */
static int run_program(int n, int timeout_s)
{
	alarm(timeout_s);
	ntasks = n;
	report_env();
	setup_pipes();

	/* t0's start time (its /proc/PID/stat starttime) lies between these two readings. */
	struct host born_before, born_after;
	host_read(&born_before);
	pid_t t0 = fork();
	if (t0 < 0)
		fatal("fork: %s", strerror(errno));
	if (t0 == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		close(null);
		worker_main(0);
	}
	while (!tasks[0].births)
		pump(5);
	task_born(&tasks[0]);
	host_read(&born_after);
	printf("ready\t");
	host_print(&born_before);
	printf("\t");
	host_print(&born_after);
	printf("\n");

	char line[LINE_MAX_LEN];
	int ended = 0;
	while (next_line(line, sizeof line)) {
		if (!strncmp(line, "end", 3)) {
			ended = 1;
			break;
		}
		run_step(line);
	}
	kill_all();
	alarm(0);
	forget_program();
	printf("done\n");
	return ended ? 0 : -1;
}

static int task_count(const char *s)
{
	int n = atoi(s);
	if (n < 1 || n > MAX_TASKS)
		fatal("task count must be 1..%d", MAX_TASKS);
	return n;
}

/* Server mode: programs one after another, each introduced by "program <tasks> <timeout-seconds>". */
static int serve(void)
{
	/* Room for a whole program's replies: they are flushed when E waits for input (next_line). */
	static char out_buf[1 << 17];
	setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
	start_executor();
	char line[LINE_MAX_LEN];
	while (next_line(line, sizeof line)) {
		char *tok[3] = { NULL, NULL, NULL };
		int n = 0;
		for (char *s = strtok(line, " \n"); s && n < 3; s = strtok(NULL, " \n"))
			tok[n++] = s;
		if (n == 0)
			continue;
		if (n != 3 || strcmp(tok[0], "program"))
			fatal("expected \"program <tasks> <timeout-seconds>\"");
		if (run_program(task_count(tok[1]), atoi(tok[2])) < 0)
			break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	ssize_t n = readlink("/proc/self/exe", executor_path, sizeof executor_path - 1);
	if (n > 0)
		executor_path[n] = 0;
	/* Before any task exists: every task finds the vDSO's clocks where E found them (worker.c). */
	worker_vdso_init(getauxval(AT_SYSINFO_EHDR));
	if (argc >= 3 && !strcmp(argv[1], "worker"))
		worker_main(atoi(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "run")) {
		start_executor();
		run_program(task_count(argv[2]), atoi(argv[3]));
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "serve")) {
		if (argc >= 3)
			pin_cpu = atoi(argv[2]);
		return serve();
	}
	/* Whether a program could start here: as root, always; otherwise only in a user namespace of
	 * its own, so try to make one (this process then just exits). */
	if (argc >= 2 && !strcmp(argv[1], "probe")) {
		const char *why = getuid() != 0 ? enter_own_user_ns() : NULL;
		printf("%s%s\n", why ? "no " : "ok", why ? why : "");
		return why ? 1 : 0;
	}
	fprintf(stderr, "usage: %s run <tasks> <timeout-seconds> | %s serve [cpu]\n", argv[0], argv[0]);
	return 2;
}
