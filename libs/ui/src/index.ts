// @anyfront/ui: the shared UI of the customer portal and the operator console (README.md).
export * from './theme';
export * from './format';
export * from './problem';
export * from './pop-locations';
export * from './status';
export * from './states';
export * from './copy';
export * from './confirm';
export * from './charts';
export * from './pop-map';
export * from './form-modal';
export * from './password-field';
export * from './logo';
export * from './auth-shell';
export * from './page-header';
export * from './query';
export * from './providers';
