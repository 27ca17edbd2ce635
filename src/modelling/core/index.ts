export * from './model-candle';
export * from './kline-csv';
export * from './features';
export * from './labels';
export * from './lookahead';
export * from './dataset';
export * from './feature-hash';
export * from './metrics';
export * from './random';
export {
  ML_CART_DEFAULT_OPTIONS,
  buildCartTree,
  presortRows,
  repeatedSum,
  type CartTreeOptions,
  type CartNodeJson,
  type DecisionTreeClassifierJson,
} from './cart-builder';
export * from './forest-trainer';
export * from './signal-model';
export * from './walk-forward';
export * from './synthetic-candles';
export { drawRowSample, type TreeTask } from './tree-task';
