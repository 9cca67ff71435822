import { Agent, request } from 'node:http';
import { type WriteResult } from '../lib/records';
import { type SinkWriteRequest } from '../runner/sink-server';

const TIMEOUT_MS = 5000;

/** Writes to the runner's fencing-checked sink, as a job writes to a resource that checks fencing tokens. */
export class SinkClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(private readonly url: string) {}

  write(write: SinkWriteRequest): Promise<WriteResult> {
    const body = JSON.stringify(write);
    return new Promise((resolve) => {
      const req = request(
        `${this.url}/write`,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: TIMEOUT_MS,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            try {
              resolve((JSON.parse(text) as { accepted: boolean }).accepted ? 'accepted' : 'refused');
            } catch {
              resolve('error');
            }
          });
          res.on('error', () => resolve('error'));
        },
      );
      req.on('timeout', () => req.destroy(new Error('sink timeout')));
      req.on('error', () => resolve('error'));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
