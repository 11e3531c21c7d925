export * from './canonical-json';
export * from './state-signing';
export * from './state-signing-key';
