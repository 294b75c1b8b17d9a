export * from './datastore-image';
export * from './mehdb';
export * from './mehdb-props';
