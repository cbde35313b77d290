/* The CPU that the processes of the fixed ten-step program of bench/kernel.ts cost the kernel, with
 * nothing else: no pipes, no clock brackets, no judging. Each iteration forks a child (t0), which makes a
 * time namespace for its children, forks a grandchild (t1) that exits at once, waits for it and execs
 * the given binary (the executor: with "worker -1" it exits at once, before the C library starts); the
 * parent waits for it. Prints wall and CPU time per iteration (this process and every child reaped).
 *   cc -O2 -o /tmp/process-floor bench/process-floor.c && /tmp/process-floor 1000 kernel/build/executor */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s <iterations> <binary>\n", argv[0]);
		return 2;
	}
	int n = atoi(argv[1]);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		pid_t t0 = fork();
		if (t0 == 0) {
			unshare(CLONE_NEWTIME);
			pid_t t1 = fork();
			if (t1 == 0)
				_exit(0);
			waitpid(t1, NULL, 0);
			char *args[] = { "timens-task", "worker", "-1", NULL };
			execv(argv[2], args);
			_exit(127);
		}
		waitpid(t0, NULL, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	struct rusage self, children;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	double cpu = seconds(self.ru_utime) + seconds(self.ru_stime) + seconds(children.ru_utime) + seconds(children.ru_stime);
	double wall = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%d iterations: %.0f us wall, %.0f us CPU each\n", n, wall / n * 1e6, cpu / n * 1e6);
	return 0;
}
