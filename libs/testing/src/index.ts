// Integration tests boot real apps on a shared, busy machine: Jest's 5 s default for hooks and
// tests is too tight (a slow beforeAll failed whole files). Applies to every file importing this.
if (typeof jest !== 'undefined') jest.setTimeout(60_000);

export * from './accounts';
export * from './database';
export * from './unique';
export * from './fleet-fixtures';
export * from './redis';
export * from './wait';
export * from './processes';
export * from './stripe';
export * from './suites';
