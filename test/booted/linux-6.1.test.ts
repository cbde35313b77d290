// Every check on Linux 6.1 booted under QEMU, in one file so that one boot serves them all (a test file
// runs in a process of its own, with its own executors): the guard and seccomp wall in the guest, the
// version against its profile, and the counterexamples found there. Linux 6.12 has a file of
// its own, so that the two guests boot and run side by side.
import { bootedCounterexamples, bootedCounterexamplesStored } from './counterexamples.ts';
import { bootedSafety } from './safety.ts';
import { bootedVersion } from './versions.ts';

bootedSafety('6.1');
bootedVersion('6.1');
bootedCounterexamples('6.1');
bootedCounterexamplesStored();
