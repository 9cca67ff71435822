export * from './coordinated-cron-configuration.error.js';
export * from './lock-store.error.js';
export * from './missing-import.error.js';
export * from './tenant-timeout.error.js';
