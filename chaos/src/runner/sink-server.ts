import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { FenceTable, type FenceVerdict } from './fence-table';

/** One write a job sends to the sink. */
export interface SinkWriteRequest {
  key: string;
  token: number;
  runId: string;
  occurrence: string;
  instanceId: string;
  tenant?: string;
  step?: string;
}

export type SinkWriteRecord = SinkWriteRequest & FenceVerdict & { seq: number; at: number };

const MAX_BODY = 64 * 1024;

/**
 * The fencing-checked resource every instance writes through: a small HTTP server in the runner process (so no fault
 * injected on the store or an instance touches it), with a `FenceTable` per job. Every write is handed to `record`
 * with a sequence number and the runner's clock, accepted or refused, before it is answered.
 */
export class SinkServer {
  private readonly table = new FenceTable();
  private readonly server: Server;
  private seq = 0;

  constructor(private readonly record: (write: SinkWriteRecord) => void) {
    this.server = createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/write') {
        res.writeHead(404).end();
        return;
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY) req.destroy();
      });
      req.on('end', () => {
        let write: SinkWriteRequest;
        try {
          write = JSON.parse(body) as SinkWriteRequest;
          if (typeof write.key !== 'string' || typeof write.runId !== 'string') throw new Error('key and runId');
        } catch (error) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad write: ${String(error)}`);
          return;
        }
        const verdict = this.table.write(write.key, write.token);
        this.record({ ...write, ...verdict, seq: ++this.seq, at: Date.now() });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(verdict));
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  /** Listens on a free loopback port; resolves its URL. */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const { port } = this.server.address() as AddressInfo;
        resolve(`http://127.0.0.1:${port}`);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
