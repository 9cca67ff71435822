import { IdSet, shardOf } from './id-set.js';

describe('IdSet', () => {
  it('answers like a Set: add once, has, delete once, size', () => {
    const set = new IdSet(['a', 'b', 'a']);
    expect(set.size).toBe(2);
    expect(set.add('c')).toBe(true);
    expect(set.add('c')).toBe(false);
    expect(set.has('b')).toBe(true);
    expect(set.has('z')).toBe(false);
    expect(set.delete('b')).toBe(true);
    expect(set.delete('b')).toBe(false);
    expect(set.delete('never')).toBe(false);
    expect(set.has('b')).toBe(false);
    expect(set.size).toBe(2);
  });

  it('agrees with a plain Set over many ids, short and long, with repeats', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => (i % 3 === 0 ? `${i % 15_000}` : `tenant-${i % 15_000}-eu`));
    const sharded = new IdSet(ids);
    const plain = new Set(ids);
    expect(sharded.size).toBe(plain.size);
    for (const id of [...plain].slice(0, 500)) expect(sharded.has(id)).toBe(true);
    for (const id of ['', 'tenant-', 'tenant-15000-eu', '15000']) expect(sharded.has(id)).toBe(plain.has(id));
  });
});

describe('shardOf', () => {
  const spread = (ids: string[]) => {
    const perShard = new Map<number, number>();
    for (const id of ids) perShard.set(shardOf(id), (perShard.get(shardOf(id)) ?? 0) + 1);
    return [...perShard.values()];
  };

  it('spreads counters, counters with a common suffix and random-looking ids over all 16 shards', () => {
    const n = 64_000;
    const kinds = [
      Array.from({ length: n }, (_, i) => `tenant-${i}`),
      Array.from({ length: n }, (_, i) => `${i}.tenants.example.com`),
      Array.from({ length: n }, (_, i) => `t_${(i * 2654435761) >>> 0}`),
    ];
    for (const ids of kinds) {
      const perShard = spread(ids);
      // About 4,000 each; no shard may hold twice its share (one big set is what the class exists to avoid).
      expect(perShard).toHaveLength(16);
      expect(Math.max(...perShard)).toBeLessThan((2 * n) / 16);
    }
  });

  it('is a pure function of the string, within range for the empty string and one character', () => {
    expect(shardOf('tenant-1')).toBe(shardOf('tenant-1'));
    for (const id of ['', 'a', 'ab', 'é']) {
      expect(shardOf(id)).toBeGreaterThanOrEqual(0);
      expect(shardOf(id)).toBeLessThan(16);
    }
  });
});
