import { describe, expect, it } from 'vitest';
import { fillPlaceholders, fillStep, placeholderValues, stepEnvironment, unknownPlaceholders } from '../../src/runbook/placeholders.js';

const values = placeholderValues({
  runId: 'run-1',
  cluster: 'blue',
  targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-blue/73e2d6bc24d8a067',
  targets: [{ id: 'i-0abc', port: 80 }, { id: 'i-0def' }],
  replicationGroupId: 'payments-blue',
  cacheEndpoint: 'payments-blue.abc.cache.amazonaws.com:6379',
});

describe('runbook placeholders', () => {
  it('fills every known name, and leaves doubled braces as literal ones', () => {
    expect(fillPlaceholders('--cluster={cluster} {targets} {{cluster}} {runId}', values)).toBe('--cluster=blue i-0abc,i-0def {cluster} run-1');
    expect(fillPlaceholders('{cacheEndpoint}/{replicationGroupId}', values)).toBe('payments-blue.abc.cache.amazonaws.com:6379/payments-blue');
  });

  it('a JSON body is not mistaken for placeholders', () => {
    expect(unknownPlaceholders('{"cluster": "{cluster}", "n": {"a": 1}}')).toEqual([]);
    expect(fillPlaceholders('{"cluster": "{cluster}"}', values)).toBe('{"cluster": "blue"}');
  });

  it('names each unknown placeholder once', () => {
    expect(unknownPlaceholders('{clustr} {clustr} {targetGroup} {cluster}')).toEqual(['clustr', 'targetGroup']);
  });

  it('fills argv, url, headers, body and poll url of a step, nothing else', () => {
    expect(fillStep({ command: ['./patch.sh', '{cluster}'], timeout: 1 }, values)).toEqual({ command: ['./patch.sh', 'blue'], timeout: 1 });
    const http = fillStep(
      { http: { method: 'POST', url: 'https://h.example.com/patch/{cluster}', headers: { 'X-Cluster': '{cluster}' }, body: '{"tg":"{targetGroupArn}"}', poll: { url: 'https://h.example.com/s/{runId}', field: 'a', equals: 'b' } } },
      values,
    );
    expect(http.http).toMatchObject({ url: 'https://h.example.com/patch/blue', headers: { 'X-Cluster': 'blue' }, body: `{"tg":"${values.targetGroupArn}"}`, poll: { url: 'https://h.example.com/s/run-1', field: 'a' } });
  });

  it('gives a command its cluster in QUIESCE_* variables, targets as JSON', () => {
    const env = stepEnvironment({ runId: 'run-1', cluster: 'blue', targetGroupArn: 'arn:tg', targets: [{ id: 'i-0abc', port: 80 }], replicationGroupId: 'payments-blue', cacheEndpoint: 'h:6379' });
    expect(env).toEqual({
      QUIESCE_RUN_ID: 'run-1',
      QUIESCE_CLUSTER: 'blue',
      QUIESCE_TARGET_GROUP_ARN: 'arn:tg',
      QUIESCE_TARGETS: '[{"id":"i-0abc","port":80}]',
      QUIESCE_REPLICATION_GROUP_ID: 'payments-blue',
      QUIESCE_CACHE_ENDPOINT: 'h:6379',
    });
    expect(JSON.parse(env.QUIESCE_TARGETS!)).toEqual([{ id: 'i-0abc', port: 80 }]);
  });
});
