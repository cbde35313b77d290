// What a campaign runs when its command line does not say: here apart from the campaigns themselves, so
// that the command line's usage text can name them without loading the generators and both sides.
export const DEFAULT_CAMPAIGN = { seed: 1, runs: 1000, maxSteps: 60 } as const;
export const DEFAULT_KERNEL_CAMPAIGN = { seed: 1, runs: 300, maxSteps: 15 } as const;
