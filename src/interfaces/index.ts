export * from './coordinated-cron-options.interface';
export * from './cron-context-value.interface';
export * from './cron-window.interface';
export * from './job-handler.interface';
export * from './job-run-report.interface';
export * from './lock-store.interface';
export * from './tenant-settings-provider.interface';
