/**
 * Runs `body` and fails the test if anything was thrown into the event loop meanwhile (or just
 * after): an uncaught exception or unhandled rejection there would end a user's process.
 */
export async function noUncaught(body: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const record = (error: unknown): number => seen.push(error);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  try {
    await body();
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  }
  expect(seen).toEqual([]);
}
