// The shared vocabulary: the only module model/, impl/, the harness and the kernel backend all import.
export * from './constants.ts';
export * from './program.ts';
export * from './observation.ts';
export * from './observed.ts';
