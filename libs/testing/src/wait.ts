/** Thrown from a waitFor check to stop waiting at once (e.g. the awaited process died). */
export class WaitAborted extends Error {}

/**
 * Polls `check` until it returns a truthy value and returns that value. On timeout the error names
 * what was awaited and the last observation (a falsy value or the message of the last error), plus
 * `what` evaluated then when it is a function (e.g. the tail of a process log). A check that throws
 * counts as "not yet", except WaitAborted, which ends the wait at once.
 */
export async function waitFor<T>(
  what: string | (() => string),
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (e) {
      if (e instanceof WaitAborted) throw e;
      last = e instanceof Error ? e.message : e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what} (last: ${String(last)})`);
    }
    await sleep(everyMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
