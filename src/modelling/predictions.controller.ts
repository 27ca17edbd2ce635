import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PredictionQueryDto } from './dto/prediction-query.dto';
import { PredictionPageResponse } from './dto/prediction.response';
import { PredictionsService } from './predictions.service';

@ApiTags('models')
@Controller('predictions')
export class PredictionsController {
  constructor(private readonly predictions: PredictionsService) {}

  @Get()
  @ApiOperation({
    summary: 'Stored predictions of a symbol × interval, oldest candle first (all models unless model_id is given), paged',
  })
  @ApiOkResponse({ type: PredictionPageResponse })
  @ApiBadRequestResponse({ description: 'A query parameter breaks its rule; the message names it' })
  list(@Query() query: PredictionQueryDto): Promise<PredictionPageResponse> {
    return this.predictions.list(query);
  }
}
