import { withField } from './with-field.js';

describe('withField', () => {
  it('copies every own enumerable field, string- and symbol-keyed, and adds the new one', () => {
    const marker = Symbol('marker');
    const source = { a: 1, b: 'two', [marker]: true };
    const copy = withField(source, 'tenantId', 't-1');
    expect(copy).toEqual({ a: 1, b: 'two', [marker]: true, tenantId: 't-1' });
  });

  it('leaves the source as it was and overrides a field of the same name in the copy only', () => {
    const source = { tenantId: 'old', jobName: 'job' };
    const copy = withField(source, 'tenantId', 'new');
    expect(copy).toEqual({ tenantId: 'new', jobName: 'job' });
    expect(source).toEqual({ tenantId: 'old', jobName: 'job' });
    expect(copy).not.toBe(source);
  });
});
