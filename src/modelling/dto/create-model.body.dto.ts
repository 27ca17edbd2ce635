import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsPositive, Matches, Max, Min, ValidateNested } from 'class-validator';
import { IsNotBefore, IsTimeParam } from '../../common/time-param';
import { BINANCE_INTERVALS, type BinanceInterval } from '../../market-data/binance-interval';
import { SYMBOL_PATTERN } from '../../market-data/kline-record';

/** Intervals with a fixed length ('1M' varies with the month, so the features' time arithmetic cannot use it). */
export const MODEL_INTERVALS = BINANCE_INTERVALS.filter((interval) => interval !== '1M');

export class ThresholdsDto {
  @ApiPropertyOptional({ default: 0.001, minimum: 0, maximum: 0.099, description: 'Exchange fee per side, as a fraction (Binance spot 0.001)' })
  @IsOptional()
  @IsNumber({}, { message: 'thresholds.fee_per_side must be a number' })
  @Min(0, { message: 'thresholds.fee_per_side must be >= 0' })
  @Max(0.099, { message: 'thresholds.fee_per_side must be < 0.1' })
  fee_per_side?: number;

  @ApiPropertyOptional({ default: 5, minimum: 0, maximum: 999, description: 'Expected slippage per side, basis points' })
  @IsOptional()
  @IsNumber({}, { message: 'thresholds.slippage_bps_per_side must be a number' })
  @Min(0, { message: 'thresholds.slippage_bps_per_side must be >= 0' })
  @Max(999, { message: 'thresholds.slippage_bps_per_side must be < 1000' })
  slippage_bps_per_side?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: 1, description: 'Extra dead-zone width on top of round-trip costs, as a return fraction' })
  @IsOptional()
  @IsNumber({}, { message: 'thresholds.extra_dead_zone must be a number' })
  @Min(0, { message: 'thresholds.extra_dead_zone must be >= 0' })
  @Max(1, { message: 'thresholds.extra_dead_zone must be <= 1' })
  extra_dead_zone?: number;

  @ApiPropertyOptional({ default: false, description: 'true: returns inside the dead zone are labelled HOLD (3 classes); false: those rows are left out' })
  @IsOptional()
  @IsBoolean({ message: 'thresholds.hold_class must be true or false' })
  hold_class?: boolean;
}

export class HyperParametersDto {
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000, description: 'Trees in the forest' })
  @IsOptional()
  @IsInt({ message: 'hyper_parameters.n_estimators must be an integer from 1 to 1000' })
  @Min(1, { message: 'hyper_parameters.n_estimators must be an integer from 1 to 1000' })
  @Max(1000, { message: 'hyper_parameters.n_estimators must be an integer from 1 to 1000' })
  n_estimators?: number;

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: 40, description: 'Tree depth limit (root = depth 0)' })
  @IsOptional()
  @IsInt({ message: 'hyper_parameters.max_depth must be an integer from 1 to 40' })
  @Min(1, { message: 'hyper_parameters.max_depth must be an integer from 1 to 40' })
  @Max(40, { message: 'hyper_parameters.max_depth must be an integer from 1 to 40' })
  max_depth?: number;

  @ApiPropertyOptional({ default: 20, minimum: 1, description: 'A node with this many rows or fewer becomes a leaf' })
  @IsOptional()
  @IsInt({ message: 'hyper_parameters.min_num_samples must be a positive integer' })
  @Min(1, { message: 'hyper_parameters.min_num_samples must be a positive integer' })
  min_num_samples?: number;

  @ApiPropertyOptional({ default: 0.6, description: 'Columns per tree: a fraction in (0, 1] of the 21 features, or an integer count from 2 to 21' })
  @IsOptional()
  @IsNumber({}, { message: 'hyper_parameters.max_features must be a number' })
  @IsPositive({ message: 'hyper_parameters.max_features must be a fraction in (0, 1] or an integer count from 2 to 21' })
  max_features?: number;

  @ApiPropertyOptional({ default: 0.5, description: "Rows per tree as a fraction in (0, 1] of the training rows, drawn per tree over the whole window" })
  @IsOptional()
  @IsNumber({}, { message: 'hyper_parameters.sample_fraction must be a number' })
  @IsPositive({ message: 'hyper_parameters.sample_fraction must be in (0, 1]' })
  @Max(1, { message: 'hyper_parameters.sample_fraction must be in (0, 1]' })
  sample_fraction?: number;

  @ApiPropertyOptional({ default: 150000, minimum: 1, description: 'Upper bound on rows per tree' })
  @IsOptional()
  @IsInt({ message: 'hyper_parameters.max_samples_per_tree must be a positive integer' })
  @Min(1, { message: 'hyper_parameters.max_samples_per_tree must be a positive integer' })
  max_samples_per_tree?: number;

  @ApiPropertyOptional({ default: false, description: "Draw each tree's rows with replacement (bootstrap)" })
  @IsOptional()
  @IsBoolean({ message: 'hyper_parameters.with_replacement must be true or false' })
  with_replacement?: boolean;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: 1, description: 'A split must gain more gini than this (ml-cart gainThreshold)' })
  @IsOptional()
  @IsNumber({}, { message: 'hyper_parameters.gain_threshold must be a number' })
  @Min(0, { message: 'hyper_parameters.gain_threshold must be in [0, 1]' })
  @Max(1, { message: 'hyper_parameters.gain_threshold must be in [0, 1]' })
  gain_threshold?: number;
}

export class CreateModelBodyDto {
  @ApiProperty({ example: 'BTCUSDT', pattern: SYMBOL_PATTERN.source })
  @Matches(SYMBOL_PATTERN, { message: `symbol must match ${SYMBOL_PATTERN.source} (upper-case Binance symbol such as BTCUSDT)` })
  symbol!: string;

  @ApiProperty({ example: '1h', enum: MODEL_INTERVALS, description: "Binance kline interval ('1M' is not supported: its length varies)" })
  @IsIn(MODEL_INTERVALS, { message: `interval must be one of ${MODEL_INTERVALS.join(', ')} (1M has no fixed length)` })
  interval!: BinanceInterval;

  @ApiProperty({ type: String, example: '2022-09-23T07:00:00Z', description: 'First candle open time of the training data: ISO-8601 or epoch ms' })
  @IsTimeParam()
  start!: number;

  @ApiProperty({ type: String, example: '2024-09-22T05:00:00Z', description: 'Last candle open time of the training data, inclusive' })
  @IsTimeParam()
  @IsNotBefore('start', { message: 'end must not be before start' })
  end!: number;

  @ApiPropertyOptional({ default: 4, minimum: 1, maximum: 500, description: 'Label horizon H in candles: the label compares close(t + H) with close(t)' })
  @IsOptional()
  @IsInt({ message: 'horizon must be an integer from 1 to 500' })
  @Min(1, { message: 'horizon must be an integer from 1 to 500' })
  @Max(500, { message: 'horizon must be an integer from 1 to 500' })
  horizon?: number;

  @ApiPropertyOptional({
    type: ThresholdsDto,
    description: 'Dead zone: BUY when the H-candle return is above 2 × (fee + slippage) per side + extra, SELL below its negative',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ThresholdsDto)
  thresholds?: ThresholdsDto;

  @ApiPropertyOptional({ type: HyperParametersDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => HyperParametersDto)
  hyper_parameters?: HyperParametersDto;

  @ApiPropertyOptional({ default: 42, minimum: 0, maximum: 4294967295, description: 'Same seed + same data + same parameters = the same model, byte for byte' })
  @IsOptional()
  @IsInt({ message: 'seed must be an integer from 0 to 4294967295' })
  @Min(0, { message: 'seed must be an integer from 0 to 4294967295' })
  @Max(4294967295, { message: 'seed must be an integer from 0 to 4294967295' })
  seed?: number;

  @ApiPropertyOptional({ default: 5, minimum: 2, maximum: 20, description: 'Walk-forward test folds (time-ordered, purge of H candles)' })
  @IsOptional()
  @IsInt({ message: 'folds must be an integer from 2 to 20' })
  @Min(2, { message: 'folds must be an integer from 2 to 20' })
  @Max(20, { message: 'folds must be an integer from 2 to 20' })
  folds?: number;
}
