/**
 * Records every unhandled rejection while a describe block runs and fails each test that caused one: the library
 * promises that nothing it schedules rejects unhandled.
 */
export function failOnUnhandledRejections(): { readonly calls: unknown[] } {
  const seen = { calls: [] as unknown[] };
  const listener = (reason: unknown) => seen.calls.push(reason);
  beforeEach(() => {
    seen.calls.length = 0;
    process.on('unhandledRejection', listener);
  });
  afterEach(() => {
    process.off('unhandledRejection', listener);
    expect(seen.calls).toEqual([]);
  });
  return seen;
}
