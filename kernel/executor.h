/* Shared declarations of the executor (E, executor.c) and the task worker (worker.c).
 *
 * Every task of a program runs worker_main(): it reads one command line from its own command pipe,
 * makes exactly one syscall (or the short fixed sequence a step names), and writes one reply line to
 * its own result pipe. The pipes of task i sit at fixed descriptor numbers in every task, inherited
 * through fork, clone and exec, so a task never has to be told where they are. */
#ifndef TIMENS_EXECUTOR_H
#define TIMENS_EXECUTOR_H

/* Fd layout inside every task. Handle fds live in [FD_HANDLE_BASE, FD_HANDLE_END); the pipes of
 * task i at TASK_CMD_FD(i) (read end) and TASK_RES_FD(i) (write end). */
#define FD_HANDLE_BASE 100
#define FD_HANDLE_END 1000
#define TASK_CMD_FD(i) (1000 + 2 * (i))
#define TASK_RES_FD(i) (1001 + 2 * (i))
#define MAX_TASKS 256

#define WORKER_STACK_SIZE (256 * 1024)
#define LINE_MAX_LEN 32768 /* a 4096-character text of 3-byte UTF-8, in hex, with room to spare */

/* The path of this executable, passed to exec. Written once in main() before any task exists. */
extern char executor_path[4096];

/* Runs the command loop of task `idx`; never returns. */
__attribute__((noreturn)) void worker_main(int idx);

/* Finds the vDSO's clock functions in the image at base (getauxval(AT_SYSINFO_EHDR)); 0: none. */
void worker_vdso_init(unsigned long base);

/* Installs the seccomp wall (see worker.c). Returns 0 or a negative errno. */
int seccomp_wall_install(int have_sys_admin);

/* Clock ids clock_settime may be given: the ones no kernel lets anyone set (EINVAL or EPERM always). */
int clock_is_unsettable(long clock_id);

#endif
