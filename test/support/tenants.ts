import { type Type } from '@nestjs/common';
import { type TenantRunSummary, type TenantSettingsProvider } from '../../src/index.js';

export const tenantIds = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** A settings provider class listing `ids`, every one enabled (in one batch call, as a large app would). */
export function staticTenants(ids: readonly string[]): Type<TenantSettingsProvider> {
  class StaticTenants implements TenantSettingsProvider {
    listTenants() {
      return [...ids];
    }
    isEnabled() {
      return true;
    }
    async filterEnabled(_jobName: string, listed: string[]) {
      return listed;
    }
  }
  return StaticTenants;
}

/**
 * The report's promise: every listed tenant is in exactly one of succeeded, failed, disabled, unprocessed and paused, and
 * nothing else is in them. Fails with the offending ids, never with a diff of the whole lists.
 */
export function expectPartition(summary: TenantRunSummary | undefined, listed: readonly string[]): void {
  expect(summary).toBeDefined();
  const lists: Record<string, readonly string[]> = {
    succeeded: summary!.succeeded,
    failed: summary!.failed.map((f) => f.tenantId),
    disabled: summary!.disabled,
    unprocessed: summary!.unprocessed,
    paused: summary!.paused,
  };
  const placed = new Map<string, string[]>();
  for (const [name, ids] of Object.entries(lists)) {
    for (const id of ids) placed.set(id, [...(placed.get(id) ?? []), name]);
  }
  const expected = new Set(listed);
  const problems = [
    ...listed.filter((id) => !placed.has(id)).map((id) => `${id}: in no list`),
    ...[...placed].filter(([, names]) => names.length > 1).map(([id, names]) => `${id}: in ${names.join(' and ')}`),
    ...[...placed.keys()].filter((id) => !expected.has(id)).map((id) => `${id}: never listed`),
  ];
  expect({ total: summary!.total, problems: problems.slice(0, 10) }).toEqual({ total: listed.length, problems: [] });
}
