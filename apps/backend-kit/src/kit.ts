// Importable surface of the backend kit (the lab prepares its backends with these).
export * from './options';
export * from './render';
export * from './executor';
