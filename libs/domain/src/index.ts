export * from './address/ip';
export * from './address/special-ranges';
export * from './address/backend-address';
export * from './service/encapsulation';
export * from './service/listeners';
export * from './service/health-check';
export * from './slots/slot-address';
export * from './slots/choose-pools';
