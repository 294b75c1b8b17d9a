export * from './app-config';
export * from './load-config';
export * from './presets';
export * from './problems';
