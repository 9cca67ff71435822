/**
 * Fails a test during which anything rejected unhandled: the library promises that nothing it schedules can.
 *
 * The listener sits on the worker's real `process` (see real-process-environment.cjs; the sandbox's `process` never
 * hears these events), from the first test of the describe block to its end, so a rejection that surfaces between two
 * tests is still caught, by the next test's check or by the block's own. Every rejection counts, also one that is
 * handled later: under Node's default `--unhandled-rejections=throw` it has already crashed the process by then.
 * Jest's own check forgets those, and attributes the rest by async context; this one is stricter and says which.
 *
 * The file must start with the docblock
 *   /** @jest-environment ./test/support/real-process-environment.cjs *\/
 * test/unit/unhandled-watcher.spec.ts proves, on planted rejections, that this check fails when it should.
 */
interface RealProcessEvents {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): void;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): void;
}

export function failOnUnhandledRejections(): { readonly calls: unknown[] } {
  const events = (globalThis as { __ccRealProcessEvents?: RealProcessEvents }).__ccRealProcessEvents;
  if (!events) {
    // Without the environment the check would silently see nothing, which is the bug this file replaces.
    throw new Error(
      'failOnUnhandledRejections() needs the real-process test environment: start the spec file with ' +
        '/** @jest-environment ./test/support/real-process-environment.cjs */',
    );
  }
  const seen = { calls: [] as unknown[] };
  const listener = (reason: unknown) => void seen.calls.push(reason);
  const takeAndCheck = () => {
    const calls = seen.calls.splice(0);
    expect(calls.map(label)).toEqual([]);
  };
  beforeAll(() => events.on('unhandledRejection', listener));
  afterEach(async () => {
    // Node reports a rejection once the microtask queue has drained; one macrotask later, the test's last ones are in.
    await new Promise((resolve) => setImmediate(resolve));
    takeAndCheck();
  });
  afterAll(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    events.off('unhandledRejection', listener);
    takeAndCheck();
  });
  return seen;
}

function label(reason: unknown): string {
  const text = reason instanceof Error ? (reason.stack ?? `${reason.name}: ${reason.message}`) : String(reason);
  return `unhandled rejection: ${text}`;
}
