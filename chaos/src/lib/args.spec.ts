import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULT_KINDS } from '../config';
import { parseArgs } from './args';

test('defaults: two minutes of every kind of fault on Redis with persistence, seed drawn later', () => {
  const parsed = parseArgs([]);
  assert.ok(parsed.ok);
  const { minutes, store, persistence, faults, seed, json, update, check } = parsed.args;
  assert.deepEqual(
    [minutes, store, persistence, seed, json, update, check],
    [2, 'redis', true, undefined, false, false, undefined],
  );
  assert.deepEqual(faults, FAULT_KINDS);
});

test('reads every flag', () => {
  const argv = ['--minutes', '0.5', '--seed', '22', '--store', 'postgres', '--json', '--no-persistence'];
  const parsed = parseArgs([...argv, '--faults', 'store-pause,instance-kill', '--update']);
  assert.deepEqual(parsed, {
    ok: true,
    args: {
      minutes: 0.5,
      seed: 22,
      store: 'postgres',
      json: true,
      persistence: false,
      faults: ['store-pause', 'instance-kill'],
      update: true,
      help: false,
    },
  });
  const check = parseArgs(['--check', 'x']);
  assert.equal(check.ok && check.args.check, 'x');
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

test('--update with --check writes the figures of the run judged', () => {
  const parsed = parseArgs(['--check', 'chaos/.runs/x', '--update']);
  assert.equal(parsed.ok && parsed.args.update && parsed.args.check, 'chaos/.runs/x');
});
