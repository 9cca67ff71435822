import core from '@nestjs/core/package.json' with { type: 'json' };
import cls from 'nestjs-cls/package.json' with { type: 'json' };

/**
 * Each leg of the suite must really load the NestJS major it claims to test: `npm test` the development line, the
 * NestJS 11 leg compat/nest11's tree. `CC_EXPECT_NEST_MAJOR` is set by the NestJS 11 leg's jest config.
 */
describe('the peer set this run loads', () => {
  it('is the NestJS major the leg was started for', () => {
    const expected = process.env.CC_EXPECT_NEST_MAJOR ?? '12';
    expect(core.version.split('.')[0]).toBe(expected);
    expect(cls.version.split('.')[0]).toBe(expected === '12' ? '7' : '6');
  });
});
