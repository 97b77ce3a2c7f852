import { describe, expect, it } from 'vitest';
import { buildPreview } from '../../src/preview/plan-preview.js';
import { clusterPlanHtml } from '../../src/review/plan-html.js';
import { sandboxRun } from '../run/sandbox-context.js';

// The preview (quiesce plan, and the review page built from it) shows each cluster's real argv and URL.
describe('runbook steps in the preview', () => {
  const maintenance = [
    { command: ['./patch.sh', '--cluster', '{cluster}', '--targets={targets}', 'two words'] },
    { http: { url: 'https://hooks.example.com/patch/{cluster}?token=abc&rg={replicationGroupId}', poll: { url: 'https://hooks.example.com/status/{runId}', field: 'state', equals: 'done' } } },
  ];

  it('fills each cluster its own values, read live, and marks what only the run knows', async () => {
    const run = await sandboxRun({ maintenance });
    const preview = await buildPreview(run.ctx.plan, { traffic: run.ctx.traffic, cache: run.ctx.cache, source: 'sandbox', timings: { failoverMs: 1, recoveryMs: 1, modifyMs: 1, rebootMs: 1, serviceUpdateMs: 1, source: 'test' }, metricsLagMs: 60_000 });
    for (const cluster of preview.clusters) {
      const changes = cluster.phases.find((p) => p.phase === 'maintain')!.changes;
      const ids = (await run.ctx.traffic.listTargets(cluster.targetGroupArn)).map((t) => t.id).join(',');
      expect(changes[0]).toBe(`1. command ./patch.sh --cluster ${cluster.name} --targets=${ids} 'two words'`);
      expect(changes[1]).toMatch(new RegExp(`^2\\. POST https://hooks\\.example\\.com/patch/${cluster.name}\\?token=.*&rg=${cluster.replicationGroupId}, then poll https://hooks\\.example\\.com/status/RUN-ID$`));
      expect(changes[1]).not.toContain('token=abc');
      expect(clusterPlanHtml(cluster)).toContain(`--cluster ${cluster.name}`);
    }
  });

  it('without live values, says the targets are read at run time', async () => {
    const run = await sandboxRun({ maintenance });
    const preview = await buildPreview(run.ctx.plan);
    expect(preview.clusters[0]!.phases.find((p) => p.phase === 'maintain')!.changes[0]).toBe("1. command ./patch.sh --cluster blue --targets=TARGETS-READ-AT-RUN-TIME 'two words'");
  });
});

describe('ssm and ecs steps in the preview', () => {
  it('shows each cluster its own instances and its own service', async () => {
    const run = await sandboxRun({
      maintenance: [
        { ssm: 'AWS-RunPatchBaseline', parameters: { Operation: ['Install'] } },
        { ecs: 'deploy', cluster: 'payments', service: 'api-{cluster}', taskDefinition: 'payments-api:20', image: 'repo/api:1.20' },
      ],
    });
    const preview = await buildPreview(run.ctx.plan, { traffic: run.ctx.traffic, cache: run.ctx.cache, source: 'sandbox', timings: { failoverMs: 1, recoveryMs: 1, modifyMs: 1, rebootMs: 1, serviceUpdateMs: 1, source: 'test' }, metricsLagMs: 60_000 });
    for (const cluster of preview.clusters) {
      const maintain = cluster.phases.find((p) => p.phase === 'maintain')!;
      const ids = (await run.ctx.traffic.listTargets(cluster.targetGroupArn)).map((t) => t.id).join(',');
      expect(maintain.changes[0]).toBe(`1. SSM SendCommand AWS-RunPatchBaseline {"Operation":["Install"]} to the cluster's targets (${ids}) (MaxConcurrency 50, MaxErrors 0)`);
      expect(maintain.changes[1]).toBe(`2. ECS UpdateService payments/api-${cluster.name}: taskDefinition payments-api:20, image "repo/api:1.20"`);
      expect(maintain.checks[1]).toContain('exactly payments-api:20 and image "repo/api:1.20" (compared as strings)');
    }
  });
});
