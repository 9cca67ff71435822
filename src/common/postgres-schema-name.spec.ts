import { describe, expect, it } from '@jest/globals';
import { isPostgresSchemaName } from './postgres-schema-name.js';

describe('isPostgresSchemaName', () => {
  it('accepts plain lower-case identifiers up to 63 characters', () => {
    for (const name of ['coordinated_cron', '_x', 'a1', 'a'.repeat(63)]) expect(isPostgresSchemaName(name)).toBe(true);
  });

  it('refuses anything that would need quoting in SQL', () => {
    for (const name of ['', 'Cron', '1cron', 'cron-jobs', 'a"b', 'a b', 'a'.repeat(64), 42, undefined]) {
      expect(isPostgresSchemaName(name)).toBe(false);
    }
  });
});
