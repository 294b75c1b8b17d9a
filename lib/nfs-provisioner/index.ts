export * from './nfs-provisioner';
export * from './nfs-provisioner-props';
