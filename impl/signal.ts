// Blocking calls and the signals that end them (kernel/signal.c, the restart machinery of
// hrtimer_nanosleep, futex_wait and wait_event_interruptible). A task in a blocking call is 'blocked'
// with a Waiter; it leaves when its sleeper expires, when its timerfd has something to report, when a
// signal with a handler interrupts it (EINTR), or when it is killed (the call vanishes).
import type { Completion, Observation, TaskCall } from '../vocab/index.ts';
import { fput } from './files.ts';
import { BASE_CPU, hrtimerCancel, hrtimerRemaining, hrtimerRestart, type HrTimer } from './hrtimer.ts';
import type { File, Kernel, Task } from './sched.ts';
import { timerfdRemoveReader } from './timerfd.ts';

/** Put me to sleep in call; the step observes { pending: true }. */
export function blockTask(me: Task, call: TaskCall, clock: number, sleeper: HrTimer | null, relative: boolean, file: File | null): Observation {
  me.state = 'blocked';
  me.waiting = { call, clock, sleeper, relative, file };
  return { pending: true };
}

/** The blocking call of t returns: report it among the step's completions and let t run again. */
export function finishWait(k: Kernel, t: Task, outcome: Omit<Completion, 'task' | 'call'>): void {
  const w = t.waiting!;
  t.waiting = null;
  t.state = 'running';
  if (w.sleeper !== null) hrtimerCancel(k.hrtimers, w.sleeper);
  if (w.file !== null) {
    // finish_wait(): off the timerfd's wait queue, whatever ended the read (a wake, or EINTR).
    timerfdRemoveReader(w.file, t);
    fput(k, w.file);
  }
  k.completions.push({ task: t.handle, call: w.call, ...outcome });
}

/** The expiry callback of an hrtimer_sleeper: the sleep is over. */
export function sleeperFn(k: Kernel, t: Task): () => void {
  return () => {
    if (t.waiting === null) return;
    finishWait(k, t, t.waiting.call === 'futex_wait' ? { err: 'ETIMEDOUT' } : { ret: 0 });
  };
}

/** A task is killed (exit_group, a sibling's exec): its blocking call vanishes with it. */
export function abortWait(k: Kernel, t: Task): void {
  const w = t.waiting;
  if (w === null) return;
  t.waiting = null;
  if (w.sleeper !== null) hrtimerCancel(k.hrtimers, w.sleeper);
  if (w.file !== null) {
    timerfdRemoveReader(w.file, t);
    fput(k, w.file);
  }
}

/**
 * A signal reaches t. With a handler (SIGUSR1 without SA_RESTART) a blocking call ends with EINTR,
 * a relative sleep reporting the time left. Without (SIGSTOP, SIGCONT) the call is restarted: a sleep
 * is armed again at the same host expiry (an absolute one converts to the same host time, its
 * namespace's offsets being frozen), so it goes behind the timers armed meanwhile; a read waits again.
 * A vfork parent waits killably: no signal here ends that.
 */
export function signalTask(k: Kernel, t: Task | undefined, handler: boolean): void {
  if (t === undefined || t.waiting === null) return;
  const w = t.waiting;
  if (!handler) {
    if (w.sleeper !== null && w.sleeper.base !== BASE_CPU && w.sleeper.index >= 0) hrtimerRestart(k.hrtimers, w.sleeper);
    if (w.file !== null) {
      timerfdRemoveReader(w.file, t);
      (w.file.f as { kind: 'timerfd'; ctx: { readers: Task[] } }).ctx.readers.push(t);
    }
    return;
  }
  if (w.call === 'futex_wait' || w.call === 'read' || !w.relative) {
    finishWait(k, t, { err: 'EINTR' });
    return;
  }
  // A CPU-time sleep holds the CPU time it still needs, which no step gives it.
  let left = w.sleeper === null ? 0n : w.sleeper.base === BASE_CPU ? w.sleeper.expires : hrtimerRemaining(k.hrtimers, w.sleeper);
  if (left < 0n) left = 0n;
  finishWait(k, t, { err: 'EINTR', time: left.toString() });
}
