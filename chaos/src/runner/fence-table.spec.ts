import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FenceTable } from './fence-table';

test('accepts a rising or equal token and refuses a lower one, per key', () => {
  const table = new FenceTable();
  assert.deepEqual(table.write('job-a', 3), { accepted: true, highestBefore: 0 });
  assert.deepEqual(table.write('job-a', 3), { accepted: true, highestBefore: 3 });
  assert.deepEqual(table.write('job-a', 2), { accepted: false, highestBefore: 3, why: 'lower-token' });
  assert.deepEqual(table.write('job-b', 1), { accepted: true, highestBefore: 0 });
  assert.deepEqual(table.write('job-a', 5), { accepted: true, highestBefore: 3 });
  assert.deepEqual(table.write('job-a', 4), { accepted: false, highestBefore: 5, why: 'lower-token' });
});

test('refuses a write without a usable token and remembers nothing of it', () => {
  const table = new FenceTable();
  for (const token of [undefined, 0, -1, 1.5, '7']) {
    assert.deepEqual(table.write('job', token), { accepted: false, highestBefore: 0, why: 'no-token' });
  }
  assert.deepEqual(table.write('job', 1), { accepted: true, highestBefore: 0 });
});
