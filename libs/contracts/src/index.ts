export * from './desired-state';
