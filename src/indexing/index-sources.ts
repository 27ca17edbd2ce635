import type { IndexName, IndexSource } from './index-source';
import { KLINES_SOURCE } from './sources/klines.source';
import { MODEL_METRICS_SOURCE } from './sources/model-metrics.source';
import { BACKTEST_EQUITY_SOURCE, BACKTEST_TRADES_SOURCE } from './sources/backtests.source';
import { PREDICTIONS_SOURCE } from './sources/predictions.source';
import { ORDERS_SOURCE, TRADING_EQUITY_SOURCE } from './sources/trading.source';

/** Every index the app keeps, by logical name. The templates, the Kibana validator and the drainer all read this. */
export const INDEX_SOURCES: Readonly<Record<IndexName, IndexSource>> = {
  predictions: PREDICTIONS_SOURCE,
  'model-metrics': MODEL_METRICS_SOURCE,
  klines: KLINES_SOURCE,
  'backtest-trades': BACKTEST_TRADES_SOURCE,
  'backtest-equity': BACKTEST_EQUITY_SOURCE,
  orders: ORDERS_SOURCE,
  'trading-equity': TRADING_EQUITY_SOURCE,
};

/** The composable index template body of one source: explicit mappings, unknown fields rejected. */
export function indexTemplateOf(source: IndexSource, prefix: string) {
  const properties = Object.fromEntries(
    Object.entries(source.fields).map(([field, type]) => [field, type === 'date' ? { type, format: 'epoch_millis' } : { type }]),
  );
  return {
    name: `${prefix}${source.name}`,
    index_patterns: [`${prefix}${source.name}`],
    priority: 200,
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '1s' },
      mappings: { dynamic: 'strict' as const, properties },
    },
    _meta: { managed_by: 'opa-crypto', description: source.description },
  };
}
