import { forEachInTurns, shuffleInTurns } from './in-turns.js';

/** Counts how often a 1 ms interval fired while `work` ran: zero means the work held the event loop throughout. */
async function timerFiresDuring(work: () => Promise<unknown>): Promise<number> {
  let fired = 0;
  const ticker = setInterval(() => (fired += 1), 1);
  try {
    await work();
  } finally {
    clearInterval(ticker);
  }
  return fired;
}

/** Work per item heavy enough that a pass takes well over one turn. */
const busy = (id: string) => {
  let h = 0;
  for (let i = 0; i < 200; i++) h = (h * 31 + id.charCodeAt(i % id.length)) | 0;
  return h;
};

describe('forEachInTurns', () => {
  const ids = Array.from({ length: 200_000 }, (_, i) => `t-${i}`);

  it('visits every item in order', async () => {
    const seen: string[] = [];
    await forEachInTurns(['a', 'b', 'c'], (id) => seen.push(id));
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('lets timers fire during a long pass', async () => {
    expect(await timerFiresDuring(() => forEachInTurns(ids, busy))).toBeGreaterThan(0);
  });

  it('holds the loop for the whole pass when turns are infinite (what the default avoids)', async () => {
    expect(await timerFiresDuring(() => forEachInTurns(ids, busy, Number.POSITIVE_INFINITY))).toBe(0);
  });
});

describe('shuffleInTurns', () => {
  it('makes the same swaps as a plain Fisher-Yates for the same random source', async () => {
    const first = () => 0;
    await expect(shuffleInTurns(['a', 'b', 'c'], first)).resolves.toEqual(['b', 'c', 'a']);
  });

  it('keeps every item exactly once', async () => {
    const items = Array.from({ length: 50_000 }, (_, i) => i);
    const shuffled = await shuffleInTurns([...items]);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
  });
});
