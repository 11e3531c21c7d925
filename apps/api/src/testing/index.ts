export * from './create-test-app';
export * from '@anyfront/testing';
