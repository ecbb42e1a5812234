export const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/**
 * Poll `check` (sync or async) every `everyMs` until it holds; after `timeoutMs`, fail saying
 * what was awaited.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 30_000, everyMs = 10 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
