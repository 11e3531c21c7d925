export * from './canonical-json';
export * from './desired-state';
export * from './deploy-status';
export * from './health';
export * from './traffic';
export * from './fleet-store';
export * from './traffic-store';
export * from './publish-filter';
