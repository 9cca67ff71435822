import { ConfigurableModuleBuilder } from '@nestjs/common';
import { type CoordinatedCronModuleOptions } from './interfaces/index.js';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: COORDINATED_CRON_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CoordinatedCronModuleOptions>({ moduleName: 'CoordinatedCron' })
  .setClassMethodName('forRoot')
  // Global by default, like ScheduleModule: any feature module can inject CronContext and CoordinatedCronRunner.
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
