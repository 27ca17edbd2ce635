import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { DataSource } from 'typeorm';
import { validateEnvironment } from '../config/environment';
import type { ModelRegistryService } from './model-registry.service';
import type { ModelRetrainService } from './model-retrain.service';
import { ModellingScheduler, PREDICT_JOB, RETRAIN_JOB } from './modelling.scheduler';
import type { PredictionsService } from './predictions.service';

function scheduler(settings: Record<string, string | undefined>, overrides: { retrainAll?: () => Promise<unknown> } = {}) {
  const schedulerRegistry = new SchedulerRegistry();
  const calls: string[] = [];
  const config = { get: (key: string) => settings[key] } as unknown as ConfigService;
  const dataSource = { options: { type: 'better-sqlite3' } } as unknown as DataSource;
  const registry = { activeModels: () => Promise.resolve([{ symbol: 'BTCUSDT', interval: '1h', modelId: 1 }]) } as unknown as ModelRegistryService;
  const retrainer = {
    retrainAll:
      overrides.retrainAll ??
      (() => {
        calls.push('retrainAll');
        return Promise.resolve([]);
      }),
  } as unknown as ModelRetrainService;
  const predictions = {
    predictLatest: (symbol: string, interval: string) => {
      calls.push(`predictLatest ${symbol} ${interval}`);
      return Promise.reject(new Error('database went away'));
    },
  } as unknown as PredictionsService;
  const instance = new ModellingScheduler(config, schedulerRegistry, dataSource, registry, retrainer, predictions);
  return { instance, schedulerRegistry, calls };
}

describe('ModellingScheduler', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['error', 'warn', 'log']);
  });

  it('schedules retraining only when MODEL_RETRAIN_CRON is set, and predictions unless MODEL_PREDICT_CRON is off', async () => {
    const off = scheduler({ MODEL_PREDICT_CRON: 'off' });
    off.instance.onApplicationBootstrap();
    expect(off.schedulerRegistry.getCronJobs().size).toBe(0);

    const on = scheduler({ MODEL_RETRAIN_CRON: '0 3 * * 0', MODEL_PREDICT_CRON: '20 * * * * *' });
    on.instance.onApplicationBootstrap();
    expect([...on.schedulerRegistry.getCronJobs().keys()].sort()).toEqual([PREDICT_JOB, RETRAIN_JOB].sort());
    expect(on.schedulerRegistry.getCronJob(RETRAIN_JOB).nextDate().weekday).toBe(7); // Sunday
    await on.instance.beforeApplicationShutdown();
    expect(on.schedulerRegistry.getCronJob(RETRAIN_JOB).isActive).toBe(false);
  });

  it('runs the work behind thin handlers; a failing prediction is logged, not thrown', async () => {
    const { instance, calls } = scheduler({});
    await instance.retrain();
    await expect(instance.predictLatest()).resolves.toBeUndefined();
    expect(calls).toEqual(['retrainAll', 'predictLatest BTCUSDT 1h']);
  });

  it('skips a tick while the previous run is still going', async () => {
    let finish: () => void = () => undefined;
    let runs = 0;
    const { instance, schedulerRegistry } = scheduler(
      { MODEL_RETRAIN_CRON: '* * * * * *', MODEL_PREDICT_CRON: 'off' },
      {
        retrainAll: () => {
          runs++;
          return new Promise<void>((resolve) => (finish = resolve));
        },
      },
    );
    instance.onApplicationBootstrap();
    const job = schedulerRegistry.getCronJob(RETRAIN_JOB);
    await job.stop();
    await job.fireOnTick();
    await job.fireOnTick();
    expect(runs).toBe(1);
    finish();
    await instance.beforeApplicationShutdown();
    await job.fireOnTick();
    expect(runs).toBe(2);
    finish();
    await instance.beforeApplicationShutdown();
  });
});

describe('modelling environment variables', () => {
  it('validates the cron expressions and numbers, naming the variable', () => {
    expect(() => validateEnvironment({ MODEL_RETRAIN_CRON: 'every sunday' })).toThrow(/MODEL_RETRAIN_CRON must be a cron expression/);
    expect(() => validateEnvironment({ MODEL_PREDICT_CRON: 'never' })).toThrow(/MODEL_PREDICT_CRON must be a cron expression .* or 'off'/);
    expect(() => validateEnvironment({ MODEL_TRAINING_THREADS: '0' })).toThrow(/MODEL_TRAINING_THREADS must be an integer from 1 to 64/);
    expect(() => validateEnvironment({ MODEL_RETRAIN_WINDOW_CANDLES: '10' })).toThrow(/MODEL_RETRAIN_WINDOW_CANDLES/);
    const env = validateEnvironment({ MODEL_RETRAIN_CRON: ' 0 3 * * 0 ', MODEL_PREDICT_CRON: 'off', MODEL_TRAINING_THREADS: '2' });
    expect(env).toMatchObject({ MODEL_RETRAIN_CRON: '0 3 * * 0', MODEL_PREDICT_CRON: 'off', MODEL_TRAINING_THREADS: 2, MODEL_RETRAIN_WINDOW_CANDLES: 8760 });
    expect(validateEnvironment({}).MODEL_RETRAIN_CRON).toBeUndefined();
    expect(validateEnvironment({}).MODEL_PREDICT_CRON).toBe('off'); // under Jest (NODE_ENV=test) unless set
  });
});
