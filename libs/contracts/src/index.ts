export * from './vocabulary';
export * from './desired-state';
export * from './state-signature';
export * from './queues';
export * from './jobs';
export * from './agent-api';
export * from './demo';
