// What the program reader says about a program it refuses: the field it names and the reason.
import { checkProgram, ProgramError } from '../harness/program.ts';

export function refusal(p: unknown): { field: string; reason: string } {
  try {
    checkProgram(p);
  } catch (e) {
    if (e instanceof ProgramError) return { field: e.field, reason: e.reason };
    throw e;
  }
  throw new Error('accepted');
}
