export * from './canonical-json';
export * from './state-signing';
export * from './state-signing-key';
export * from './push-signing';
