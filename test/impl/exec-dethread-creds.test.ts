// de_thread() of a non-leader exec releases the old leader once: release_task puts its cred once, so
// a cred the threads share (copy_creds: CLONE_THREAD takes a reference, no copy) keeps the exec'ing
// thread's reference, and the user namespace that cred holds stays alive. Run on impl and model side
// by side, the abstract state (user namespaces included) compared after every step.
import { expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { Step } from '../../vocab/index.ts';

it('a thread that execs in a new user namespace keeps the cred and the namespace it shares with its old leader', () => {
  const steps: Step[] = [
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] },
    { task: 't0', call: 'thread', child: 't1' },
    { task: 't1', call: 'exec' },
  ];
  expect(agreeing(steps, 'exec-dethread-creds').at(-1)).toEqual({ ret: 0 });
});
