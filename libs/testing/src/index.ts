export * from './accounts';
export * from './database';
export * from './unique';
