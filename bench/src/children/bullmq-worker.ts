// One BullMQ worker process with default options; reports when each job body starts and which tick it was for.
import { Worker, type Job } from 'bullmq';
import { guard, send, serve } from '../lib/child-io';
import { ioredisOptions } from '../lib/redis';
import { wallNow } from '../lib/tick-window';

const [queueName, prefix, url, instance] = process.argv.slice(2);

function tickOf(job: Job): number {
  // Scheduler job ids are `repeat:<schedulerId>:<tick millis>`; opts.prevMillis carries the same tick.
  const m = /:(\d+)$/.exec(String(job.id));
  return m ? Number(m[1]) : Number((job.opts as { prevMillis?: number }).prevMillis);
}

guard(async () => {
  const worker = new Worker(
    queueName,
    async (job) => {
      send({ type: 'start', instance, tick: tickOf(job), at: wallNow(), jobId: String(job.id) });
    },
    { connection: ioredisOptions(url), prefix },
  );
  worker.on('error', (err) => process.stderr.write(`worker error: ${err.message}\n`));
  await worker.waitUntilReady();
  serve({}, () => worker.close());
  send({ type: 'ready', instance });
});
