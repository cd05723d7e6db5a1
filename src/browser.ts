// Browser entry: the shared API.
export * from './index.ts';
