import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withChaosSection } from './benchmarks-section';

const SECTION = '## Chaos runs\n\nnew figures\n';

test('appends the section to a file that has none', () => {
  assert.equal(
    withChaosSection('# Benchmarks\n\n## Results\n\nrows\n', SECTION),
    `# Benchmarks\n\n## Results\n\nrows\n\n${SECTION}`,
  );
});

test('replaces the section, which runs to the end of the file, and leaves the rest alone', () => {
  const before = '# Benchmarks\n\n## Results\n\nrows\n\n## Chaos runs\n\nold figures\n\nmore old\n';
  assert.equal(withChaosSection(before, SECTION), `# Benchmarks\n\n## Results\n\nrows\n\n${SECTION}`);
});

test('a heading that merely starts the same way is not the section', () => {
  const before = '# B\n\n## Chaos runs of old\n\nkept\n';
  assert.equal(withChaosSection(before, SECTION), `${before.trimEnd()}\n\n${SECTION}`);
});
