/* The main of an exported C reproducer (kernel/export-c.ts): the executor (executor.c, worker.c) is
 * compiled into the same file, runs the program's steps as the kernel backend runs them, and this
 * checks every reply against the model's expectation, in order, like a syzkaller C reproducer.
 *
 * The export puts before this file: the executor's sources, with its main() renamed executor_main,
 * and the tables it reads (program_*, expect[], nexpect). An exec step re-executes this binary as a
 * "worker", which executor_main() resumes. Exit status: 0 every step as the model allows, 1 the first
 * departure (printed), 2 this machine cannot judge the program (refused, different environment).
 *
 * Expectations (struct expect) are what the model observed, made checkable here:
 *   kind   "ok", "err", "pending", "blocked", "unresolved" (the executor's outcome word)
 *   ret    "=N" exactly, "+" positive, "*" anything
 *   checks space-separated "key<check>" on the reply's key=value pairs:
 *     =TEXT       exactly TEXT
 *     T<c>:lo:hi  a timespec within [before[c] + lo, after[c] + hi] (c: a host clock of the bracket)
 *     D<lo>:hi    a timespec within [lo, hi] (a remaining time)
 *     G           a timespec >= 0 (CPU time, which the model does not fix)
 *     U<c>:lo:hi  /proc/uptime text (hex): its first number, in centiseconds, within the range
 *     S<c>:lo:hi  whole seconds within the range, rounded either way
 *     K<c>:lo:hi  an integer within [before[c] + lo, after[c] + hi] (clock ticks)
 *     L<label>    a readlink (hex) whose inode number, labelled by first appearance, reads <label>
 *   loose  1 where the outcome depends on timing the model cannot fix here (timers, blocking calls):
 *          a difference is printed, not judged. */

#define REPRO_CLOCKS 9 /* realtime monotonic raw boottime tai realtime-coarse monotonic-coarse idle clock-ticks */
#define REPRO_BOOT_REALTIME 9 /* realtime - boottime, a derived tenth "clock" */

static long long repro_before[REPRO_CLOCKS + 1], repro_after[REPRO_CLOCKS + 1];
static unsigned long repro_init_time, repro_init_user;
static unsigned long repro_inodes[512];
static int repro_ninodes;
static int repro_judged, repro_loose, repro_refused;

static void repro_unhex(const char *hex, char *out, size_t cap)
{
	size_t n = 0;
	for (; hex[0] && hex[1] && n + 1 < cap; hex += 2) {
		unsigned v;
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (char)v;
	}
	out[n] = 0;
}

static const char *repro_kv(char *const *tok, int n, const char *key)
{
	size_t kl = strlen(key);
	for (int i = 0; i < n; i++)
		if (!strncmp(tok[i], key, kl) && tok[i][kl] == '=')
			return tok[i] + kl + 1;
	return NULL;
}

static int repro_timespec(const char *s, long long *ns)
{
	long long sec = 0, nsec = 0;
	if (sscanf(s, "%lld.%lld", &sec, &nsec) != 2)
		return -1;
	*ns = sec * 1000000000LL + nsec;
	return 0;
}

/* The label of a namespace inode as the model's labels read: init, init-user, #0, #1, ... */
static void repro_label(unsigned long ino, char *out, size_t cap)
{
	if (ino == repro_init_time) {
		snprintf(out, cap, "init");
		return;
	}
	if (ino == repro_init_user) {
		snprintf(out, cap, "init-user");
		return;
	}
	for (int i = 0; i < repro_ninodes; i++)
		if (repro_inodes[i] == ino) {
			snprintf(out, cap, "#%d", i);
			return;
		}
	if (repro_ninodes < 512)
		repro_inodes[repro_ninodes] = ino;
	snprintf(out, cap, "#%d", repro_ninodes++);
}

/* One check of one value; a reason (in why) when it fails. */
static int repro_check(const char *check, const char *got, char *why, size_t cap)
{
	long long v, lo, hi;
	int c;
	char text[LINE_MAX_LEN];
	switch (check[0]) {
	case '=':
		if (strcmp(check + 1, got) == 0)
			return 1;
		snprintf(why, cap, "expected %s", check + 1);
		return 0;
	case 'G':
		if (repro_timespec(got, &v) == 0 && v >= 0)
			return 1;
		snprintf(why, cap, "expected a CPU time >= 0");
		return 0;
	case 'D':
		sscanf(check + 1, "%lld:%lld", &lo, &hi);
		if (repro_timespec(got, &v) == 0 && v >= lo && v <= hi)
			return 1;
		snprintf(why, cap, "expected a time within [%lld, %lld] ns", lo, hi);
		return 0;
	case 'T':
	case 'U':
	case 'S':
	case 'K':
		sscanf(check + 1, "%d:%lld:%lld", &c, &lo, &hi);
		lo += repro_before[c];
		hi += repro_after[c];
		if (check[0] == 'T' && repro_timespec(got, &v) == 0 && v >= lo && v <= hi)
			return 1;
		if (check[0] == 'U') {
			repro_unhex(got, text, sizeof text);
			v = centis_to_ns(text);
			if (v >= lo - 10000000LL && v <= hi)
				return 1;
		}
		if (check[0] == 'K') {
			v = strtoll(got, NULL, 10);
			if (v >= lo && v <= hi)
				return 1;
		}
		if (check[0] == 'S') {
			v = (long long)strtoull(got, NULL, 10) * 1000000000LL; /* as the kernel's unsigned print wraps */
			if (v > lo - 1000000000LL && v < hi + 1000000000LL)
				return 1;
		}
		snprintf(why, cap, "expected within [%lld, %lld] ns (the step's clock %d, before and after, plus the model's offset)",
			 lo, hi, c);
		return 0;
	case 'L': {
		repro_unhex(got, text, sizeof text);
		char *open = strchr(text, '['), label[32];
		if (!open) {
			snprintf(why, cap, "expected a link like %s", check + 1);
			return 0;
		}
		repro_label(strtoul(open + 1, NULL, 10), label, sizeof label);
		char shown[LINE_MAX_LEN];
		snprintf(shown, sizeof shown, "%.*s[%s]", (int)(open - text), text, label);
		if (strcmp(shown, check + 1) == 0)
			return 1;
		snprintf(why, cap, "expected %.200s, the kernel's link reads %.200s", check + 1, shown);
		return 0;
	}
	default:
		return 1;
	}
}

/* Whether a reply's outcome is what expectation e allows; the reason in why when not. */
static int repro_matches(const struct expect *e, char *outcome, char *why, size_t cap)
{
	char *tok[64];
	int n = 0;
	for (char *s = strtok(outcome, " "); s && n < 64; s = strtok(NULL, " "))
		tok[n++] = s;
	if (n == 0 || strcmp(tok[0], e->kind)) {
		snprintf(why, cap, "the outcome is %s where the model's is %s", n ? tok[0] : "(none)", e->kind);
		return 0;
	}
	if (n > 1 && (!strcmp(e->kind, "ok") || !strcmp(e->kind, "err"))) {
		long long r = strtoll(tok[1], NULL, 10);
		if (e->ret[0] == '=' && r != strtoll(e->ret + 1, NULL, 10)) {
			snprintf(why, cap, "%s %s where the model's is %s", e->kind, tok[1], e->ret + 1);
			return 0;
		}
		if (e->ret[0] == '+' && r <= 0) {
			snprintf(why, cap, "returned %s where the model's is positive", tok[1]);
			return 0;
		}
	}
	char checks[LINE_MAX_LEN];
	snprintf(checks, sizeof checks, "%s", e->checks);
	char *save = NULL;
	for (char *c = strtok_r(checks, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
		char key[16];
		size_t kl = strcspn(c, "=");
		snprintf(key, sizeof key, "%.*s", (int)kl, c);
		const char *check = c[kl] ? c + kl + 1 : c + kl;
		const char *got = repro_kv(tok + 2, n > 2 ? n - 2 : 0, key);
		if (!got) {
			snprintf(why, cap, "no %s= in the reply", key);
			return 0;
		}
		char reason[512];
		if (!repro_check(check, got, reason, sizeof reason)) {
			snprintf(why, cap, "%s=%.200s: %.400s", key, got, reason);
			return 0;
		}
	}
	return 1;
}

static void repro_clocks(const char *text, long long *v)
{
	memset(v, 0, sizeof(long long) * (REPRO_CLOCKS + 1));
	sscanf(text, "%lld %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]);
	v[REPRO_BOOT_REALTIME] = v[0] - v[3];
}

static int repro_from = -1;
static pid_t repro_executor;
static char repro_in[LINE_MAX_LEN * 8];
static size_t repro_in_len;

/* The next line of the executor's output, or NULL when it ended or said nothing for limit_s seconds
 * (*hung then says which). */
static char *repro_line(char *buf, size_t cap, int limit_s, int *hung)
{
	*hung = 0;
	for (;;) {
		if (take_line(repro_in, &repro_in_len, sizeof repro_in, buf, cap))
			return buf;
		struct pollfd p = { repro_from, POLLIN, 0 };
		int r = poll(&p, 1, limit_s * 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			*hung = 1;
			return NULL;
		}
		ssize_t got = read(repro_from, repro_in + repro_in_len, sizeof repro_in - repro_in_len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return NULL;
		repro_in_len += (size_t)got;
	}
}

static __attribute__((noreturn)) void repro_exit(int status)
{
	if (repro_executor > 0)
		kill(-repro_executor, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
	}
	printf("%d steps judged, %d timing-dependent steps shown only, %d refused by the executor's guard\n",
	       repro_judged, repro_loose, repro_refused);
	exit(status);
}

static long long repro_env_num(const char *line, const char *key)
{
	char k[32];
	snprintf(k, sizeof k, " %s=", key);
	const char *p = strstr(line, k);
	return p ? strtoll(p + strlen(k), NULL, key[0] == 'c' ? 16 : 10) : -1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--steps") && strcmp(argv[1], "-h"))
		return executor_main(argc, argv); /* an exec step resumes a task here ("worker <i>") */
	if (argc >= 2 && !strcmp(argv[1], "-h")) {
		printf("usage: %s [--steps]\n  Replays the program on this machine's Linux and checks every step against the model.\n"
		       "  --steps prints every step as it is judged.\n", argv[0]);
		return 0;
	}
	int verbose = argc >= 2 && !strcmp(argv[1], "--steps");
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("program: %s\n", program_name);
	if (access("/proc/self/ns/time", F_OK) != 0) {
		printf("this kernel has no time namespaces: cannot judge\n");
		return 2;
	}
	int to_e[2], from_e[2];
	if (pipe(to_e) < 0 || pipe(from_e) < 0)
		return perror("pipe"), 2;
	repro_executor = fork();
	if (repro_executor == 0) {
		dup2(to_e[0], 0);
		dup2(from_e[1], 1);
		close(to_e[0]), close(to_e[1]), close(from_e[0]), close(from_e[1]);
		if (program_unprivileged && getuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(125);
		char tasks[16], limit[16];
		snprintf(tasks, sizeof tasks, "%d", program_tasks);
		snprintf(limit, sizeof limit, "%d", program_time_limit_s);
		char *args[] = { argv[0], "run", tasks, limit, NULL };
		setvbuf(stdout, NULL, _IOLBF, 0); /* a reply as soon as its step is done: a hang shows where */
		_exit(executor_main(4, args));
	}
	close(to_e[0]);
	close(from_e[1]);
	signal(SIGPIPE, SIG_IGN);
	repro_from = from_e[0];
	/* the whole program at once, as the driver sends it */
	for (int i = 0; i < nexpect; i++) {
		if (write(to_e[1], expect[i].line, strlen(expect[i].line)) < 0 || write(to_e[1], "\n", 1) < 0)
			break;
	}
	if (write(to_e[1], "end\n", 4) < 0) {
	}
	static char line[LINE_MAX_LEN * 4];
	int hung;
	if (!repro_line(line, sizeof line, 30, &hung) || strncmp(line, "env ", 4)) {
		printf("the executor did not start: %s\n", hung ? "no answer in 30 s" : line);
		repro_exit(2);
	}
	if (repro_env_num(line, "rtc") != program_env_rtc || repro_env_num(line, "tick") != program_env_tick ||
	    repro_env_num(line, "maxtime") != program_env_maxtime || repro_env_num(line, "uid") != program_env_uid) {
		printf("this machine is not the one the expectations were made for (rtc=%d tick=%lld maxtime=%lld uid=%d):\n  %s\n"
		       "export the program again on this machine\n",
		       program_env_rtc, program_env_tick, program_env_maxtime, program_env_uid, line);
		repro_exit(2);
	}
	repro_init_time = (unsigned long)repro_env_num(line, "time");
	repro_init_user = (unsigned long)repro_env_num(line, "user");
	if (!repro_line(line, sizeof line, 30, &hung) || strncmp(line, "ready", 5)) {
		printf("the executor did not start its first task\n");
		repro_exit(2);
	}
	for (int i = 0; i < nexpect; i++) {
		const struct expect *e = &expect[i];
		if (!repro_line(line, sizeof line, program_step_limit_s, &hung)) {
			printf("step %d %s\n  DEPARTURE: %s\n  model: %s\n", i, e->show,
			       hung ? "the step hung: no reply within the step's time limit" : "the executor ended early (a task killed it?)",
			       e->model);
			printf("  kernel: {\"hung\":true}\n");
			repro_exit(1);
		}
		if (!strncmp(line, "fatal ", 6)) {
			int limit = strstr(line, "time limit") != NULL;
			printf("step %d %s\n  DEPARTURE: %s\n  model: %s\n  kernel: %s\n", i, e->show,
			       limit ? "the program ran past its time limit in this step" : line + 6, e->model,
			       limit ? "{\"hung\":true}" : line);
			repro_exit(1);
		}
		char *f[4] = { line, "", "", "" };
		for (int k = 1; k < 4; k++) {
			char *tab = strchr(f[k - 1], '\t');
			if (!tab)
				break;
			*tab = 0;
			f[k] = tab + 1;
		}
		repro_clocks(f[1], repro_before);
		repro_clocks(f[2], repro_after);
		char outcome[LINE_MAX_LEN * 2], why[1024];
		snprintf(outcome, sizeof outcome, "%s", f[0]);
		if (!strncmp(outcome, "refused", 7)) {
			char reason[512];
			repro_unhex(outcome + 8, reason, sizeof reason);
			printf("step %d %s\n  refused by the executor's safety guard, not made: %s\n", i, e->show, reason);
			repro_refused++;
			continue;
		}
		if (verbose || (f[3][0] && e->loose))
			printf("step %d %s\n  kernel: %s%s%s\n  model: %s\n", i, e->show, f[0], f[3][0] ? "  completions: " : "", f[3], e->model);
		if (repro_matches(e, outcome, why, sizeof why)) {
			repro_judged += !e->loose;
			continue;
		}
		if (e->loose) {
			repro_loose++;
			printf("step %d %s\n  differs, timing-dependent (not judged): %s\n  kernel: %s\n  model: %s\n", i, e->show, why, f[0], e->model);
			continue;
		}
		printf("step %d %s\n  DEPARTURE: %s\n  kernel: %s\n  model: %s\n", i, e->show, why, f[0], e->model);
		repro_exit(1);
	}
	printf("every step as the model allows\n");
	repro_exit(0);
}
