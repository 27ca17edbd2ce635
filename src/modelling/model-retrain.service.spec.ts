import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { ModelCandleLoader } from './model-candle.loader';
import type { ModelRegistryService } from './model-registry.service';
import { ModelRetrainService } from './model-retrain.service';
import type { ModelTrainingService } from './model-training.service';
import type { ModelEntity } from './model.entity';
import type { PromotionRecord } from './model-documents';
import type { TrainingParams } from './training-params';

const HOUR = 3_600_000;
const LAST = Date.UTC(2024, 8, 22, 5);

function model(id: number, fields: Partial<ModelEntity> = {}): ModelEntity {
  return {
    id,
    symbol: 'BTCUSDT',
    interval: '1h',
    status: 'ready',
    rocAuc: 0.54,
    accuracy: 0.53,
    error: null,
    seed: 7,
    labelDefinition: { horizonCandles: 4, feePerSide: 0.001, slippageBpsPerSide: 5, extraDeadZone: 0, holdClass: false },
    hyperParameters: { n_estimators: 50 },
    evaluation: { folds: 3, purge_candles: 4, training_window: 'expanding' },
    ...fields,
  } as ModelEntity;
}

/** The retrain service against in-memory fakes: `candidate` is what training produces. */
function setUp(candidate: ModelEntity, activeId: number | null = 1) {
  const models = new Map<number, ModelEntity>([[1, model(1)]]);
  let active = activeId;
  const promotions = new Map<number, PromotionRecord>();
  const submitted: TrainingParams[] = [];
  const registry = {
    get: (id: number) => Promise.resolve(models.get(id)!),
    activeModels: () => Promise.resolve(active === null ? [] : [{ symbol: 'BTCUSDT', interval: '1h', modelId: active }]),
    activeModelId: () => Promise.resolve(active),
    activate: (id: number) => {
      active = id;
      return Promise.resolve(models.get(id)!);
    },
    recordPromotion: (id: number, record: PromotionRecord) => {
      promotions.set(id, record);
      return Promise.resolve();
    },
  } as unknown as ModelRegistryService;
  const training = {
    submit: (params: TrainingParams) => {
      submitted.push(params);
      models.set(candidate.id, candidate);
      return Promise.resolve({ ...candidate, status: 'queued' });
    },
    whenFinished: () => Promise.resolve(candidate),
  } as unknown as ModelTrainingService;
  const candles = { lastOpenTime: () => Promise.resolve(LAST) } as unknown as ModelCandleLoader;
  const config = { get: (key: string) => (key === 'MODEL_RETRAIN_WINDOW_CANDLES' ? 1000 : undefined) } as unknown as ConfigService;
  const service = new ModelRetrainService(registry, training, candles, config);
  return { service, submitted, promotions, active: () => active };
}

describe('ModelRetrainService', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['error', 'warn', 'log']);
  });

  it('retrains every active pair on the rolling window with the active model’s settings', async () => {
    const { service, submitted } = setUp(model(2, { rocAuc: 0.6, accuracy: 0.6 }));
    await service.retrainAll();
    expect(submitted).toEqual([
      {
        symbol: 'BTCUSDT',
        interval: '1h',
        start: LAST - 999 * HOUR,
        end: LAST,
        labels: model(1).labelDefinition,
        hyperParameters: model(1).hyperParameters,
        seed: 7,
        folds: 3,
      },
    ]);
  });

  it('activates the new model when it is not worse, and records why', async () => {
    const { service, promotions, active } = setUp(model(2, { rocAuc: 0.55, accuracy: 0.53 }));
    const [outcome] = await service.retrainAll();
    expect(outcome).toMatchObject({ model_id: 2, previous_model_id: 1, status: 'ready', promoted: true });
    expect(active()).toBe(2);
    expect(promotions.get(2)).toMatchObject({ promoted: true, compared_with_model_id: 1 });
  });

  it('keeps the active model when the new one is worse', async () => {
    const { service, promotions, active } = setUp(model(2, { rocAuc: 0.55, accuracy: 0.5 }));
    const [outcome] = await service.retrainAll();
    expect(outcome).toMatchObject({ promoted: false, reason: expect.stringContaining('worse accuracy') });
    expect(active()).toBe(1);
    expect(promotions.get(2)).toMatchObject({ promoted: false });
  });

  it('does not activate a model whose training failed', async () => {
    const { service, active, promotions } = setUp(model(2, { status: 'failed', rocAuc: null, accuracy: null, error: 'degenerate model rejected' }));
    const [outcome] = await service.retrainAll();
    expect(outcome).toMatchObject({ status: 'failed', promoted: false, reason: 'training failed: degenerate model rejected' });
    expect(active()).toBe(1);
    expect(promotions.get(2)?.promoted).toBe(false);
  });

  it('does nothing without an active model', async () => {
    const { service, submitted } = setUp(model(2), null);
    expect(await service.retrainAll()).toEqual([]);
    expect(submitted).toEqual([]);
  });
});
