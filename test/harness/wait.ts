// Waiting in tests for what cannot be awaited directly (a log line, a delivery, a subscription
// taking effect): the condition is polled every few milliseconds until it holds, or the test fails
// naming what it waited for.

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}
