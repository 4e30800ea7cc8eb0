export * from './events.ts';
export * from './analytics-engine.ts';
export * from './usage-api.ts';
export * from './query-model.ts';
export * from './reads.ts';
export * from './limits.ts';
export * from './admin-api.ts';
