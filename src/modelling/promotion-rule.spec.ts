import { decidePromotion, type WalkForwardScore } from './promotion-rule';

const score = (modelId: number, rocAuc: number | null, accuracy: number | null): WalkForwardScore => ({ modelId, rocAuc, accuracy });

describe('decidePromotion (scheduled retraining)', () => {
  const current = score(1, 0.54, 0.53);

  it('promotes when roc_auc and accuracy are both at least the active model’s (ties included)', () => {
    expect(decidePromotion(current, score(2, 0.55, 0.53))).toMatchObject({ promoted: true });
    expect(decidePromotion(current, score(2, 0.54, 0.53))).toMatchObject({ promoted: true });
    expect(decidePromotion(current, score(2, 0.6, 0.6)).reason).toBe(
      'model 2 not worse than model 1 (roc_auc 0.6000 vs 0.5400, accuracy 0.6000 vs 0.5300)',
    );
  });

  it('keeps the active model when either metric is worse, and says which', () => {
    expect(decidePromotion(current, score(2, 0.539, 0.6))).toMatchObject({ promoted: false, reason: expect.stringContaining('worse roc_auc than model 1') });
    expect(decidePromotion(current, score(2, 0.6, 0.52))).toMatchObject({ promoted: false, reason: expect.stringContaining('worse accuracy than model 1') });
    expect(decidePromotion(current, score(2, 0.5, 0.5))).toMatchObject({ promoted: false, reason: expect.stringContaining('worse roc_auc and accuracy') });
  });

  it('promotes any evaluated model when nothing is active', () => {
    expect(decidePromotion(null, score(2, 0.4, 0.4))).toMatchObject({ promoted: true, reason: 'no model was active; model 2 promoted' });
  });

  it('never promotes a model without walk-forward metrics over an active one', () => {
    expect(decidePromotion(current, score(2, null, 0.9))).toMatchObject({ promoted: false });
    expect(decidePromotion(null, score(2, null, null))).toMatchObject({ promoted: false });
  });

  it('compares accuracy alone when the active model has no roc_auc', () => {
    expect(decidePromotion(score(1, null, 0.5), score(2, 0.51, 0.5))).toMatchObject({ promoted: true });
    expect(decidePromotion(score(1, null, 0.5), score(2, 0.51, 0.49))).toMatchObject({ promoted: false });
  });
});
