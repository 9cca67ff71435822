import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/check-layers.mjs', import.meta.url));

/** Runs the layer check on a tree of the given files; resolves its exit code and output. */
function check(files: Record<string, string>): { code: number; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    try {
      return { code: 0, output: execFileSync(process.execPath, [script, root], { encoding: 'utf8', stdio: 'pipe' }) };
    } catch (error) {
      const failed = error as { status: number; stderr: string };
      return { code: failed.status, output: failed.stderr };
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('scripts/check-layers.mjs', () => {
  it('passes a tree whose imports point down', () => {
    const result = check({
      'common/util.ts': 'export const x = 1;\n',
      'execution/runner.ts': "import { x } from '../common/util.js';\nexport const y = x;\n",
      'index.ts': "export { y } from './execution/runner.js';\n",
    });
    expect(result).toEqual({ code: 0, output: 'check-layers: every import points down\n' });
  });

  it('fails on an import that points up, naming the file and both layers', () => {
    const result = check({
      'common/util.ts': "import { y } from '../execution/runner.js';\nexport const x = y;\n",
      'execution/runner.ts': 'export const y = 1;\n',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('common/util.ts (common) imports ../execution/runner.js (execution)');
  });

  it('fails on an import between two folders of the same rank', () => {
    const result = check({
      'common/util.ts': "import type { T } from '../interfaces/t.js';\nexport const x: T = 1;\n",
      'interfaces/t.ts': 'export type T = number;\n',
    });
    expect(result.code).toBe(1);
  });

  it('refuses a folder it has no rank for, rather than letting it import anything', () => {
    const result = check({ 'misc/thing.ts': "import { x } from '../common/util.js';\n", 'common/util.ts': '' });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('src/misc/ is not in the layer list');
  });
});
