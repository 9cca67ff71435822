/** How many sets an `IdSet` spreads its ids over. A power of two, so a hash picks one with a mask. */
const SHARDS = 16;

/** How many characters from each end of an id the shard hash reads. */
const ENDS = 4;

/**
 * A set of ids (strings) kept as several smaller sets, for tenant ids by the million.
 *
 * Why: a `Set` grows by copying itself whole into a table twice its size, in one step that cannot be split; shrinks
 * after deletes the same way. At a million ids one such step holds the event loop for 40 to 80 ms on the machines we
 * measure on (`npm run bench`, figure 8). Spread over 16 sets, each step is 16 times smaller. Insertion order is not
 * kept across shards: callers that need an order keep a list next to the set.
 */
export class IdSet {
  private readonly shards: Set<string>[] = Array.from({ length: SHARDS }, () => new Set<string>());
  private count = 0;

  constructor(ids?: Iterable<string>) {
    if (ids) for (const id of ids) this.add(id);
  }

  get size(): number {
    return this.count;
  }

  /** Adds `id`; true when it was not there yet. */
  add(id: string): boolean {
    const shard = this.shards[shardOf(id)];
    const before = shard.size;
    if (shard.add(id).size === before) return false;
    this.count++;
    return true;
  }

  has(id: string): boolean {
    return this.shards[shardOf(id)].has(id);
  }

  /** Removes `id`; true when it was there. */
  delete(id: string): boolean {
    if (!this.shards[shardOf(id)].delete(id)) return false;
    this.count--;
    return true;
  }
}

/**
 * FNV-1a over the first and last few characters: ids that differ anywhere tend to differ at one end (a counter or
 * a random suffix, a name or a random prefix), and reading at most eight characters keeps the hash cheap next to
 * the set operation it picks a shard for. Ids that agree at both ends all land in one shard: slower, never wrong.
 */
export function shardOf(id: string): number {
  let hash = 0x811c9dc5;
  const length = id.length;
  const head = Math.min(ENDS, length);
  for (let i = 0; i < head; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  for (let i = Math.max(head, length - ENDS); i < length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  // Folded: the low bits of FNV alone spread less evenly than the whole word.
  return (hash ^ (hash >>> 16)) & (SHARDS - 1);
}
