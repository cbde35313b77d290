// The vDSO data pages and the userspace read path (lib/vdso/gettimeofday.c, include/vdso/datapage.h).
// The host page is written by the timekeeper (update_vsyscall) under its sequence counter. A time
// namespace's page is built once at freeze time with seq = 1 (odd forever) and clock_mode = TIMENS, so
// a reader in the namespace always falls into the timens branch, reads the real page from the timens
// slot, and adds offset[clock] once. A reader in init_time_ns finds an even seq and never sees the
// timens branch. The read path allocates nothing: plain number fields and typed arrays only.
import { INT_MAX, NSEC_PER_SEC, type HostClocks } from '../vocab/index.ts';
import type { Kernel, MmStruct, Task } from './sched.ts';
import type { TimeNamespace, Timespec } from './time_namespace.ts';

export const VDSO_CLOCKMODE_TSC = 1;
export const VDSO_CLOCKMODE_TIMENS = INT_MAX;
const MAX_CLOCKS = 16;
/** Clocks the vDSO answers (VDSO_HRES, VDSO_COARSE, VDSO_RAW as clock-id bitmasks). */
const VDSO_HRES = (1 << 0) | (1 << 1) | (1 << 7) | (1 << 11);
const VDSO_COARSE = (1 << 5) | (1 << 6);
const VDSO_RAW = 1 << 4;
const NSEC = 1e9;

export interface VdsoTimeData {
  seq: number;
  clockMode: number;
  /** basetime[clk]: host time at the last update, split into exact doubles: sec at 2 clk, nsec at 2 clk + 1. */
  base: Float64Array;
  /** offset[clk] of a timens page (normalised so 0 <= nsec < 1e9), laid out as base is. */
  off: Float64Array;
  hrtimerRes: number;
  lowResNsec: number;
}

function emptyPage(): VdsoTimeData {
  return {
    seq: 0, clockMode: VDSO_CLOCKMODE_TSC, base: new Float64Array(2 * MAX_CLOCKS), off: new Float64Array(2 * MAX_CLOCKS),
    hrtimerRes: 1, lowResNsec: 0,
  };
}

export function createHostPage(tickNs: bigint): VdsoTimeData {
  const page = emptyPage();
  page.lowResNsec = Number(tickNs);
  return page;
}

/** A nanosecond count as a normalised (sec, nsec) pair of plain numbers, 0 <= nsec < 1e9. */
function split(t: bigint): [number, number] {
  let sec = t / NSEC_PER_SEC;
  let nsec = t % NSEC_PER_SEC;
  if (nsec < 0n) { nsec += NSEC_PER_SEC; sec -= 1n; }
  return [Number(sec), Number(nsec)];
}

function setBase(page: VdsoTimeData, clk: number, t: bigint): void {
  [page.base[2 * clk], page.base[2 * clk + 1]] = split(t);
}

/** update_vsyscall(): the timekeeper publishes new host time, seq odd while it writes. */
export function updateVsyscall(k: Kernel, host: HostClocks): void {
  const old = k.host;
  k.host = host;
  const page = k.vdsoData;
  // Written only when the clocks moved: readers between updates see a stable, even seq.
  if (page.seq !== 0 && old.realtime === host.realtime && old.monotonic === host.monotonic &&
      old.monotonicRaw === host.monotonicRaw && old.boottime === host.boottime && old.tai === host.tai &&
      old.realtimeCoarse === host.realtimeCoarse && old.monotonicCoarse === host.monotonicCoarse) return;
  page.seq++;
  setBase(page, 0, host.realtime);
  setBase(page, 1, host.monotonic);
  setBase(page, 4, host.monotonicRaw);
  setBase(page, 5, host.realtimeCoarse);
  setBase(page, 6, host.monotonicCoarse);
  setBase(page, 7, host.boottime);
  setBase(page, 11, host.tai);
  page.seq++;
}

function setOffset(page: VdsoTimeData, clk: number, off: Timespec): void {
  [page.off[2 * clk], page.off[2 * clk + 1]] = split(off.sec * NSEC_PER_SEC + off.nsec);
}

/** timens_setup_vdso_clock_data(): seq = 1, clock_mode = TIMENS, offsets by clock id. */
export function timensSetupVdsoData(monotonic: Timespec, boottime: Timespec): VdsoTimeData {
  const page = emptyPage();
  page.seq = 1;
  page.clockMode = VDSO_CLOCKMODE_TIMENS;
  setOffset(page, 1, monotonic);
  setOffset(page, 4, monotonic);
  setOffset(page, 6, monotonic);
  setOffset(page, 7, boottime);
  setOffset(page, 9, boottime);
  return page;
}

/** What a fresh [vvar] fault maps for a task whose active namespace is ns. */
export function vvarMapFor(k: Kernel, mm: MmStruct, ns: TimeNamespace): void {
  if (ns === k.initTimeNs) {
    mm.vvar = k.vdsoData;
    mm.timensSlot = null;
  } else {
    mm.vvar = ns.vvarPage!;
    mm.timensSlot = k.vdsoData;
  }
}

/** vdso_join_timens(): zap the mm's [vvar] so it refaults with the task's current namespace. */
export function vdsoJoinTimens(k: Kernel, task: Task, ns: TimeNamespace): void {
  if (task.mm !== null) vvarMapFor(k, task.mm, ns);
}

/** __cvdso_clock_gettime_common: 1 when the clock has no vDSO path (the caller falls back to the
 *  syscall), else 0 with out = [sec, nsec].
 *  The mm's [vvar] is a direct reference to the page it maps (mm.vvar, mm.timensSlot, set when it
 *  faults in), so a namespaced read looks nothing up: it is the host read of the real page plus one add
 *  of the namespace's offset. do_hres_timens is open-coded here; the offsets are normalised, so one
 *  carry is enough: a loop and a call per namespaced read. */
export function cvdsoClockGettime(mm: MmStruct, clk: number, out: Float64Array): number {
  if (clk < 0 || clk >= MAX_CLOCKS) return 1;
  const msk = 1 << clk;
  if ((msk & (VDSO_HRES | VDSO_COARSE | VDSO_RAW)) === 0) return 1;
  let vd = mm.vvar;
  let timens: VdsoTimeData | null = null;
  // vdso_read_begin: an odd seq with clock_mode TIMENS is a namespace page (odd forever), not an update.
  if ((vd.seq & 1) !== 0 && vd.clockMode === VDSO_CLOCKMODE_TIMENS) {
    timens = vd;
    vd = mm.timensSlot!;
  }
  const i = clk << 1;
  let seq: number;
  let sec: number;
  let ns: number;
  do {
    while (((seq = vd.seq) & 1) !== 0);
    sec = vd.base[i];
    ns = vd.base[i + 1];
  } while (seq !== vd.seq);
  if (timens !== null) {
    // Add the namespace offset after the stable read.
    const off = timens.off;
    sec += off[i];
    ns += off[i + 1];
    if (ns >= NSEC) { ns -= NSEC; sec += 1; }
  }
  out[0] = sec;
  out[1] = ns;
  return 0;
}

/** __cvdso_clock_getres_common: never namespaced; the timens page redirects to the real one. */
export function cvdsoClockGetres(mm: MmStruct, clk: number, out: Float64Array): number {
  if (clk < 0 || clk >= MAX_CLOCKS) return 1;
  let vd = mm.vvar;
  if (vd.clockMode === VDSO_CLOCKMODE_TIMENS) vd = mm.timensSlot!;
  const msk = 1 << clk;
  let ns: number;
  if (msk & (VDSO_HRES | VDSO_RAW)) ns = vd.hrtimerRes;
  else if (msk & VDSO_COARSE) ns = vd.lowResNsec;
  else return 1;
  out[0] = 0;
  out[1] = ns;
  return 0;
}
