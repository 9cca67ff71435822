'use strict';

// Figure 3: the library's claim, exactly as a run makes it (CoordinatedCronLock.claim -> BoundedLockStore ->
// RedisLockStore.acquire), against a raw SET NX PX on the very same node-redis client, interleaved.
const { randomUUID } = require('node:crypto');
const { default: KeyvRedis } = require('@keyv/redis');
const { send, serve, guard } = require('../lib/child-io');
const { createApp, jobsClass } = require('../lib/nest-app');
const { percentile } = require('../lib/stats');
const library = require('../lib/library');

const [url, keyPrefix, claimsArg] = process.argv.slice(2);
const CLAIMS = Number(claimsArg);
const JOB = 'bench-lock';
const TTL_MS = 600000;

guard(async () => {
  const { CoordinatedCronModule, CoordinatedCron } = library.load();
  const { CoordinatedCronLock } = library.internal('locking/coordinated-cron.lock');
  const Jobs = jobsClass('LockJobs', [
    { key: 'work', fn: async () => undefined, decorators: [CoordinatedCron(JOB, '0 0 1 1 *')] },
  ]);
  const cacheStore = new KeyvRedis(url);
  const { app } = await createApp({
    url,
    cacheStore,
    providers: [Jobs],
    extraImports: [CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId: 'lock' })],
  });
  const lock = app.get(CoordinatedCronLock, { strict: false });
  const client = await cacheStore.getClient();
  const token = `lock:${randomUUID()}`;
  let serial = 0;

  const libraryClaim = async () => {
    const occurrence = new Date(Date.UTC(2031, 0, 1) + serial * 1000);
    const t0 = performance.now();
    const won = await lock.claim(JOB, occurrence, token, TTL_MS);
    const dt = performance.now() - t0;
    if (won !== true) throw new Error('library claim of a fresh occurrence was not won');
    return dt;
  };
  const rawClaim = async () => {
    const key = `${keyPrefix}:raw:occurrence:${new Date(Date.UTC(2031, 0, 1) + serial * 1000).toISOString()}`;
    const t0 = performance.now();
    const reply = await client.set(key, token, { NX: true, PX: TTL_MS });
    const dt = performance.now() - t0;
    if (reply !== 'OK') throw new Error('raw SET NX of a fresh key was not won');
    return dt;
  };

  const round = async (n) => {
    const lib = new Float64Array(n);
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      serial++;
      // Alternate which goes first so neither always runs on a freshly woken socket.
      if (i % 2 === 0) {
        lib[i] = await libraryClaim();
        raw[i] = await rawClaim();
      } else {
        raw[i] = await rawClaim();
        lib[i] = await libraryClaim();
      }
    }
    return { lib, raw };
  };

  await round(500);

  serve(
    {
      rep: async () => {
        const { lib, raw } = await round(CLAIMS);
        const libP50 = percentile(lib, 50);
        const rawP50 = percentile(raw, 50);
        const libP99 = percentile(lib, 99);
        const rawP99 = percentile(raw, 99);
        return {
          libP50Us: libP50 * 1000,
          rawP50Us: rawP50 * 1000,
          libP99Us: libP99 * 1000,
          rawP99Us: rawP99 * 1000,
          p50Ratio: libP50 / rawP50,
          p99Ratio: libP99 / rawP99,
        };
      },
    },
    () => app.close(),
  );
  send({ type: 'ready' });
});
