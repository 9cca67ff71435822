'use strict';

// One BullMQ worker process with default options; reports when each job body starts and which tick it was for.
const { Worker } = require('bullmq');
const { send, serve, guard } = require('../lib/child-io');
const { bullConnection } = require('../lib/bullmq-connection');

const [queueName, prefix, url, instance] = process.argv.slice(2);

function tickOf(job) {
  // Scheduler job ids are `repeat:<schedulerId>:<tick millis>`; opts.prevMillis carries the same tick.
  const m = /:(\d+)$/.exec(String(job.id));
  if (m) return Number(m[1]);
  return Number(job.opts && job.opts.prevMillis);
}

guard(async () => {
  const conn = await bullConnection(url);
  const worker = new Worker(
    queueName,
    async (job) => {
      const at = performance.timeOrigin + performance.now();
      send({ type: 'start', instance, tick: tickOf(job), at, jobId: String(job.id) });
    },
    { connection: conn.connection, prefix },
  );
  worker.on('error', (err) => process.stderr.write(`worker error: ${err && err.message}\n`));
  await worker.waitUntilReady();
  serve({}, async () => {
    await worker.close();
    await conn.close();
  });
  send({ type: 'ready', instance });
});
