// This machine's kernel against the "current" profile, when it is the 6.18 that profile describes
// (version-checks.ts); the booted versions are in test/booted/versions.ts.
import { hostGate, versionChecks } from './version-checks.ts';

versionChecks({ name: "this machine's kernel", profile: 'current', mode: {}, gate: hostGate });
