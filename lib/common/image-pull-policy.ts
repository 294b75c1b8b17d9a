/** When the kubelet pulls an image. */
export enum ImagePullPolicy {
  /** At every pod start (with a digest, it only checks the registry and the pull secrets). */
  ALWAYS = 'Always',
  /** Only when the node lacks it. */
  IF_NOT_PRESENT = 'IfNotPresent',
}
