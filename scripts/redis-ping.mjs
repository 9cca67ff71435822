// Whether a Redis answers at a URL, asked with a raw PING so that it works before any client is installed. Used by
// scripts/prepare.mjs (start one when nothing answers) and sample-app/cluster.js (say so before any instance starts).
import net from 'node:net';

/** True when the server answers PING, or wants a password first (it is there either way). */
export function redisAnswers(url, timeoutMs = 1500) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (answers) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}
