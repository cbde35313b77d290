// Constants of the Linux ABI that the model, the implementation and the harness all speak.
// Values only: no function in this directory decides anything about time namespaces.

/** Clock ids, as in include/uapi/linux/time.h. */
export const CLOCKS = {
  CLOCK_REALTIME: 0,
  CLOCK_MONOTONIC: 1,
  CLOCK_PROCESS_CPUTIME_ID: 2,
  CLOCK_THREAD_CPUTIME_ID: 3,
  CLOCK_MONOTONIC_RAW: 4,
  CLOCK_REALTIME_COARSE: 5,
  CLOCK_MONOTONIC_COARSE: 6,
  CLOCK_BOOTTIME: 7,
  CLOCK_REALTIME_ALARM: 8,
  CLOCK_BOOTTIME_ALARM: 9,
  CLOCK_TAI: 11,
} as const;
export type ClockName = keyof typeof CLOCKS;
export const CLOCK_NAMES = Object.keys(CLOCKS) as ClockName[];
/** Ids no clock answers to on these kernels (10 was CLOCK_SGI_CYCLE; 12..15 were never used; -1 is the
 *  CPU clock of the caller's thread with CPUCLOCK_MAX, which pid_for_clock refuses). */
export const INVALID_CLOCK_IDS = [10, 12, 15, -1] as const;
/**
 * A clock is named, or given as a raw id (only ids outside CLOCKS are meaningful that way). A negative raw
 * id is a CPU clock (include/linux/posix-timers_types.h): ~pid << 3, | CPUCLOCK_PERTHREAD_MASK for the
 * thread of that pid rather than its process, | the clock: CPUCLOCK_PROF (user + system time), CPUCLOCK_VIRT
 * (user time), CPUCLOCK_SCHED (the scheduler's runtime), CPUCLOCK_MAX (none). Pid 0 is the caller's own
 * thread or process. An id whose low three bits are CLOCKFD (3, thread bit clear) names the posix clock
 * open on fd ~(id >> 3) instead (kernel/time/posix-clock.c).
 */
export type ClockRef = ClockName | number;

/** The fields of a CPU clock id (include/linux/posix-timers_types.h). */
export const CPUCLOCK = { PROF: 0, VIRT: 1, SCHED: 2, MAX: 3, PERTHREAD_MASK: 4, CLOCK_MASK: 3, CLOCKFD: 3, CLOCKFD_MASK: 7 } as const;
/** A pid above PID_MAX_LIMIT (4194304): no task ever has it. */
export const NO_SUCH_PID = 5_000_000;
/** make_process_cpuclock / make_thread_cpuclock; with which = CLOCKFD and no thread bit, the id of fd `pid`. */
export const cpuClockId = (pid: number, thread: boolean, which: number): number => (~pid << 3) | (thread ? CPUCLOCK.PERTHREAD_MASK : 0) | which;
/** The raw CPU clock ids every machine answers alike: the caller's own process and thread (pid 0) on each
 *  clock, CPUCLOCK_MAX, the clock fds 0 and 1 (no program opens a posix clock), and a pid no task has. */
export const CPU_CLOCK_IDS = [
  cpuClockId(0, false, CPUCLOCK.PROF), cpuClockId(0, false, CPUCLOCK.VIRT), cpuClockId(0, false, CPUCLOCK.SCHED),
  cpuClockId(0, true, CPUCLOCK.PROF), cpuClockId(0, true, CPUCLOCK.VIRT), cpuClockId(0, true, CPUCLOCK.SCHED),
  cpuClockId(0, true, CPUCLOCK.MAX), cpuClockId(0, false, CPUCLOCK.CLOCKFD), cpuClockId(1, false, CPUCLOCK.CLOCKFD),
  cpuClockId(NO_SUCH_PID, false, CPUCLOCK.SCHED), cpuClockId(NO_SUCH_PID, true, CPUCLOCK.PROF),
] as const;

/** Clone and namespace flags, as in include/uapi/linux/sched.h. */
export const CLONE_FLAGS = {
  CLONE_NEWTIME: 0x00000080,
  CLONE_VM: 0x00000100,
  CLONE_FS: 0x00000200,
  CLONE_FILES: 0x00000400,
  CLONE_SIGHAND: 0x00000800,
  CLONE_VFORK: 0x00004000,
  CLONE_THREAD: 0x00010000,
  CLONE_NEWNS: 0x00020000,
  CLONE_NEWUSER: 0x10000000,
} as const;
export type CloneFlagName = keyof typeof CLONE_FLAGS;

/** Flags a program may pass to clone3. CLONE_THREAD in a program also implies
 *  CLONE_SIGHAND | CLONE_FILES | CLONE_FS, as pthread_create passes them. */
export const CLONE3_PROGRAM_FLAGS = ['CLONE_NEWTIME', 'CLONE_NEWUSER', 'CLONE_VM', 'CLONE_VFORK', 'CLONE_THREAD'] as const;
/** Flags a program may pass to the legacy clone (its low byte is the exit signal, so not CLONE_NEWTIME). */
export const CLONE_PROGRAM_FLAGS = ['CLONE_NEWUSER', 'CLONE_VM', 'CLONE_VFORK', 'CLONE_THREAD'] as const;
/** The exit-signal byte of the legacy clone (include/uapi/linux/sched.h). */
export const CSIGNAL = 0xff;
export const SIGCHLD = 17;
/** Exit signals a program may give the legacy clone: none, SIGCHLD, and the two other signals whose default
 *  action is to be ignored (SIGURG, SIGWINCH); numbers above _NSIG (64) up to 255 are never sent. Any other
 *  signal would act on the parent (kill it, or run its handler), which the model does not describe. */
export const CLONE_EXIT_SIGNALS_IGNORED = [0, 17, 23, 28] as const;
export const NSIG = 64;

/** wait4 and waitid options (include/uapi/linux/wait.h). WNOHANG is always passed; waitid also WEXITED. */
export const WAIT_OPTIONS = {
  WNOHANG: 0x00000001,
  WEXITED: 0x00000004,
  __WCLONE: 0x80000000,
  __WALL: 0x40000000,
} as const;
/** Options a program may add to a wait. */
export const WAIT_PROGRAM_OPTIONS = ['__WCLONE', '__WALL'] as const;
export type WaitOptionName = (typeof WAIT_PROGRAM_OPTIONS)[number];

/** lseek whence values (include/uapi/linux/fs.h). */
export const SEEK_WHENCE = { SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2 } as const;

/** Flags a program may pass to unshare (CLONE_VFORK is never valid there: it yields EINVAL). */
export const UNSHARE_PROGRAM_FLAGS = ['CLONE_NEWTIME', 'CLONE_NEWUSER', 'CLONE_THREAD', 'CLONE_VM', 'CLONE_VFORK'] as const;
/** nstype values a program may pass to setns. [] is 0. */
export const SETNS_PROGRAM_FLAGS = ['CLONE_NEWTIME', 'CLONE_NEWUSER'] as const;

/** Capabilities that decide something in this subsystem (include/uapi/linux/capability.h). */
export const CAPS = {
  CAP_DAC_OVERRIDE: 1,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SETFCAP: 31,
  CAP_WAKE_ALARM: 35,
} as const;
export type CapName = keyof typeof CAPS;
export const CAP_NAMES = Object.keys(CAPS) as CapName[];

/** errno names a step may report. */
export const ERRNOS = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EBADF: 9, ECHILD: 10, EAGAIN: 11, ENOMEM: 12,
  EACCES: 13, EFAULT: 14, EBUSY: 16, EINVAL: 22, ENOSPC: 28, ERANGE: 34, ENOSYS: 38,
  ENOTTY: 25, ESPIPE: 29, EUSERS: 87, EOPNOTSUPP: 95, ETIMEDOUT: 110, ECANCELED: 125,
} as const;
export type Errno = keyof typeof ERRNOS;

/** nsfs ioctls (include/uapi/linux/nsfs.h). */
export const NS_IOCTLS = {
  NS_GET_USERNS: 0xb701,
  NS_GET_PARENT: 0xb702,
  NS_GET_NSTYPE: 0xb703,
  NS_GET_OWNER_UID: 0xb704,
} as const;
export type NsIoctl = keyof typeof NS_IOCTLS;

/** Inode numbers of the initial namespaces (include/linux/proc_ns.h) and the dynamic pool. */
export const PROC_USER_INIT_INO = 0xeffffffd; // 4026531837
export const PROC_TIME_INIT_INO = 0xeffffffa; // 4026531834
export const PROC_DYNAMIC_FIRST = 0xf0000000; // 4026531840

/** Time limits (include/linux/ktime.h, include/linux/time64.h). */
export const NSEC_PER_SEC = 1_000_000_000n;
export const KTIME_MAX = (1n << 63n) - 1n;
export const KTIME_SEC_MAX = KTIME_MAX / NSEC_PER_SEC; // 9223372036
export const INT_MAX = 2147483647;

/** The kernel's overflow uid, shown for ids that have no mapping (65534). */
export const OVERFLOW_UID = 65534;
/** Deepest user-namespace nesting (kernel/user_namespace.c create_user_ns: a parent at level 32 gives ENOSPC;
 *  EUSERS before Linux 4.9). */
export const USER_NS_MAX_LEVEL = 32;

/** /proc files a program may open, relative to /proc/PID. */
export const PROC_FILES = ['ns/time', 'ns/time_for_children', 'ns/user', 'timens_offsets'] as const;
export type ProcFile = (typeof PROC_FILES)[number];
