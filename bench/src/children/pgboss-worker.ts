// One pg-boss instance with default options (only the connection and an application name set): a worker on each of
// the queues the harness scheduled with `schedule()`. Reports when each job body starts and which minute it was for.
import PgBoss from 'pg-boss';
import { guard, send, serve } from '../lib/child-io';
import { wallNow } from '../lib/tick-window';

const [url, instance, queuesArg] = process.argv.slice(2);
const MINUTE_MS = 60_000;

guard(async () => {
  const boss = new PgBoss({ connectionString: url, application_name: instance });
  boss.on('error', (err: Error) => process.stderr.write(`pg-boss error: ${err.message}\n`));
  await boss.start();
  for (const queue of queuesArg.split(',')) {
    await boss.work(queue, { includeMetadata: true }, async (jobs) => {
      const at = wallNow();
      // A scheduled job is created by whichever instance's cron check (every 30 s by default) first sees its minute
      // due, and sent on through an internal queue: it is created within that minute, so its minute is the tick.
      for (const job of jobs) send({ type: 'start', instance, queue, tick: Math.floor(job.createdOn.getTime() / MINUTE_MS) * MINUTE_MS, at });
    });
  }
  serve({}, () => boss.stop({ graceful: false, timeout: 1000 }));
  send({ type: 'ready', instance });
});
