import { JsonLines } from '../lib/jsonl';
import { type InstanceRecord } from '../lib/records';

type WithoutTime<T> = T extends unknown ? Omit<T, 't'> : never;

/** This instance's history file: every record stamped with this process's clock (offset, when the run set one). */
export class Recorder {
  private readonly file: JsonLines;

  constructor(path: string) {
    this.file = new JsonLines(path);
  }

  record(record: WithoutTime<InstanceRecord>): void {
    this.file.append({ t: Date.now(), ...record });
  }
}
