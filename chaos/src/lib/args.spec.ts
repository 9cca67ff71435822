import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULT_KINDS } from '../config';
import { parseArgs } from './args';

test('defaults: two minutes on Redis with persistence, seed drawn later', () => {
  assert.deepEqual(parseArgs([]), {
    ok: true,
    args: { minutes: 2, store: 'redis', json: false, persistence: true, faults: [...FAULT_KINDS], help: false },
  });
});

test('reads every flag', () => {
  const argv = [
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
  ];
  const parsed = parseArgs([...argv, '--faults', 'store-pause,instance-kill']);
  assert.deepEqual(parsed, {
    ok: true,
    args: {
      minutes: 0.5,
      seed: 22,
      store: 'postgres',
      json: true,
      persistence: false,
      faults: ['store-pause', 'instance-kill'],
      check: 'x',
      help: false,
    },
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
    ['--faults', 'store-pause,meteor'],
    ['--faults'],
  ]) {
    const parsed = parseArgs(argv);
    assert.equal(parsed.ok, false, argv.join(' '));
    if (!parsed.ok) assert.match(parsed.error, new RegExp(argv[0]));
  }
});
