/** Child side of the IPC protocol in children.ts. */

export function send(msg: { type: string; [key: string]: unknown }): void {
  if (process.send && process.connected) process.send(msg);
}

export function fatal(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${err instanceof Error && err.stack ? err.stack : message}\n`);
  send({ type: 'fatal', message });
  // Let the IPC message flush before leaving.
  setTimeout(() => process.exit(1), 50);
}

type Handler = (msg: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * Routes parent commands to `handlers[cmd]`. A handler's resolved value is sent back as a message of type
 * `${cmd}:done`; `exit` runs `onExit` and leaves.
 */
export function serve(handlers: Record<string, Handler>, onExit?: () => Promise<unknown>): void {
  process.on('message', async (raw: unknown) => {
    const msg = raw as Record<string, unknown> | null;
    if (!msg || typeof msg.cmd !== 'string') return;
    if (msg.cmd === 'exit') {
      try {
        await onExit?.();
      } catch (err) {
        process.stderr.write(`close failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      }
      process.exit(0);
    }
    const handler = handlers[msg.cmd];
    if (!handler) return fatal(new Error(`unknown command ${msg.cmd}`));
    try {
      send({ ...(await handler(msg)), type: `${msg.cmd}:done` });
    } catch (err) {
      fatal(err);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Runs a child's main; anything it throws or leaves unhandled reaches the parent as a `fatal` message. */
export function guard(main: () => Promise<void>): void {
  process.on('unhandledRejection', fatal);
  process.on('uncaughtException', fatal);
  main().catch(fatal);
}

/** Sends `result` and leaves once it has had time to flush: one-shot children (one measurement per process). */
export function finish(result: Record<string, unknown>): void {
  send({ ...result, type: 'result' });
  setTimeout(() => process.exit(0), 20);
}
