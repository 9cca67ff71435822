import { Injectable } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner } from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';

/** Jobs are found by the class of the instance a provider produces, whatever kind of provider it is. */
describe('jobs on factory, value and alias providers', () => {
  it('discovers and runs jobs of useFactory and useValue providers, and counts an aliased instance once', async () => {
    const ran: string[] = [];

    class FactoryMade {
      @CoordinatedCron('from-factory', '0 0 1 1 *')
      async run() {
        ran.push('from-factory');
      }
    }
    class GivenAsValue {
      @CoordinatedCron('from-value', '0 0 1 1 *')
      async run() {
        ran.push('from-value');
      }
    }
    @Injectable()
    class Plain {
      @CoordinatedCron('from-class', '0 0 1 1 *')
      async run() {
        ran.push('from-class');
      }
    }

    const { app } = await createTestApp({
      cache: 'none',
      options: { keyPrefix: uniquePrefix('provider-kinds') },
      providers: [
        { provide: 'FACTORY_JOBS', useFactory: () => new FactoryMade() },
        { provide: 'VALUE_JOBS', useValue: new GivenAsValue() },
        Plain,
        // The same instance under a second token must not register its job twice (that would be a boot error).
        { provide: 'PLAIN_ALIAS', useExisting: Plain },
      ],
    });
    try {
      const runner = app.get(CoordinatedCronRunner);
      expect(
        runner
          .jobs()
          .map((job) => job.name)
          .sort(),
      ).toEqual(['from-class', 'from-factory', 'from-value']);
      for (const name of ['from-factory', 'from-value', 'from-class']) {
        await expect(runner.trigger(name)).resolves.toMatchObject({ outcome: 'completed' });
      }
      expect(ran.sort()).toEqual(['from-class', 'from-factory', 'from-value']);
    } finally {
      await app.close();
    }
  });
});
