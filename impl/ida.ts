// The proc inode allocator (fs/proc/generic.c: proc_alloc_inum over an IDA).
// The kernel's IDA hands out the lowest free id and reuses a freed id at once. A min-heap of freed ids
// plus a high-water mark gives the same order in O(log n) per call, instead of scanning the id space:
// every freed id is below the mark, so the heap's top, when there is one, is the lowest free id.
import { PROC_DYNAMIC_FIRST } from '../vocab/index.ts';

export class Ida {
  /** Freed ids below the high-water mark, as a binary min-heap. */
  private readonly freed: number[] = [];
  /** Lowest id never handed out. */
  private next: number;

  constructor(first: number = PROC_DYNAMIC_FIRST) {
    this.next = first;
  }

  /** ida_alloc: the lowest free id. */
  alloc(): number {
    const heap = this.freed;
    if (heap.length === 0) return this.next++;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }

  /** ida_free: the id is available to the very next alloc. */
  free(id: number): void {
    const heap = this.freed;
    heap.push(id);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p] <= heap[i]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  }
}
