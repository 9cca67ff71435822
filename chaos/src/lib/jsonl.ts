import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * An append-only file of JSON lines, each written with one synchronous write: a process killed right after
 * `append` returns has its line in the file (the kernel holds it), which is what the checker relies on.
 */
export class JsonLines {
  private fd: number | undefined;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  append(record: object): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The records of a file, and how many lines could not be read (a line cut short is not expected, but counted). */
export function readJsonLines<T>(path: string): { records: T[]; unreadable: number } {
  const records: T[] = [];
  let unreadable = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      unreadable++;
    }
  }
  return { records, unreadable };
}
