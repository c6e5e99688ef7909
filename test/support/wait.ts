/** Polling for what happens in the background (a job, a mail delivery), with a deadline. */

/**
 * Calls `probe` until it returns something other than undefined, and returns that; fails after
 * `timeoutMs` saying what it waited for.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  options: { intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'the condition'}`);
}
