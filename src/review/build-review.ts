import { permissionsForPlans } from '../plan/permissions.js';
import { parseArn } from '../plan/arn.js';
import type { Plan } from '../plan/schema.js';
import type { PlanPreview } from '../preview/plan-preview.js';
import type { LoadedRun } from '../report/load-report.js';
import { renderReviewDiagrams } from './diagrams.js';
import { renderReviewPage } from './page.js';

// Gathers what the review page shows: the preview (already read), the permissions, the diagrams and,
// with a run, its report. Only reads; the page it returns is a string.

export interface ReviewSources {
  plan: Plan;
  preview: PlanPreview;
  estimateProblem?: string;
  run?: LoadedRun;
  planSource?: { file: string; sha256: string; text: string };
  nowLabel?: string;
  now: number;
}

export async function buildReviewPage(sources: ReviewSources): Promise<string> {
  const { plan, run } = sources;
  // ELB ARNs carry the account; the caches and secrets of one plan live in the same account.
  const account = parseArn(plan.fleet.listenerArn)?.account ?? 'unknown';
  return renderReviewPage({
    plan,
    preview: sources.preview,
    ...(sources.estimateProblem ? { estimateProblem: sources.estimateProblem } : {}),
    permissions: permissionsForPlans([plan], { account }),
    account,
    diagrams: await renderReviewDiagrams(run?.report),
    ...(run ? { run: { report: run.report, planDiffers: JSON.stringify(run.record.plan) !== JSON.stringify(plan) } } : {}),
    ...(sources.planSource ? { planSource: sources.planSource } : {}),
    ...(sources.nowLabel ? { nowLabel: sources.nowLabel } : {}),
    generatedAt: sources.now,
  });
}
