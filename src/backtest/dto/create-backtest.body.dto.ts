import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNumber, IsOptional, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { IsNotBefore, IsTimeParam } from '../../common/time-param';
import { DEFAULT_FILL_SETTINGS } from '../../trading/core';

export const DEFAULT_INITIAL_CAPITAL = 10_000;

export class StrategySettingsDto {
  @ApiPropertyOptional({ default: 1, minimum: 0, maximum: 1, description: 'Share of equity an entry may spend, fees included: (0, 1]' })
  @IsOptional()
  @IsNumber({}, { message: 'strategy.position_fraction must be a number in (0, 1]' })
  @Min(0.000001, { message: 'strategy.position_fraction must be a number in (0, 1]' })
  @Max(1, { message: 'strategy.position_fraction must be a number in (0, 1]' })
  position_fraction?: number;

  @ApiPropertyOptional({ nullable: true, default: null, example: 0.05, description: 'Exit when a close is this fraction below the entry price (null = off): (0, 1)' })
  @ValidateIf((_object, value) => value !== undefined && value !== null)
  @IsNumber({}, { message: 'strategy.stop_loss must be null or a fraction in (0, 1)' })
  @Min(0.000001, { message: 'strategy.stop_loss must be null or a fraction in (0, 1)' })
  @Max(0.999999, { message: 'strategy.stop_loss must be null or a fraction in (0, 1)' })
  stop_loss?: number | null;

  @ApiPropertyOptional({ nullable: true, default: null, example: 0.1, description: 'Exit when a close is this fraction above the entry price (null = off): (0, 1000)' })
  @ValidateIf((_object, value) => value !== undefined && value !== null)
  @IsNumber({}, { message: 'strategy.take_profit must be null or a fraction in (0, 1000)' })
  @Min(0.000001, { message: 'strategy.take_profit must be null or a fraction in (0, 1000)' })
  @Max(999, { message: 'strategy.take_profit must be null or a fraction in (0, 1000)' })
  take_profit?: number | null;

  @ApiPropertyOptional({ nullable: true, default: null, example: 24, description: 'Exit after this many closed candles in the position (null = off)' })
  @ValidateIf((_object, value) => value !== undefined && value !== null)
  @IsInt({ message: 'strategy.max_holding_candles must be null or an integer >= 1' })
  @Min(1, { message: 'strategy.max_holding_candles must be null or an integer >= 1' })
  max_holding_candles?: number | null;

  @ApiPropertyOptional({ default: true, description: 'Exit on a SELL prediction' })
  @IsOptional()
  @IsBoolean({ message: 'strategy.exit_on_sell must be true or false' })
  exit_on_sell?: boolean;

  @ApiPropertyOptional({ description: "Look-back of the momentum baseline in candles (default: the model's label horizon)", minimum: 1, maximum: 1000 })
  @IsOptional()
  @IsInt({ message: 'strategy.momentum_horizon must be an integer from 1 to 1000' })
  @Min(1, { message: 'strategy.momentum_horizon must be an integer from 1 to 1000' })
  @Max(1000, { message: 'strategy.momentum_horizon must be an integer from 1 to 1000' })
  momentum_horizon?: number;
}

export class CreateBacktestBodyDto {
  @ApiProperty({ example: 3, description: 'A ready model; its symbol and interval are backtested' })
  @IsInt({ message: 'model_id must be a positive integer' })
  @Min(1, { message: 'model_id must be a positive integer' })
  model_id!: number;

  @ApiProperty({ type: String, example: '2024-09-23T00:00:00Z', description: 'Open time of the first candle: ISO-8601 or epoch ms' })
  @IsTimeParam()
  start!: number;

  @ApiProperty({ type: String, example: '2025-03-31T23:00:00Z', description: 'Open time of the last candle, inclusive' })
  @IsTimeParam()
  @IsNotBefore('start', { message: 'end must not be before start' })
  end!: number;

  @ApiPropertyOptional({ default: DEFAULT_FILL_SETTINGS.feeRate, minimum: 0, maximum: 0.099, description: 'Fee per side as a fraction of each fill (Binance spot 0.001)' })
  @IsOptional()
  @IsNumber({}, { message: 'fee_rate must be a number from 0 to 0.099' })
  @Min(0, { message: 'fee_rate must be a number from 0 to 0.099' })
  @Max(0.099, { message: 'fee_rate must be a number from 0 to 0.099' })
  fee_rate?: number;

  @ApiPropertyOptional({ default: DEFAULT_FILL_SETTINGS.slippageBps, minimum: 0, maximum: 999, description: 'Slippage per side in basis points (buys at open × (1 + bps/10⁴), sells at open × (1 − bps/10⁴))' })
  @IsOptional()
  @IsNumber({}, { message: 'slippage_bps must be a number from 0 to 999' })
  @Min(0, { message: 'slippage_bps must be a number from 0 to 999' })
  @Max(999, { message: 'slippage_bps must be a number from 0 to 999' })
  slippage_bps?: number;

  @ApiPropertyOptional({ default: DEFAULT_INITIAL_CAPITAL, description: 'Starting cash in the quote asset' })
  @IsOptional()
  @IsNumber({}, { message: 'initial_capital must be a number from 10 to 1e12' })
  @Min(10, { message: 'initial_capital must be a number from 10 to 1e12' })
  @Max(1e12, { message: 'initial_capital must be a number from 10 to 1e12' })
  initial_capital?: number;

  @ApiPropertyOptional({ type: StrategySettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StrategySettingsDto)
  strategy?: StrategySettingsDto;
}
