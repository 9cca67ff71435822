'use strict';

/** Child side of the IPC protocol in children.js. */

function send(msg) {
  if (process.send && process.connected) process.send(msg);
}

function fatal(err) {
  const message = err && err.stack ? err.stack : String(err);
  process.stderr.write(`${message}\n`);
  send({ type: 'fatal', message: err && err.message ? err.message : String(err) });
  // Let the IPC message flush before leaving.
  setTimeout(() => process.exit(1), 50);
}

/**
 * Routes parent commands to `handlers[cmd]`. A handler's resolved value is sent back as a message of type
 * `${cmd}:done`; `exit` runs `onExit` and leaves.
 */
function serve(handlers, onExit) {
  process.on('message', async (msg) => {
    if (!msg || typeof msg.cmd !== 'string') return;
    if (msg.cmd === 'exit') {
      try {
        if (onExit) await onExit();
      } catch (err) {
        process.stderr.write(`close failed: ${err && err.stack ? err.stack : err}\n`);
      }
      process.exit(0);
    }
    const handler = handlers[msg.cmd];
    if (!handler) return fatal(new Error(`unknown command ${msg.cmd}`));
    try {
      const result = await handler(msg);
      send({ type: `${msg.cmd}:done`, ...result });
    } catch (err) {
      fatal(err);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

function guard(main) {
  process.on('unhandledRejection', (err) => fatal(err));
  process.on('uncaughtException', (err) => fatal(err));
  Promise.resolve()
    .then(main)
    .catch(fatal);
}

module.exports = { send, fatal, serve, guard };
