export * from './types';
export * from './quantity';
export * from './symbol-rules';
export * from './fill-model';
export * from './strategy';
export * from './state-codec';
export * from './freshness';
