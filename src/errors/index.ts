export * from './coordinated-cron-configuration.error';
export * from './lock-store.error';
export * from './tenant-timeout.error';
