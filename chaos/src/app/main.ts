// One instance of the chaos app, as its own process. Started by the runner (runner/fleet.ts) with:
// argv: instanceId, store name, store address, sink URL, history file; env CHAOS_SETTINGS (JSON), and for an
// instance with its clock off, libfaketime's variables.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type RunSettings } from '../config';
import { loadLibrary } from '../lib/library';
import { storeNamed } from '../stores';
import { chaosAppModule } from './chaos-app';
import { Recorder } from './recorder';
import { RecordingLogger } from './recording-logger';
import { SinkClient } from './sink-client';

const [instanceId, storeName, storeAddress, sinkUrl, historyFile] = process.argv.slice(2);
const settings = JSON.parse(process.env.CHAOS_SETTINGS ?? 'null') as RunSettings;
const recorder = new Recorder(historyFile);
const describe = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));
const send = (message: object): void => {
  if (process.send && process.connected) process.send(message);
};

// The checker counts these: nothing the library schedules may reject unhandled or throw out of a callback.
process.on('unhandledRejection', (reason) => {
  recorder.record({ type: 'unhandled', kind: 'unhandledRejection', message: describe(reason) });
});
process.on('uncaughtException', (error) => {
  recorder.record({ type: 'unhandled', kind: 'uncaughtException', message: describe(error) });
  process.stderr.write(`uncaught exception: ${describe(error)}\n`);
  process.exit(70);
});
// The runner's clock check: answered at once with this process's clock, which libfaketime may have moved.
process.on('message', (message: { type?: string; id?: number }) => {
  if (message?.type === 'ping') send({ type: 'pong', id: message.id, now: Date.now() });
});
process.on('disconnect', () => process.exit(71));

// A deploy-like stop: the library drains (or interrupts) its runs, then the process leaves with code 0. A stop that
// hangs past every bound exits with 75, which the checker counts as an unexpected exit. Installed before the boot, so
// a stop that comes while the app is still starting is a clean one too.
let close: (() => Promise<void>) | undefined;
let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  recorder.record({ type: 'closing' });
  const bound = settings.shutdownTimeoutMs + settings.lockTimeoutMs + 5000;
  setTimeout(() => process.exit(75), bound).unref();
  void Promise.resolve(close?.())
    .then(() => {
      recorder.record({ type: 'closed' });
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(`close failed: ${describe(error)}\n`);
      process.exit(74);
    });
});

async function main(): Promise<void> {
  recorder.record({ type: 'boot', pid: process.pid, offsetMs: Number(process.env.CHAOS_CLOCK_OFFSET_MS ?? 0) });
  const library = loadLibrary();
  const sink = new SinkClient(sinkUrl);
  const store = await storeNamed(storeName).connect(storeAddress, (message) =>
    recorder.record({ type: 'client-error', message }),
  );
  const module = chaosAppModule({ library, settings, instanceId, recorder, sink, store });
  const app = await NestFactory.createApplicationContext(module, { logger: new RecordingLogger(recorder) });
  close = async () => {
    await app.close();
    await store.close();
    sink.close();
  };
  if (closing) return;
  recorder.record({ type: 'ready' });
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  process.stderr.write(`boot failed: ${describe(error)}\n`);
  recorder.record({ type: 'log', level: 'fatal', text: `boot failed: ${describe(error)}` });
  process.exit(73);
});
