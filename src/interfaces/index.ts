export * from './coordinated-cron-options.interface.js';
export * from './cron-context-value.interface.js';
export * from './cron-window.interface.js';
export * from './job-handler.interface.js';
export * from './job-run-report.interface.js';
export * from './lock-store.interface.js';
export * from './redis-connection.interface.js';
export * from './tenant-settings-provider.interface.js';
