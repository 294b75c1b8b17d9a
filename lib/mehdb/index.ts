export * from './mehdb';
export * from './mehdb-props';
