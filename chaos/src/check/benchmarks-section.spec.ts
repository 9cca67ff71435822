import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withChaosSection } from './benchmarks-section';

const REDIS = '### Redis\n\nnew redis figures\n';
const POSTGRES = '### PostgreSQL\n\npostgres figures\n';

/** The section as withChaosSection writes it: heading, the fixed intro, then the stores' parts. */
const section = (markdown: string): string => markdown.slice(markdown.indexOf('## Chaos runs'));
const parts = (markdown: string): string[] =>
  section(markdown)
    .split(/^(?=### )/m)
    .slice(1)
    .map((part) => `${part.trimEnd()}\n`);

test('appends the section to a file that has none, and leaves the rest alone', () => {
  const out = withChaosSection('# Benchmarks\n\n## Results\n\nrows\n', REDIS);
  assert.ok(out.startsWith('# Benchmarks\n\n## Results\n\nrows\n\n## Chaos runs\n\n'));
  assert.deepEqual(parts(out), [REDIS]);
});

test("a store's part replaces that store's part alone; another store's is added after it", () => {
  const first = withChaosSection('# B\n', POSTGRES);
  const both = withChaosSection(first, '### Redis\n\nold\n');
  assert.deepEqual(parts(both), [POSTGRES, '### Redis\n\nold\n']);
  const again = withChaosSection(both, REDIS);
  assert.deepEqual(parts(again), [POSTGRES, REDIS]);
  assert.equal(again.match(/^## Chaos runs$/gm)?.length, 1);
});

test('a section from before the stores had parts of their own is rewritten whole', () => {
  const before = '# B\n\n## Results\n\nrows\n\n## Chaos runs\n\nCommand of old\n\n```\nold summary\n```\n';
  const out = withChaosSection(before, REDIS);
  assert.ok(!out.includes('old summary'));
  assert.ok(out.includes('## Results\n\nrows\n'));
  assert.deepEqual(parts(out), [REDIS]);
});

test('a heading that merely starts the same way is not the section', () => {
  const before = '# B\n\n## Chaos runs of old\n\nkept\n';
  const out = withChaosSection(before, REDIS);
  assert.ok(out.startsWith(`${before}\n## Chaos runs\n`));
});
