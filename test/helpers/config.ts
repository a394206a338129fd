import { ConfigError } from '../../src/config.js';

/** The problems a configuration is refused with, as the operator reads them; none when it is accepted. */
export function configProblems(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
