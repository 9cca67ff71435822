import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from './args';

test('defaults: two minutes on Redis with persistence, seed drawn later', () => {
  assert.deepEqual(parseArgs([]), {
    ok: true,
    args: { minutes: 2, store: 'redis', json: false, persistence: true, help: false },
  });
});

test('reads every flag', () => {
  const parsed = parseArgs([
    '--minutes',
    '0.5',
    '--seed',
    '22',
    '--store',
    'postgres',
    '--json',
    '--no-persistence',
    '--check',
    'x',
  ]);
  assert.deepEqual(parsed, {
    ok: true,
    args: { minutes: 0.5, seed: 22, store: 'postgres', json: true, persistence: false, check: 'x', help: false },
  });
});

test('refuses bad values and unknown flags with a message that names them', () => {
  for (const argv of [
    ['--minutes', '0'],
    ['--minutes', 'ten'],
    ['--seed', '-1'],
    ['--seed', '1.5'],
    ['--store'],
    ['--fast'],
  ]) {
    const parsed = parseArgs(argv);
    assert.equal(parsed.ok, false, argv.join(' '));
    if (!parsed.ok) assert.match(parsed.error, new RegExp(argv[0]));
  }
});
