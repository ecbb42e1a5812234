// Types for scripts/bench/until-ready.mjs (plain JS, so it can be timed as a whole process).
export function startUntilReady(
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ command: string; readyMs: number; cpuMs: number; code: number | null }>;
