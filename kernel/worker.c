/* The task worker: the body of every task of a program, and the seccomp wall.
 *
 * Tasks share memory in every combination a program can ask for (threads, vfork children, clone3
 * CLONE_VM children) and threads made by a raw clone3 share the creator's TLS. So this file calls no
 * libc function that keeps state: every syscall goes through sys6() (which never touches errno), all
 * buffers live on the task's own stack, and globals are read-only once the first task exists.
 * Clocks read through the vDSO (clock_gettime, clock_getres, gettimeofday, time) call its functions
 * directly (no errno either). A task exec'd by a program runs this file's code only, without the C
 * library's start-up (tn_entry). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/times.h>
#include <signal.h>
#include <stddef.h>
#include <elf.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <sys/timerfd.h>
#include <time.h>

#include "executor.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* clone3 that runs fn(arg) in the child, on the stack given in args (or a copy of the caller's),
 * and exits the child thread if fn ever returns. The parent gets the child's tid or -errno. */
long tn_clone3(struct clone_args *args, unsigned long size, void (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl tn_clone3\n"
	".type tn_clone3,@function\n"
	"tn_clone3:\n"
	"	mov %rdx, %r8\n"
	"	mov %rcx, %r9\n"
	"	mov $435, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	mov %r9, %rdi\n"
	"	call *%r8\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n");

/* The legacy clone(2) (x86-64: flags, newsp, parent_tid, child_tid, tls), running fn(arg) in the child
 * on the stack whose top is newsp. The low byte of flags is the exit signal. No CLONE_SETTLS is ever
 * passed, so r8 (tls) carries fn across the syscall, as r9 carries arg. */
long tn_clone(unsigned long flags, void *newsp, void (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl tn_clone\n"
	".type tn_clone,@function\n"
	"tn_clone:\n"
	"	mov %rdx, %r8\n"
	"	mov %rcx, %r9\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	mov $56, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	mov %r9, %rdi\n"
	"	call *%r8\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n");

/* The signal a SIGEV_SIGNAL timer sends (glibc's SIGRTMIN): blocked in every task, taken by sigwait. */
#define SIG_TIMER 34
#define KSA_RESTORER 0x04000000UL

/* rt_sigreturn trampoline for the SIGUSR1 handler (raw rt_sigaction needs SA_RESTORER). */
void tn_restorer(void);
__asm__(".text\n"
	".globl tn_restorer\n"
	".type tn_restorer,@function\n"
	"tn_restorer:\n"
	"	mov $15, %eax\n"
	"	syscall\n"
	"	hlt\n");

struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

/* The `signal` host event's SIGUSR1: a handler that does nothing, installed without SA_RESTART, so a
 * blocking call it interrupts ends with EINTR. */
static void on_usr1(int sig)
{
	(void)sig;
}

/* ---- Text: a reply is built by appending to a fixed buffer --------------------------------- */

struct out {
	char *p;
	int len;
	int cap;
};

static void out_ch(struct out *o, char c)
{
	if (o->len < o->cap - 1)
		o->p[o->len++] = c;
}
static void out_str(struct out *o, const char *s)
{
	while (*s)
		out_ch(o, *s++);
}
static void out_u64(struct out *o, unsigned long v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out_ch(o, tmp[--n]);
}
static void out_i64(struct out *o, long v)
{
	if (v < 0) {
		out_ch(o, '-');
		out_u64(o, (unsigned long)0 - (unsigned long)v);
	} else {
		out_u64(o, (unsigned long)v);
	}
}
static void out_hex(struct out *o, const char *s, long n)
{
	static const char digits[] = "0123456789abcdef";
	for (long i = 0; i < n; i++) {
		out_ch(o, digits[(unsigned char)s[i] >> 4]);
		out_ch(o, digits[(unsigned char)s[i] & 15]);
	}
}

/* ---- Parsing a command: space-separated tokens --------------------------------------------- */

struct cmd {
	char *tok[12];
	int n;
};

static void cmd_split(char *line, struct cmd *c)
{
	c->n = 0;
	while (*line && c->n < 12) {
		while (*line == ' ')
			line++;
		if (!*line)
			break;
		c->tok[c->n++] = line;
		while (*line && *line != ' ')
			line++;
		if (*line)
			*line++ = 0;
	}
}
static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}
static long parse_i64(const char *s)
{
	int neg = 0;
	unsigned long v = 0;
	if (*s == '-')
		neg = 1, s++;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned long)(*s++ - '0');
	return neg ? -(long)v : (long)v;
}
static unsigned long parse_hex(const char *s)
{
	unsigned long v = 0;
	for (; *s; s++) {
		int d = *s >= 'a' ? *s - 'a' + 10 : *s - '0';
		v = v * 16 + (unsigned long)d;
	}
	return v;
}
/* Decodes hex text in place; returns its length. */
static long unhex(char *s)
{
	long n = 0;
	for (char *p = s; p[0] && p[1]; p += 2) {
		int hi = p[0] >= 'a' ? p[0] - 'a' + 10 : p[0] - '0';
		int lo = p[1] >= 'a' ? p[1] - 'a' + 10 : p[1] - '0';
		s[n++] = (char)(hi * 16 + lo);
	}
	s[n] = 0;
	return n;
}

/* ---- Replies --------------------------------------------------------------------------------- */

struct worker {
	int idx;
	int cmd_fd;
	int res_fd;
};

static void send_line(const struct worker *w, struct out *o)
{
	out_ch(o, '\n');
	long off = 0;
	while (off < o->len) {
		long r = sys3(SYS_write, w->res_fd, o->p + off, o->len - off);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			sys1(SYS_exit_group, 125);
		off += r;
	}
}

/* "R ok <ret>" or "R err <errno>", leaving room for key=value pairs. */
static void reply_start(struct out *o, long r)
{
	if (r < 0 && r > -4096) {
		out_str(o, "R err ");
		out_i64(o, -r);
	} else {
		out_str(o, "R ok ");
		out_i64(o, r);
	}
}

/* ---- Task creation --------------------------------------------------------------------------- */

static void worker_entry(void *arg)
{
	worker_main((int)(long)arg);
}

/* legacy: the clone(2) word, exit signal in its low byte; else clone3 with SIGCHLD (none for a thread). */
static long do_clone(unsigned long flags, int child_idx, int legacy)
{
	struct clone_args args = { 0 };
	void *stack = 0;
	args.flags = flags;
	args.exit_signal = (flags & CLONE_THREAD) ? 0 : SIGCHLD;
	/* Every child starts on a fresh stack: a child that kept running on (a copy of) its parent's
	 * stack would sit below the parent's frames, and a chain of forks from a thread would
	 * overflow the thread's small stack. */
	long m = sys6(SYS_mmap, 0, WORKER_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
		      -1, 0);
	if (m < 0 && m > -4096)
		return m;
	stack = (void *)m;
	args.stack = (unsigned long)stack;
	args.stack_size = WORKER_STACK_SIZE;
	long r = legacy ? tn_clone(flags, (char *)stack + WORKER_STACK_SIZE, worker_entry, (void *)(long)child_idx)
			: tn_clone3(&args, sizeof args, worker_entry, (void *)(long)child_idx);
	/* Without CLONE_VM the child has its own copy of the mapping; the parent's is unused. */
	if (r < 0 || !(flags & CLONE_VM))
		sys2(SYS_munmap, stack, WORKER_STACK_SIZE);
	return r;
}

/* ---- Small file helpers ---------------------------------------------------------------------- */

static long read_file(const char *path, char *buf, long cap)
{
	long fd = sys4(SYS_openat, AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	long n = 0;
	while (n < cap - 1) {
		long r = sys3(SYS_read, fd, buf + n, cap - 1 - n);
		if (r == -EINTR)
			continue;
		if (r < 0) {
			sys1(SYS_close, fd);
			return r;
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = 0;
	sys1(SYS_close, fd);
	return n;
}

static long write_file(const char *path, const char *text, long len)
{
	long fd = sys4(SYS_openat, AT_FDCWD, path, O_WRONLY, 0);
	if (fd < 0)
		return fd;
	long r = sys3(SYS_write, fd, text, len);
	sys1(SYS_close, fd);
	return r;
}

/* Moves a fresh fd to the number its handle owns. */
static long place_fd(long fd, long target, int cloexec)
{
	if (fd < 0 || target < 0 || fd == target)
		return fd;
	long r = sys3(SYS_dup3, fd, target, cloexec ? O_CLOEXEC : 0);
	sys1(SYS_close, fd);
	return r < 0 ? r : target;
}

static void out_timespec(struct out *o, const struct timespec *ts)
{
	out_str(o, " v=");
	out_i64(o, ts->tv_sec);
	out_ch(o, '.');
	out_i64(o, ts->tv_nsec);
}

/* " v=<value> i=<interval>" of an itimerspec, each as sec.nsec. */
static void out_itimer(struct out *o, const struct itimerspec *it)
{
	out_timespec(o, &it->it_value);
	out_str(o, " i=");
	out_i64(o, it->it_interval.tv_sec);
	out_ch(o, '.');
	out_i64(o, it->it_interval.tv_nsec);
}

static void out_map_line(struct out *o, long k)
{
	out_str(o, "0 ");
	out_i64(o, k);
	out_str(o, " 1\n");
}

/* ---- The debug probes: each is forbidden by the seccomp wall and must kill the task ----------- */

static long debug_probe(const char *name)
{
	if (str_eq(name, "settime")) {
		struct timespec now;
		sys2(SYS_clock_gettime, CLOCK_REALTIME, &now);
		return sys2(SYS_clock_settime, CLOCK_REALTIME, &now);
	}
	if (str_eq(name, "settimeofday"))
		return sys2(SYS_settimeofday, 0, 0);
	if (str_eq(name, "adjtimex")) {
		struct timex tx = { 0 };
		return sys1(SYS_adjtimex, &tx);
	}
	if (str_eq(name, "clock_adjtime")) {
		struct timex tx = { 0 };
		return sys2(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
	}
	return -EINVAL;
}

/* ---- The vDSO -------------------------------------------------------------------------------- */

/* clock_gettime and clock_getres of the vDSO, found in the image the kernel maps into every process
 * (AT_SYSINFO_EHDR), as the C library finds them; null without a vDSO, and the calls then go to the
 * kernel, as the C library's would. They return 0 or a negative errno. */
typedef int (*vdso_clock_fn)(clockid_t clock, struct timespec *ts);
typedef int (*vdso_tod_fn)(struct timeval *tv, void *tz);
typedef long (*vdso_time_fn)(long *t);
static vdso_clock_fn vdso_gettime, vdso_getres;
static vdso_tod_fn vdso_gettimeofday;
static vdso_time_fn vdso_time;

void worker_vdso_init(unsigned long base)
{
	vdso_gettime = vdso_getres = 0;
	vdso_gettimeofday = 0;
	vdso_time = 0;
	if (!base)
		return;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	unsigned long load = 0;
	const Elf64_Dyn *dyn = 0;
	int loaded = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !loaded) {
			load = base + ph[i].p_offset - ph[i].p_vaddr;
			loaded = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
		}
	}
	if (!loaded || !dyn)
		return;
	const Elf64_Sym *sym = 0;
	const char *str = 0;
	const Elf32_Word *hash = 0, *gnu = 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const Elf64_Sym *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = (const char *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const Elf32_Word *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_GNU_HASH)
			gnu = (const Elf32_Word *)(load + dyn->d_un.d_ptr);
	}
	if (!sym || !str || (!hash && !gnu))
		return;
	/* The number of symbols: DT_HASH's chain count, or past the last chain DT_GNU_HASH ends. */
	unsigned long count = 0;
	if (hash) {
		count = hash[1];
	} else {
		Elf32_Word nbuckets = gnu[0], symoffset = gnu[1], bloom = gnu[2];
		const Elf32_Word *buckets = gnu + 4 + 2 * bloom, *chain = buckets + nbuckets;
		Elf32_Word last = 0;
		for (Elf32_Word b = 0; b < nbuckets; b++)
			if (buckets[b] > last)
				last = buckets[b];
		if (last >= symoffset)
			while (!(chain[last - symoffset] & 1))
				last++;
		count = last >= symoffset ? last + 1 : symoffset;
	}
	for (unsigned long i = 0; i < count; i++) {
		if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_shndx == SHN_UNDEF)
			continue;
		const char *name = str + sym[i].st_name;
		if (str_eq(name, "__vdso_clock_gettime"))
			vdso_gettime = (vdso_clock_fn)(load + sym[i].st_value);
		else if (str_eq(name, "__vdso_clock_getres"))
			vdso_getres = (vdso_clock_fn)(load + sym[i].st_value);
		else if (str_eq(name, "__vdso_gettimeofday"))
			vdso_gettimeofday = (vdso_tod_fn)(load + sym[i].st_value);
		else if (str_eq(name, "__vdso_time"))
			vdso_time = (vdso_time_fn)(load + sym[i].st_value);
	}
}

/* ---- Start after an exec ------------------------------------------------------------------------ */

/* The exec step runs this binary again as "timens-task worker <idx>". Such a task needs nothing of the
 * C library, whose start-up (CPU features, relocations, TLS: more than half of what an exec costs here)
 * it skips: the binary is linked with tn_entry as its entry point (build.ts, vm.ts), which hands
 * every other start to the C library's _start unchanged (stack and %rdx as the kernel or the
 * dynamic loader left them). Nothing below may call into the C library. */
__asm__(".text\n"
	".globl tn_entry\n"
	".type tn_entry,@function\n"
	"tn_entry:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %r12\n"
	"	mov %rdx, %r13\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call tn_worker_start\n"
	"	mov %r12, %rsp\n"
	"	mov %r13, %rdx\n"
	"	jmp _start\n");

void tn_worker_start(long *sp);
void tn_worker_start(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	if (argc != 3 || !str_eq(argv[1], "worker"))
		return;
	char **envp = argv + argc + 1;
	while (*envp)
		envp++;
	unsigned long vdso = 0;
	for (unsigned long *aux = (unsigned long *)(envp + 1); aux[0] != AT_NULL; aux += 2)
		if (aux[0] == AT_SYSINFO_EHDR)
			vdso = aux[1];
	worker_vdso_init(vdso);
	worker_main((int)parse_i64(argv[2]));
}

/* ---- One command ----------------------------------------------------------------------------- */

static void worker_exec(const struct worker *w, const char *path)
{
	char idx[16];
	struct out o = { idx, 0, sizeof idx };
	out_i64(&o, w->idx);
	idx[o.len] = 0;
	const char *argv[] = { "timens-task", "worker", idx, 0 };
	const char *envp[] = { 0 };
	struct out r;
	char buf[64];
	long e = sys3(SYS_execve, path, argv, envp);
	r = (struct out){ buf, 0, sizeof buf };
	reply_start(&r, e);
	send_line(w, &r);
}

static void worker_step(const struct worker *w, struct cmd *c, char *textbuf, long textcap)
{
	char buf[LINE_MAX_LEN];
	struct out o = { buf, 0, sizeof buf };
	const char *op = c->tok[0];
	long r;

	if (str_eq(op, "clone") || str_eq(op, "lclone")) {
		/* clone|lclone <childIdx> <flagsHex> */
		r = do_clone(parse_hex(c->tok[2]), (int)parse_i64(c->tok[1]), str_eq(op, "lclone"));
		reply_start(&o, r < 0 ? r : 0);
		if (r > 0) {
			out_str(&o, " c=");
			out_i64(&o, r);
		}
	} else if (str_eq(op, "exec")) {
		unhex(c->tok[1]);
		worker_exec(w, c->tok[1]);
		return;
	} else if (str_eq(op, "exit")) {
		sys1(SYS_exit, parse_i64(c->tok[1]));
		return;
	} else if (str_eq(op, "exit_group")) {
		sys1(SYS_exit_group, parse_i64(c->tok[1]));
		return;
	} else if (str_eq(op, "wait")) {
		/* wait <pid> <optionsHex> <waitid 0|1>: WNOHANG always (and WEXITED for waitid). The reply's
		 * value is the pid reaped (0 if none) and s= the wait status as wait4 stores it. */
		int status = 0;
		long opts = parse_hex(c->tok[2]);
		if (parse_i64(c->tok[3])) {
			siginfo_t info;
			memset(&info, 0, sizeof info); /* stateless */
			r = sys6(SYS_waitid, P_PID, parse_i64(c->tok[1]), (long)&info, WEXITED | WNOHANG | opts, 0, 0);
			if (r == 0) {
				r = info.si_pid;
				status = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : info.si_status & 0x7f;
			}
		} else {
			r = sys4(SYS_wait4, parse_i64(c->tok[1]), &status, WNOHANG | opts, 0);
		}
		reply_start(&o, r);
		if (r > 0) {
			out_str(&o, " s=");
			out_i64(&o, status);
		}
	} else if (str_eq(op, "unshare")) {
		reply_start(&o, sys1(SYS_unshare, parse_hex(c->tok[1])));
	} else if (str_eq(op, "setns")) {
		reply_start(&o, sys2(SYS_setns, parse_i64(c->tok[1]), parse_hex(c->tok[2])));
	} else if (str_eq(op, "open")) {
		/* open <pathHex> <oflags> <targetFd> */
		unhex(c->tok[1]);
		r = sys4(SYS_openat, AT_FDCWD, c->tok[1], parse_i64(c->tok[2]), 0);
		r = place_fd(r, parse_i64(c->tok[3]), 0);
		reply_start(&o, r < 0 ? r : 0);
	} else if (str_eq(op, "pidfd_open")) {
		r = sys2(SYS_pidfd_open, parse_i64(c->tok[1]), 0);
		r = place_fd(r, parse_i64(c->tok[2]), 1);
		reply_start(&o, r < 0 ? r : 0);
	} else if (str_eq(op, "close")) {
		reply_start(&o, sys1(SYS_close, parse_i64(c->tok[1])));
	} else if (str_eq(op, "read")) {
		/* read <fd> <count> <pos>: pread at pos, or read(2) at the file position when pos is -1. */
		long count = parse_i64(c->tok[2]), pos = parse_i64(c->tok[3]);
		if (count > 4096 || count > textcap)
			count = 4096 < textcap ? 4096 : textcap;
		if (pos < 0)
			r = sys3(SYS_read, parse_i64(c->tok[1]), textbuf, count);
		else
			r = sys4(SYS_pread64, parse_i64(c->tok[1]), textbuf, count, pos);
		reply_start(&o, r);
		if (r >= 0) {
			out_str(&o, " t=");
			out_hex(&o, textbuf, r);
		}
	} else if (str_eq(op, "write")) {
		/* write <fd> x<hex> [pos]: the x keeps an empty text a token; with pos, pwrite there. */
		long n = unhex(c->tok[2] + 1);
		if (c->n > 3)
			reply_start(&o, sys4(SYS_pwrite64, parse_i64(c->tok[1]), c->tok[2] + 1, n, parse_i64(c->tok[3])));
		else
			reply_start(&o, sys3(SYS_write, parse_i64(c->tok[1]), c->tok[2] + 1, n));
	} else if (str_eq(op, "lseek")) {
		/* lseek <fd> <offset> <whence> */
		reply_start(&o, sys3(SYS_lseek, parse_i64(c->tok[1]), parse_i64(c->tok[2]), parse_i64(c->tok[3])));
	} else if (str_eq(op, "ioctl")) {
		/* ioctl <fd> <request> <targetFd|-1> */
		unsigned int uid = 0;
		unsigned long req = (unsigned long)parse_i64(c->tok[2]);
		r = sys3(SYS_ioctl, parse_i64(c->tok[1]), req, &uid);
		if (r >= 0 && (req == 0xb701 || req == 0xb702)) {
			long target = parse_i64(c->tok[3]);
			r = target >= 0 ? place_fd(r, target, 1) : r;
			reply_start(&o, r < 0 ? r : 0);
		} else {
			reply_start(&o, r);
			if (r >= 0 && req == 0xb704) {
				out_str(&o, " u=");
				out_u64(&o, uid);
			}
		}
	} else if (str_eq(op, "readlink")) {
		unhex(c->tok[1]);
		r = sys3(SYS_readlink, c->tok[1], textbuf, textcap);
		reply_start(&o, r);
		if (r >= 0) {
			out_str(&o, " l=");
			out_hex(&o, textbuf, r);
		}
	} else if (str_eq(op, "gettime") || str_eq(op, "getres")) {
		/* gettime|getres <clock> <vdso 0|1> */
		int get = str_eq(op, "gettime");
		long clk = parse_i64(c->tok[1]);
		struct timespec ts = { 0, 0 };
		vdso_clock_fn vdso = get ? vdso_gettime : vdso_getres;
		if (parse_i64(c->tok[2]) && vdso) {
			r = vdso((clockid_t)clk, &ts);
		} else {
			r = sys2(get ? SYS_clock_gettime : SYS_clock_getres, clk, &ts);
		}
		reply_start(&o, r);
		if (r == 0)
			out_timespec(&o, &ts);
	} else if (str_eq(op, "prctl")) {
		/* prctl <option> <arg2> (PR_SET_DUMPABLE, PR_GET_DUMPABLE) */
		reply_start(&o, sys6(SYS_prctl, parse_i64(c->tok[1]), parse_i64(c->tok[2]), 0, 0, 0, 0));
	} else if (str_eq(op, "gettimeofday") || str_eq(op, "time")) {
		/* gettimeofday|time <vdso 0|1>: reported as a timespec (usec * 1000 as nsec; time's seconds). */
		struct timespec ts = { 0, 0 };
		if (str_eq(op, "gettimeofday")) {
			struct timeval tv = { 0, 0 };
			if (parse_i64(c->tok[1]) && vdso_gettimeofday)
				r = vdso_gettimeofday(&tv, 0);
			else
				r = sys2(SYS_gettimeofday, &tv, 0);
			ts.tv_sec = tv.tv_sec;
			ts.tv_nsec = tv.tv_usec * 1000;
		} else {
			time_t t = parse_i64(c->tok[1]) && vdso_time ? (time_t)vdso_time(0) : (time_t)sys1(SYS_time, 0);
			r = t < 0 && t > -4096 ? t : 0;
			ts.tv_sec = t;
		}
		reply_start(&o, r);
		if (r == 0)
			out_timespec(&o, &ts);
	} else if (str_eq(op, "settime")) {
		/* settime <clock> <sec> <nsec>; the executor has checked the clock id. */
		long clk = parse_i64(c->tok[1]);
		struct timespec ts = { parse_i64(c->tok[2]), parse_i64(c->tok[3]) };
		if (!clock_is_unsettable(clk))
			sys1(SYS_exit_group, 126);
		reply_start(&o, sys2(SYS_clock_settime, clk, &ts));
	} else if (str_eq(op, "uptime")) {
		r = read_file("/proc/uptime", textbuf, textcap);
		reply_start(&o, r);
		if (r >= 0) {
			out_str(&o, " t=");
			out_hex(&o, textbuf, r);
		}
	} else if (str_eq(op, "sysinfo")) {
		struct sysinfo si;
		r = sys1(SYS_sysinfo, &si);
		reply_start(&o, r);
		if (r == 0) {
			out_str(&o, " v=");
			out_i64(&o, si.uptime);
		}
	} else if (str_eq(op, "btime")) {
		r = read_file("/proc/stat", textbuf, textcap);
		char *p = textbuf;
		/* btime is printed with %llu: a boot time before 1970 (a large boottime offset) wraps. */
		const char *value = 0;
		for (; r > 0 && *p; p++) {
			if ((p == textbuf || p[-1] == '\n') && p[0] == 'b' && p[1] == 't' && p[2] == 'i' &&
			    p[3] == 'm' && p[4] == 'e' && p[5] == ' ') {
				value = p + 6;
				break;
			}
		}
		reply_start(&o, r < 0 ? r : !value ? -ENOENT : 0);
		if (r >= 0 && value) {
			out_str(&o, " v=");
			while (*value >= '0' && *value <= '9')
				out_ch(&o, *value++);
		}
	} else if (str_eq(op, "starttime")) {
		/* starttime <pathHex>: field 22 of a /proc/PID/stat, counted after the ')' that ends comm. */
		unhex(c->tok[1]);
		r = read_file(c->tok[1], textbuf, textcap - 1);
		const char *value = 0;
		if (r > 0) {
			textbuf[r] = 0;
			const char *p = textbuf, *close = 0;
			for (; *p; p++)
				if (*p == ')')
					close = p;
			/* ") S ppid ...": the 20th space after ')' precedes field 22. */
			int spaces = 0;
			for (p = close; p && *p && spaces < 20; p++)
				if (*p == ' ')
					spaces++;
			if (close && spaces == 20)
				value = p;
		}
		reply_start(&o, r < 0 ? r : !value ? -EIO : 0);
		if (r >= 0 && value) {
			out_str(&o, " v=");
			while (*value >= '0' && *value <= '9')
				out_ch(&o, *value++);
		}
	} else if (str_eq(op, "times")) {
		/* times: r= the return value (clock ticks), then struct tms. */
		struct tms tm = { 0, 0, 0, 0 };
		r = sys1(SYS_times, &tm); /* never fails with a valid buffer: every value is a count */
		reply_start(&o, 0);
		{
			out_str(&o, " r=");
			out_i64(&o, r);
			out_str(&o, " u=");
			out_i64(&o, tm.tms_utime);
			out_str(&o, " s=");
			out_i64(&o, tm.tms_stime);
			out_str(&o, " cu=");
			out_i64(&o, tm.tms_cutime);
			out_str(&o, " cs=");
			out_i64(&o, tm.tms_cstime);
		}
	} else if (str_eq(op, "setuid")) {
		long u = parse_i64(c->tok[1]);
		reply_start(&o, sys3(SYS_setresuid, u, u, u));
	} else if (str_eq(op, "dropcaps")) {
		unsigned long mask = parse_hex(c->tok[1]);
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];
		r = sys2(SYS_capget, &hdr, data);
		if (r == 0) {
			for (int i = 0; i < 2; i++) {
				unsigned int m = (unsigned int)(mask >> (32 * i));
				data[i].effective &= ~m;
				data[i].permitted &= ~m;
			}
			r = sys2(SYS_capset, &hdr, data);
		}
		reply_start(&o, r);
	} else if (str_eq(op, "maproot")) {
		/* maproot <K> <G>: what `unshare -r` writes. Stops at the first failure. */
		char line[64];
		struct out m = { line, 0, sizeof line };
		r = write_file("/proc/self/setgroups", "deny", 4);
		if (r >= 0) {
			out_map_line(&m, parse_i64(c->tok[1]));
			r = write_file("/proc/self/uid_map", line, m.len);
		}
		if (r >= 0) {
			m.len = 0;
			out_map_line(&m, parse_i64(c->tok[2]));
			r = write_file("/proc/self/gid_map", line, m.len);
		}
		reply_start(&o, r < 0 ? r : 0);
	} else if (str_eq(op, "sysctl_read")) {
		r = read_file("/proc/sys/user/max_time_namespaces", textbuf, textcap);
		reply_start(&o, r < 0 ? r : 0);
		if (r >= 0) {
			out_str(&o, " v=");
			out_i64(&o, parse_i64(textbuf));
		}
	} else if (str_eq(op, "sysctl_write")) {
		char line[32];
		struct out m = { line, 0, sizeof line };
		out_i64(&m, parse_i64(c->tok[1]));
		out_ch(&m, '\n');
		r = write_file("/proc/sys/user/max_time_namespaces", line, m.len);
		reply_start(&o, r < 0 ? r : 0);
	} else if (str_eq(op, "timer_create")) {
		/* timer_create <clock> <notify 0|1> <si_value> */
		struct sigevent sev;
		char *z = (char *)&sev;
		for (unsigned long i = 0; i < sizeof sev; i++)
			z[i] = 0;
		sev.sigev_notify = parse_i64(c->tok[2]) ? SIGEV_SIGNAL : SIGEV_NONE;
		sev.sigev_signo = SIG_TIMER;
		sev.sigev_value.sival_int = (int)parse_i64(c->tok[3]);
		int id = -1;
		r = sys3(SYS_timer_create, parse_i64(c->tok[1]), &sev, &id);
		reply_start(&o, r);
		if (r == 0) {
			out_str(&o, " k=");
			out_i64(&o, id);
		}
	} else if (str_eq(op, "timer_settime") || str_eq(op, "timerfd_settime")) {
		/* timer_settime <id> <flags> <vsec> <vnsec> <isec> <insec>; timerfd_settime <fd> ... alike */
		struct itimerspec nv = { { parse_i64(c->tok[5]), parse_i64(c->tok[6]) },
					 { parse_i64(c->tok[3]), parse_i64(c->tok[4]) } };
		struct itimerspec old = { { 0, 0 }, { 0, 0 } };
		long nr = str_eq(op, "timer_settime") ? SYS_timer_settime : SYS_timerfd_settime;
		r = sys4(nr, parse_i64(c->tok[1]), parse_i64(c->tok[2]), &nv, &old);
		reply_start(&o, r);
		if (r == 0)
			out_itimer(&o, &old);
	} else if (str_eq(op, "timer_gettime") || str_eq(op, "timerfd_gettime")) {
		struct itimerspec cur = { { 0, 0 }, { 0, 0 } };
		r = sys2(str_eq(op, "timer_gettime") ? SYS_timer_gettime : SYS_timerfd_gettime, parse_i64(c->tok[1]), &cur);
		reply_start(&o, r);
		if (r == 0)
			out_itimer(&o, &cur);
	} else if (str_eq(op, "timer_getoverrun")) {
		reply_start(&o, sys1(SYS_timer_getoverrun, parse_i64(c->tok[1])));
	} else if (str_eq(op, "timer_delete")) {
		reply_start(&o, sys1(SYS_timer_delete, parse_i64(c->tok[1])));
	} else if (str_eq(op, "sigwait")) {
		unsigned long set = 1UL << (SIG_TIMER - 1);
		siginfo_t info;
		struct timespec zero = { 0, 0 };
		r = sys4(SYS_rt_sigtimedwait, &set, &info, &zero, 8);
		reply_start(&o, r);
		if (r > 0) {
			out_str(&o, " h=");
			out_i64(&o, info.si_value.sival_int);
			out_str(&o, " o=");
			out_i64(&o, info.si_overrun);
		}
	} else if (str_eq(op, "timerfd_create")) {
		/* timerfd_create <clock> <nonblock 0|1> <targetFd> */
		r = sys2(SYS_timerfd_create, parse_i64(c->tok[1]), parse_i64(c->tok[2]) ? TFD_NONBLOCK : 0);
		r = place_fd(r, parse_i64(c->tok[3]), 0);
		reply_start(&o, r < 0 ? r : 0);
	} else if (str_eq(op, "tread")) {
		/* read(fd, buf, 8) of a timerfd: may block. */
		unsigned long ticks = 0;
		r = sys3(SYS_read, parse_i64(c->tok[1]), &ticks, 8);
		reply_start(&o, r);
		if (r == 8) {
			out_str(&o, " v=");
			out_u64(&o, ticks);
		}
	} else if (str_eq(op, "nsleep") || str_eq(op, "nanosleep")) {
		/* nsleep <clock> <flags> <sec> <nsec> | nanosleep <sec> <nsec>: may block; EINTR shows what was left. */
		int nano = str_eq(op, "nanosleep");
		struct timespec req = { parse_i64(c->tok[nano ? 1 : 3]), parse_i64(c->tok[nano ? 2 : 4]) };
		struct timespec rem = { 0, 0 };
		r = nano ? sys2(SYS_nanosleep, &req, &rem)
			 : sys4(SYS_clock_nanosleep, parse_i64(c->tok[1]), parse_i64(c->tok[2]), &req, &rem);
		reply_start(&o, r);
		if (r == -EINTR)
			out_timespec(&o, &rem);
	} else if (str_eq(op, "futex")) {
		/* futex <realtime 0|1> <sec> <nsec>: a private word that holds 0, which nobody wakes. */
		int word = 0;
		struct timespec abs = { parse_i64(c->tok[2]), parse_i64(c->tok[3]) };
		long fop = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | (parse_i64(c->tok[1]) ? FUTEX_CLOCK_REALTIME : 0);
		reply_start(&o, sys6(SYS_futex, (long)&word, fop, 0, (long)&abs, 0, (long)0xffffffffUL));
	} else if (str_eq(op, "debug")) {
		reply_start(&o, debug_probe(c->tok[1]));
	} else {
		reply_start(&o, -ENOSYS);
	}
	send_line(w, &o);
}

void worker_main(int idx)
{
	struct worker w = { idx, TASK_CMD_FD(idx), TASK_RES_FD(idx) };
	char line[LINE_MAX_LEN];
	char text[32768];
	struct out o = { line, 0, sizeof line };

	/* Every task, at birth and after exec: timer signals wait for sigwait; SIGUSR1 has a handler that
	 * interrupts (no SA_RESTART); sleeps get the least timer slack (1 ns), so a sleeper wakes at its
	 * expiry, not up to 50 us later, and the remaining time it reports is its own. */
	unsigned long timer_set = 1UL << (SIG_TIMER - 1);
	sys4(SYS_rt_sigprocmask, SIG_BLOCK, &timer_set, 0, 8);
	struct ksigaction ka = { on_usr1, KSA_RESTORER, tn_restorer, 0 };
	sys4(SYS_rt_sigaction, SIGUSR1, &ka, 0, 8);
	sys6(SYS_prctl, PR_SET_TIMERSLACK, 1, 0, 0, 0, 0);

	out_str(&o, "B ");
	out_i64(&o, sys0(SYS_gettid));
	out_ch(&o, ' ');
	out_i64(&o, sys0(SYS_getpid));
	send_line(&w, &o);

	for (;;) {
		/* The executor writes one whole command per step, one line, and waits for its reply before
		 * the next: a line longer than PIPE_BUF (a 4 KiB offsets write is 8 KiB of hex) may arrive
		 * in pieces, so the line is read up to its newline. */
		long n = 0;
		while (n == 0 || line[n - 1] != '\n') {
			long r = sys3(SYS_read, w.cmd_fd, line + n, sizeof line - 1 - n);
			if (r == -EINTR)
				continue;
			if (r <= 0 || n + r >= (long)sizeof line - 1)
				sys1(SYS_exit_group, 124);
			n += r;
		}
		line[n - 1] = 0;
		struct cmd c;
		cmd_split(line, &c);
		if (c.n > 0)
			worker_step(&w, &c, text, sizeof text);
	}
}

/* ---- The seccomp wall -------------------------------------------------------------------------- */

int clock_is_unsettable(long clock_id)
{
	/* Only CLOCK_REALTIME (0) has a clock_set among the ids below 16 (kernel/time/posix-timers.c);
	 * CPU clocks (2, 3) always give EPERM; 10 and 12..15 have no clock; -1 is an invalid CPU clock
	 * id (EINVAL). Everything else (REALTIME, auxiliary clocks 16.., fd clocks) could be settable. */
	int id = (int)clock_id;
	return (id >= 1 && id <= 15) || id == -1;
}

/* Kills the whole process on settimeofday, adjtimex, clock_adjtime, and clock_settime of a clock
 * that clock_is_unsettable() does not vouch for; also on any other syscall ABI (x32, i386). */
int seccomp_wall_install(int have_sys_admin)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_settimeofday, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_adjtimex, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_adjtime, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_settime, 1, 6),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		/* clock_settime: the clock id is an int, so the low word of args[0] decides. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 16, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof filter / sizeof filter[0], filter };
	/* Without CAP_SYS_ADMIN the kernel demands no_new_privs, which would also change what exec
	 * does to capabilities; with it the filter goes in alone and exec keeps its usual rules. */
	if (!have_sys_admin) {
		long r = sys6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
		if (r < 0)
			return (int)r;
	}
	return (int)sys3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}
