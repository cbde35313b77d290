// Every check on Linux 6.12 booted under QEMU, in one file so that one boot serves them all (a test file
// runs in a process of its own, with its own executors): the guard and seccomp wall in the guest, the
// version against its profile, the command line, and the counterexamples found there. Linux 6.1 has a
// file of its own, so that the two guests boot and run side by side.
import { bootedCli } from './cli.ts';
import { bootedCounterexamples } from './counterexamples.ts';
import { bootedSafety } from './safety.ts';
import { bootedVersion } from './versions.ts';

bootedSafety('6.12');
bootedVersion('6.12');
bootedCli();
bootedCounterexamples('6.12');
