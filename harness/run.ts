// Running programs: one side alone, or two sides in lock-step compared after every step.
// The host clocks live here and are handed to each side; a successful set of the realtime clock is
// applied to the host only after the sides have agreed on it.
import { CAP_NAMES, CLOCKS, isHostEvent, NOT_MADE, NSEC_PER_SEC, Resolver, unresolvedObservation } from '../vocab/index.ts';
import type { AbstractState, Backend, BackendFactory, Environment, HostClocks, Observation, Program, ProgramStep, Step } from '../vocab/index.ts';
import { firstDifference } from './canonical.ts';
import { Checker, Recorder, same } from './compare.ts';
import { hostAdvance, hostClocks, hostFromSeed, hostSetRealtime, hostSuspend, hostTick } from './host.ts';
import type { HostState } from './host.ts';

export const DEFAULT_MAX_TIME_NAMESPACES = 96365;
export const DEFAULT_TICK_NS = 4_000_000n;

/** The uid and gid an unprivileged start runs as (nobody), as the kernel executor does when not root. */
export const UNPRIVILEGED_ID = 65534;

export function resolveEnv(program: Program): Environment {
  const caps = program.env.caps;
  const unprivileged = program.env.start === 'user-namespace';
  return {
    caps: caps === undefined || caps === 'full' ? [...CAP_NAMES] : [...caps],
    uid: unprivileged ? UNPRIVILEGED_ID : 0,
    ...(unprivileged ? { userNamespace: { gid: UNPRIVILEGED_ID, parentCouldSetfcap: false } } : {}),
    rtc: program.env.rtc ?? true,
    maxTimeNamespaces: program.env.maxTimeNamespaces ?? DEFAULT_MAX_TIME_NAMESPACES,
    tickNs: DEFAULT_TICK_NS,
    // The kernel behaviour, when the program assumes an older one (absent: current).
    ...(program.kernel !== 'current' ? { kernel: program.kernel } : {}),
    // t0 was made as the host's clocks stood before the first step.
    startBoottime: hostClocks(hostFromSeed(program.env.seed)).boottime,
  };
}

export interface TraceEntry {
  index: number;
  /** The step as the side was given it: observed values filled in; NOT_MADE for a step not made. */
  step: Step;
  obs: Observation;
}

/** Move the host for one step, and return the clocks the step runs at. */
export function advanceHost(h: HostState, step: ProgramStep) {
  hostTick(h);
  if (isHostEvent(step)) {
    if (step.host === 'advance') hostAdvance(h, BigInt(step.ns));
    else if (step.host === 'suspend') hostSuspend(h, BigInt(step.ns));
    else if (step.host === 'settime') hostSetRealtime(h, BigInt(step.realtime));
  }
  return hostClocks(h);
}

/** After the step: a realtime set that succeeded becomes the host's new wall clock. */
function settleHost(h: HostState, step: ProgramStep, obs: Observation): void {
  if (!isHostEvent(step) && step.call === 'clock_settime' && obs.ret === 0 &&
      (step.clock === 'CLOCK_REALTIME' || step.clock === CLOCKS.CLOCK_REALTIME)) {
    hostSetRealtime(h, BigInt(step.sec) * NSEC_PER_SEC + BigInt(step.nsec));
  }
}

/**
 * One step of a program on one side: its observed values resolved from the side's own earlier
 * observations, or, where one is missing, nothing made (NOT_MADE: only the calls of other tasks that
 * end meanwhile) and { unresolved: true } observed.
 */
function makeStep(side: Backend, resolver: Resolver, step: ProgramStep, index: number, clocks: HostClocks): { obs: Observation; made: Step } {
  const resolved = resolver.resolve(step, index);
  const obs = resolved ? side.step(resolved, clocks) : unresolvedObservation(side.step(NOT_MADE, clocks));
  resolver.saw(index, obs);
  return { obs, made: resolved ?? NOT_MADE };
}

/** One side with its host, stepped one step at a time (for generation that watches as it goes). Step i
 *  of a program is the i-th step given, which is what an observed value's index names; labels are those
 *  of `steps` (given up front) or of the steps given so far. */
export class Stepper {
  private readonly host: HostState;
  readonly side: Backend;
  private readonly resolver: Resolver;
  private made = 0;
  constructor(env: Program['env'], factory: BackendFactory, kernel: Program['kernel'] = 'current', steps: readonly ProgramStep[] = []) {
    this.host = hostFromSeed(env.seed);
    this.side = factory(resolveEnv({ format: 1, kernel, env, steps: [] }));
    this.resolver = new Resolver(steps);
  }
  /** The host clocks as they stand between steps (the next step adds its tick). */
  clocks(): HostClocks {
    return hostClocks(this.host);
  }
  step(step: ProgramStep): { obs: Observation; clocks: HostClocks; made: Step } {
    const clocks = advanceHost(this.host, step);
    const index = this.made++;
    this.resolver.label(step, index);
    const { obs, made } = makeStep(this.side, this.resolver, step, index, clocks);
    settleHost(this.host, made, obs);
    return { obs, clocks, made };
  }
}

/** Run a program on one side. `observe` sees every step, with the side, after it ran. */
export function runProgram(
  program: Program,
  factory: BackendFactory,
  observe?: (entry: TraceEntry, side: Backend, clocks: HostClocks) => void,
): TraceEntry[] {
  const stepper = new Stepper(program.env, factory, program.kernel, program.steps);
  const trace: TraceEntry[] = [];
  program.steps.forEach((step, index) => {
    const { obs, clocks, made } = stepper.step(step);
    const entry = { index, step: made, obs };
    trace.push(entry);
    observe?.(entry, stepper.side, clocks);
  });
  return trace;
}

export interface Divergence {
  /** Index of the first step at which the sides differ. */
  index: number;
  /** The step as the program has it. */
  step: ProgramStep;
  kind: 'observation' | 'state' | 'crash' | 'check';
  left: Observation | { crash: string };
  right: Observation | { crash: string };
  /** For a state divergence: where the abstract states first differ. For a check: what it said. */
  stateDiff?: string;
}

export interface DifferentialResult {
  /** Each step as the program has it, with what each side observed. */
  trace: { index: number; step: ProgramStep; left: Observation; right: Observation }[];
  divergence?: Divergence;
}

/** How the states of a run were compared: written (streamed, the usual way) or built and compared as objects. */
export interface CompareCounts {
  written: number;
  built: number;
}

export interface DifferentialOptions {
  /** Compare abstract states after every step (default), or only observations. */
  compareState?: boolean;
  /** Sees each agreed step, with the left side's abstract state when states are compared. */
  observe?: (entry: TraceEntry, state: AbstractState | undefined) => void;
  /**
   * A further check after each agreed step (after the state comparison), given both sides: a string
   * stops the run there as a divergence of kind 'check' with that reason. Absent, it costs nothing.
   */
  check?: (entry: TraceEntry, left: Backend, right: Backend) => string | undefined;
  /** Counts, across runs, how states were compared. */
  counts?: CompareCounts;
}

function attempt(side: Backend, resolver: Resolver, step: ProgramStep, index: number, clocks: HostClocks): { obs: Observation; made: Step } | { crash: string } {
  try {
    return makeStep(side, resolver, step, index, clocks);
  } catch (e) {
    return { crash: (e as Error).stack ?? String(e) };
  }
}

/**
 * Run a program on two sides in lock-step. Stops at the first step whose observations differ, or, with
 * compareState, whose abstract states differ afterwards. Observations are compared as canonical JSON
 * would compare them (same()). States are compared as the sides write them (writeAbstract), token by
 * token, without building them; only when the writings differ, or a side cannot write, are the built
 * states compared, and a difference located.
 */
export function runDifferential(
  program: Program,
  leftFactory: BackendFactory,
  rightFactory: BackendFactory,
  options: DifferentialOptions = {},
): DifferentialResult {
  const compareState = options.compareState ?? true;
  const { observe, check, counts } = options;
  const env = resolveEnv(program);
  const host = hostFromSeed(program.env.seed);
  const left = leftFactory(env);
  const right = rightFactory(env);
  const written = left.writeAbstract !== undefined && right.writeAbstract !== undefined;
  const record = new Recorder();
  const checker = new Checker(record);
  const trace: DifferentialResult['trace'] = [];
  // Each side's observed values come from its own observations.
  const [leftValues, rightValues] = [new Resolver(program.steps), new Resolver(program.steps)];
  for (let index = 0; index < program.steps.length; index++) {
    const step = program.steps[index];
    const clocks = advanceHost(host, step);
    const lm = attempt(left, leftValues, step, index, clocks);
    const rm = attempt(right, rightValues, step, index, clocks);
    if ('crash' in lm || 'crash' in rm) {
      return { trace, divergence: { index, step, kind: 'crash', left: 'crash' in lm ? lm : lm.obs, right: 'crash' in rm ? rm : rm.obs } };
    }
    const [l, r] = [lm.obs, rm.obs];
    if (!same(l, r)) return { trace, divergence: { index, step, kind: 'observation', left: l, right: r } };
    trace.push({ index, step, left: l, right: r });
    settleHost(host, step, l);
    let state: AbstractState | undefined;
    if (compareState) {
      let agreed = false;
      if (written) {
        record.reset();
        left.writeAbstract!(record);
        checker.start();
        right.writeAbstract!(checker);
        agreed = checker.matched();
      }
      if (agreed) {
        if (counts) counts.written++;
      } else {
        if (counts) counts.built++;
        state = left.abstract();
        const rs = right.abstract();
        if (!same(state, rs)) {
          return { trace, divergence: { index, step, kind: 'state', left: l, right: r, stateDiff: firstDifference(state, rs) } };
        }
      }
    }
    if (observe !== undefined || check !== undefined) {
      const entry = { index, step: lm.made, obs: l };
      if (observe !== undefined) observe(entry, compareState ? (state ??= left.abstract()) : undefined);
      if (check !== undefined) {
        const reason = check(entry, left, right);
        if (reason !== undefined) return { trace, divergence: { index, step, kind: 'check', left: l, right: r, stateDiff: reason } };
      }
    }
  }
  return { trace };
}
