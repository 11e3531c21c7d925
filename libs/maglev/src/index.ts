export * from './table-size';
export * from './table';
export { fnv1a64, mix64, stableHash64 } from './hash';
export * from './minimal-disruption';
export * from './encoding';
