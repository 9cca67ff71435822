// One graphile-worker runner with default options (only the connection, the crontab and the task list given): its
// crontab's tasks report when each job body starts and which tick (`_cron.ts`) it was for.
import { run, type Task } from 'graphile-worker';
import { guard, send, serve } from '../lib/child-io';
import { wallNow } from '../lib/tick-window';

const [url, instance, crontab] = process.argv.slice(2);

guard(async () => {
  const taskList: Record<string, Task> = {};
  for (const line of crontab.split('\n')) {
    const task = line.trim().split(/\s+/)[5];
    taskList[task] = async (payload) => {
      const at = wallNow();
      const tick = Date.parse(String((payload as { _cron?: { ts?: string } })._cron?.ts));
      send({ type: 'start', instance, task, tick, at });
    };
  }
  const runner = await run({ connectionString: url, crontab, taskList, noHandleSignals: true });
  serve({}, () => runner.stop());
  send({ type: 'ready', instance });
  void (runner.promise as Promise<void>).catch((err: unknown) => process.stderr.write(`graphile-worker ended: ${String(err)}\n`));
});
