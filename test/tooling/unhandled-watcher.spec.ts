import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface JestJsonResult {
  testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

/** Runs the planted-rejection fixture in a jest of its own and returns each test's status and failure text. */
async function runFixture(): Promise<Map<string, { status: string; failure: string }>> {
  const dir = mkdtempSync(join(tmpdir(), 'cc-unhandled-'));
  const output = join(dir, 'result.json');
  const config = {
    rootDir: root,
    testEnvironment: 'node',
    moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', useESM: true }] },
    testMatch: ['<rootDir>/test/fixtures/unhandled/*.fixture.ts'],
  };
  try {
    await new Promise<void>((resolve) => {
      execFile(
        process.execPath,
        [
          '--experimental-vm-modules',
          join(root, 'node_modules/jest/bin/jest.js'),
          '-c',
          JSON.stringify(config),
          '--json',
          `--outputFile=${output}`,
          '--runInBand',
        ],
        { cwd: root, timeout: 90_000 },
        // The fixture is meant to fail; its verdict is read from the JSON, not from the exit code.
        () => resolve(),
      );
    });
    const result = JSON.parse(readFileSync(output, 'utf8')) as JestJsonResult;
    return new Map(
      result.testResults.flatMap((file) =>
        file.assertionResults.map((test) => [
          test.title,
          { status: test.status, failure: test.failureMessages.join('\n') },
        ]),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('failOnUnhandledRejections (test/support/unhandled.ts)', () => {
  it('fails exactly the tests that planted an unhandled rejection, naming it, and passes the clean ones', async () => {
    const results = await runFixture();
    expect([...results.keys()]).toHaveLength(4);
    expect(results.get('clean: passes when nothing rejects unhandled')?.status).toBe('passed');
    expect(results.get('clean: a later test is not blamed for an earlier one')?.status).toBe('passed');

    const late = results.get('planted: fails on a rejection that is handled only after Node reported it');
    expect(late?.status).toBe('failed');
    expect(late?.failure).toContain('unhandled rejection: Error: planted-late-handled');

    const timer = results.get('planted: fails on a rejection from a timer the test left behind');
    expect(timer?.status).toBe('failed');
    expect(timer?.failure).toContain('unhandled rejection: Error: planted-timer');
  }, 120_000);
});
