import { presetConfig, synth } from './support/synth';

describe.each(['default', 'tutorial'] as const)('the %s preset', (preset) => {
  // GIVEN the preset  WHEN synthesized  THEN each chart matches its reviewed snapshot
  const result = synth(presetConfig(preset));

  test('cluster-scoped chart', () => {
    expect(result.clusterScoped).toMatchSnapshot();
  });

  test('namespaced chart', () => {
    expect(result.namespaced).toMatchSnapshot();
  });

  test('cluster-scoped objects carry no namespace; namespaced objects carry the configured one', () => {
    expect(result.clusterScoped.map(o => o.metadata.namespace)).toEqual(result.clusterScoped.map(() => undefined));
    const namespace = presetConfig(preset).namespace;
    expect(new Set(result.namespaced.map(o => o.metadata.namespace))).toEqual(new Set([namespace]));
  });

  test('the namespaced chart depends on the cluster-scoped one, so its file sorts second', () => {
    expect(result.built.namespaced.node.dependencies).toContain(result.built.clusterScoped);
  });
});

test('the default preset creates its namespace; the tutorial preset never creates or deletes "default"', () => {
  expect(synth(presetConfig('default')).clusterScoped.filter(o => o.kind === 'Namespace').map(o => o.metadata.name)).toEqual(['mehdb']);
  expect(synth(presetConfig('tutorial')).clusterScoped.filter(o => o.kind === 'Namespace')).toEqual([]);
});
