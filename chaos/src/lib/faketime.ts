import { existsSync } from 'node:fs';

/** Where Debian's `libfaketime` package puts the library, by architecture; CHAOS_FAKETIME_LIB wins over all. */
const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

export const FAKETIME_MISSING =
  'libfaketime is needed to start instances with their clock off: install it (Debian/Ubuntu: ' +
  'sudo apt-get install libfaketime) or name the library with CHAOS_FAKETIME_LIB=/path/to/libfaketime.so.1';

export function findFaketime(): string | undefined {
  const named = process.env.CHAOS_FAKETIME_LIB;
  if (named) return existsSync(named) ? named : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * The environment that starts a process with its wall clock `offsetMs` off (none for 0). Only the wall clock moves:
 * the monotonic clock, which Node's timers run on, stays true, as on a machine whose NTP is off.
 */
export function faketimeEnv(library: string, offsetMs: number): Record<string, string> {
  if (offsetMs === 0) return {};
  const sign = offsetMs > 0 ? '+' : '-';
  const preload = [library, process.env.LD_PRELOAD].filter(Boolean).join(':');
  return {
    LD_PRELOAD: preload,
    FAKETIME: `${sign}${(Math.abs(offsetMs) / 1000).toFixed(3)}s`,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}
