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
