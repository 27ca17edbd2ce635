import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_CURVE_POINTS } from './downsample';

const MAX_POINTS_MESSAGE = `max_points must be an integer from 2 to ${MAX_CURVE_POINTS}`;

/** The `max_points` query parameter of the equity curves: the whole curve, thinned by downsampleMinMax. */
export function MaxPointsParam(curve: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      minimum: 2,
      maximum: MAX_CURVE_POINTS,
      example: 2000,
      description:
        `The whole ${curve} in one answer of at most this many points: first, last, and the lowest and highest equity of ` +
        'each of (max_points − 2) / 2 equal buckets, so no peak or drawdown is lost. limit and cursor are then ignored; ' +
        'total_points says how many points there are.',
    }),
    IsOptional(),
    Type(() => Number),
    IsInt({ message: MAX_POINTS_MESSAGE }),
    Min(2, { message: MAX_POINTS_MESSAGE }),
    Max(MAX_CURVE_POINTS, { message: MAX_POINTS_MESSAGE }),
  );
}
