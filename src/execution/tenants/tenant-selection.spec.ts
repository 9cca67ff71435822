import { type TenantSettingsProvider } from '../../interfaces/index.js';
import { decideEligibility, listTenants, orderTenants } from './tenant-selection.js';

function settings(partial: Partial<TenantSettingsProvider>): TenantSettingsProvider {
  return { listTenants: () => [], isEnabled: () => true, ...partial };
}

/** A fixed sequence for shuffles, so orders are exact. */
const firstSlot = () => 0;

describe('listTenants', () => {
  it('keeps distinct non-empty string ids in listing order and counts the rest as invalid', async () => {
    const listed = await listTenants(
      settings({ listTenants: () => ['a', 'b', 'a', '', 7, null, 'c'] as never }),
      'job',
    );
    expect(listed).toEqual({ kind: 'listed', tenantIds: ['a', 'b', 'c'], invalid: ['', 7, null] });
  });

  it('accepts any iterable, sync or async', async () => {
    const listed = await listTenants(settings({ listTenants: async () => new Set(['x', 'y']) }), 'job');
    expect(listed).toEqual({ kind: 'listed', tenantIds: ['x', 'y'], invalid: [] });
  });

  it('fails, never throws, when the provider throws or returns something that is not iterable', async () => {
    const thrown = await listTenants(
      settings({
        listTenants: () => {
          throw new Error('directory down');
        },
      }),
      'job',
    );
    expect(thrown).toEqual({ kind: 'failed', error: new Error('directory down') });
    const notIterable = await listTenants(settings({ listTenants: () => 5 as never }), 'job');
    expect(notIterable.kind).toBe('failed');
  });
});

describe('decideEligibility', () => {
  it('with filterEnabled: enabled in listing order, the rest disabled, unlisted answers reported as unknown', async () => {
    const decided = await decideEligibility(
      settings({ filterEnabled: async () => ['c', 'a', 'zz'] }),
      'job',
      ['a', 'b', 'c'],
      2,
    );
    expect(decided).toEqual({ kind: 'decided', enabled: ['a', 'c'], disabled: ['b'], undecided: [], unknown: ['zz'] });
  });

  it('with filterEnabled: a throw or a non-array fails the whole decision', async () => {
    const thrown = await decideEligibility(
      settings({
        filterEnabled: async () => {
          throw new Error('flags down');
        },
      }),
      'job',
      ['a'],
      1,
    );
    expect(thrown).toEqual({ kind: 'failed', error: new Error('flags down') });
    const wrong = await decideEligibility(settings({ filterEnabled: async () => 'a' as never }), 'job', ['a'], 1);
    expect(wrong).toMatchObject({ kind: 'failed', error: new TypeError('filterEnabled did not return an array') });
  });

  it('with isEnabled: a throw or a non-boolean leaves that tenant undecided, the others decided', async () => {
    const decided = await decideEligibility(
      settings({
        isEnabled: (_job, id) => {
          if (id === 'bad') throw new Error('no flag');
          if (id === 'odd') return 'yes' as never;
          return id !== 'off';
        },
      }),
      'job',
      ['on', 'off', 'bad', 'odd'],
      2,
    );
    expect(decided.kind).toBe('decided');
    if (decided.kind !== 'decided') return;
    expect(decided.enabled).toEqual(['on']);
    expect(decided.disabled).toEqual(['off']);
    expect(decided.undecided.map((u) => u.tenantId).sort()).toEqual(['bad', 'odd']);
    expect(String(decided.undecided.find((u) => u.tenantId === 'odd')?.error)).toMatch(/returned "yes"/);
  });
});

describe('orderTenants', () => {
  it('puts still-enabled pending tenants first, then the rest', async () => {
    const { order, pendingFirst } = await orderTenants(['a', 'b', 'c', 'd'], ['c', 'gone', 'a'], firstSlot);
    expect(new Set(order.slice(0, 2))).toEqual(new Set(['a', 'c']));
    expect(new Set(order.slice(2))).toEqual(new Set(['b', 'd']));
    expect(new Set(pendingFirst)).toEqual(new Set(['a', 'c']));
  });

  it('shuffles with the given random source and leaves its input alone', async () => {
    const enabled = ['a', 'b', 'c'];
    const { order, pendingFirst } = await orderTenants(enabled, undefined, firstSlot);
    // With random() = 0 every Fisher-Yates step swaps with slot 0: a,b,c -> c,a,b -> b,c,a.
    expect(order).toEqual(['b', 'c', 'a']);
    expect(pendingFirst).toEqual([]);
    expect(enabled).toEqual(['a', 'b', 'c']);
  });
});
