import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeyGuard } from '../common/api-key.guard';
import { ApiJobQueueFull, JobQueueFullFilter } from '../platform/jobs';
import { ParseIdPipe } from '../common/validation';
import { CreateModelBodyDto } from './dto/create-model.body.dto';
import { ListModelsQueryDto } from './dto/model-query.dto';
import { ModelCreatedResponse, ModelResponse, ModelSummaryResponse } from './dto/model.response';
import { PredictRangeBodyDto } from './dto/predict-range.body.dto';
import { PredictRangeResponse } from './dto/prediction.response';
import { ModelRegistryService } from './model-registry.service';
import { ModelTrainingService } from './model-training.service';
import { modelSummaryView, modelView } from './model-view';
import { PredictionsService } from './predictions.service';
import { PROMOTION_RULE } from './promotion-rule';
import { resolveTrainingParams } from './training-params';

const ID_PIPE = new ParseIdPipe();

@ApiTags('models')
@Controller('models')
@UseFilters(JobQueueFullFilter)
export class ModelsController {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly training: ModelTrainingService,
    private readonly predictions: PredictionsService,
  ) {}

  @Post()
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Train a random-forest BUY/SELL model on the stored klines of a range (runs in the background)',
    description:
      'Features (opa-features-v1, 21 features from the 100 candles up to the decision candle, rows across gaps dropped) and labels ' +
      '(H-candle future return with a dead zone of 2 × (fee + slippage) per side) are built from the stored klines in [start, end]; ' +
      'a look-ahead check recomputes sampled rows on truncated data. The model is evaluated walk-forward (time-ordered folds, ' +
      'purge of H candles, baselines always-BUY / training-majority / momentum) and finally trained on all rows. Degenerate ' +
      'forests (one class for everything, or worse than the majority class on their own training rows) fail. ' +
      'Poll GET /api/models/:id for status and progress. Same seed + data + parameters give the same metrics and model bytes.',
  })
  @ApiAcceptedResponse({ type: ModelCreatedResponse })
  @ApiBadRequestResponse({
    description: 'A parameter breaks its rule, the range holds too few candles, or spans more than MODEL_TRAINING_MAX_CANDLES; `errors` names the field and the rule',
  })
  @ApiJobQueueFull()
  async create(@Body() body: CreateModelBodyDto): Promise<ModelCreatedResponse> {
    const model = await this.training.submit(resolveTrainingParams(body), 'api');
    return { id: model.id, status: model.status };
  }

  @Get()
  @ApiOperation({ summary: 'Models in the registry, newest first (without per-fold metrics)' })
  @ApiOkResponse({ type: [ModelSummaryResponse] })
  async list(@Query() query: ListModelsQueryDto): Promise<ModelSummaryResponse[]> {
    const [models, active] = await Promise.all([this.registry.list(query), this.registry.activeIds()]);
    return models.map((model) => modelSummaryView(model, active.has(model.id)));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One model: status, progress, parameters and walk-forward metrics (overall, per fold, baselines)' })
  @ApiOkResponse({ type: ModelResponse })
  @ApiNotFoundResponse({ description: 'No model with this id' })
  async get(@Param('id', ID_PIPE) id: number): Promise<ModelResponse> {
    const [model, active] = await Promise.all([this.registry.get(id), this.registry.activeIds()]);
    return modelView(model, active.has(id));
  }

  @Post(':id/activate')
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Make a ready model the active one of its symbol × interval',
    description:
      'The active model writes a prediction for every newly closed candle (predictLatest, run by the MODEL_PREDICT_CRON schedule ' +
      'and callable by the ingestion). Manual activation is an explicit choice and skips the promotion rule, which applies to ' +
      `scheduled retraining (MODEL_RETRAIN_CRON): ${PROMOTION_RULE}`,
  })
  @ApiOkResponse({ type: ModelSummaryResponse })
  @ApiNotFoundResponse({ description: 'No model with this id' })
  @ApiConflictResponse({ description: 'The model is not ready' })
  async activate(@Param('id', ID_PIPE) id: number): Promise<ModelSummaryResponse> {
    const model = await this.registry.activate(id, 'activated through the API');
    return modelSummaryView(model, true);
  }

  @Post(':id/predict')
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Predict the stored candles of a range with this model and store the predictions',
    description:
      'One prediction per candle with a complete, gap-free 100-candle look-back (model id, open_time, class probabilities = share ' +
      'of tree votes, signal = majority vote, sha256 of the feature vector). Upserts on (model_id, open_time): repeating a request ' +
      'rewrites the same values. Read them with GET /api/predictions.',
  })
  @ApiOkResponse({ type: PredictRangeResponse })
  @ApiBadRequestResponse({ description: 'Bad start/end (ISO-8601 or epoch ms) or a range over 200 000 candles' })
  @ApiNotFoundResponse({ description: 'No model with this id' })
  @ApiConflictResponse({ description: 'The model is not ready' })
  predict(@Param('id', ID_PIPE) id: number, @Body() body: PredictRangeBodyDto): Promise<PredictRangeResponse> {
    return this.predictions.predictRange(id, body.start, body.end);
  }
}
