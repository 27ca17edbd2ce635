import { ApiProperty } from '@nestjs/swagger';

export class OptionalSourcesResponse {
  @ApiProperty({ example: false, description: 'GET /api/trading/status and GET /api/trading/equity are served' }) trading!: boolean;
  @ApiProperty({ example: false, description: 'GET /api/backtests and GET /api/backtests/:id/equity are served' }) backtests!: boolean;
  @ApiProperty({ example: false, description: 'GET /api/indexing/status is served' }) indexing!: boolean;
}

export class RetrainScheduleResponse {
  @ApiProperty({ example: '0 3 * * 0', description: 'MODEL_RETRAIN_CRON (UTC)' }) cron!: string;
  @ApiProperty({ type: Number, nullable: true, example: 1765080000000, description: 'Next scheduled retrain, epoch ms' }) next_at!: number | null;
  @ApiProperty({ type: String, nullable: true, example: '2025-12-07T03:00:00.000Z' }) next_at_iso!: string | null;
}

export class DashboardSourcesResponse {
  @ApiProperty({ type: OptionalSourcesResponse }) sources!: OptionalSourcesResponse;
  @ApiProperty({ type: RetrainScheduleResponse, nullable: true, description: 'null when scheduled retraining is off' })
  retrain!: RetrainScheduleResponse | null;
}
