export * from './names';
export * from './marks';
export * from './validate';
export * from './plan';
export * from './nft';
export * from './routes';
export * from './bird';
export * from './guards';
