export * from './service-monitor';
