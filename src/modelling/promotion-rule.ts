/**
 * Promotion rule for scheduled retraining: the newly trained model becomes the active one only if its overall
 * walk-forward ROC-AUC AND accuracy are both at least those of the model active at that moment (ties promote, so a
 * retrain on fresher data replaces an equally good model). A model without a walk-forward ROC-AUC is never
 * promoted over an active model; when nothing is active, any ready model is. Each model's metrics are measured on
 * its own training window (the rolling window moves on), so the comparison is between evaluations, not on one
 * shared test set.
 */
export const PROMOTION_RULE =
  'A scheduled retrain becomes the active model only if its overall walk-forward roc_auc and accuracy are both ' +
  'greater than or equal to those of the currently active model (each measured on its own training window); ' +
  'a model without roc_auc is not promoted; with no active model, any ready model is.';

export interface WalkForwardScore {
  modelId: number;
  rocAuc: number | null;
  accuracy: number | null;
}

export interface PromotionDecision {
  promoted: boolean;
  reason: string;
}

export function decidePromotion(current: WalkForwardScore | null, candidate: WalkForwardScore): PromotionDecision {
  const fmt = (value: number | null) => (value === null ? 'n/a' : value.toFixed(4));
  if (candidate.accuracy === null) return { promoted: false, reason: `model ${candidate.modelId} has no walk-forward metrics` };
  if (current === null) return { promoted: true, reason: `no model was active; model ${candidate.modelId} promoted` };
  if (candidate.rocAuc === null) {
    return { promoted: false, reason: `model ${candidate.modelId} has no walk-forward roc_auc; model ${current.modelId} stays active` };
  }
  const aucOk = current.rocAuc === null || candidate.rocAuc >= current.rocAuc;
  const accuracyOk = current.accuracy === null || candidate.accuracy >= current.accuracy;
  const comparison =
    `roc_auc ${fmt(candidate.rocAuc)} vs ${fmt(current.rocAuc)}, accuracy ${fmt(candidate.accuracy)} vs ${fmt(current.accuracy)}`;
  if (aucOk && accuracyOk) return { promoted: true, reason: `model ${candidate.modelId} not worse than model ${current.modelId} (${comparison})` };
  const worse = [aucOk ? null : 'roc_auc', accuracyOk ? null : 'accuracy'].filter((name) => name !== null).join(' and ');
  return { promoted: false, reason: `model ${candidate.modelId} has a worse ${worse} than model ${current.modelId} (${comparison}); it stays inactive` };
}
