// Every check on a kernel booted under QEMU, in one file so that one boot of each version serves them
// all (a test file runs in a process of its own, with its own executors): the guard and seccomp wall in
// each guest, each version against its profile, the command line, and the counterexamples found there.
import './safety.ts';
import './versions.ts';
import './cli.ts';
import './counterexamples.ts';
