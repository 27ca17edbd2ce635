import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class IndexInfoResponse {
  @ApiProperty({ example: 'predictions' })
  name!: string;

  @ApiProperty({ example: 'opa-predictions', description: 'Physical index (ELASTICSEARCH_INDEX_PREFIX + name)' })
  index!: string;

  @ApiProperty({ example: 'open_time' })
  time_field!: string;

  @ApiProperty({ description: 'Whether the app feeds it from MySQL yet (false: template and empty index only)' })
  fed!: boolean;
}

export class ParkedRowResponse {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'predictions' }) source!: string;
  @ApiProperty({ example: '{"model_id":3,"from":1682899200000,"to":1685577600000}' }) ref!: string;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ nullable: true, type: String }) last_error!: string | null;
}

export class IndexingStatusResponse {
  @ApiProperty({ description: 'false when ELASTICSEARCH_URL is unset' })
  enabled!: boolean;

  @ApiProperty({ description: 'Outbox rows waiting to be indexed (each stands for one or more documents)' })
  backlog!: number;

  @ApiProperty({ description: 'Outbox rows parked after INDEXING_MAX_ATTEMPTS rejected attempts (kept, not dropped)' })
  parked!: number;

  @ApiProperty({ nullable: true, type: Number, description: 'Epoch ms of the last successful drain run' })
  last_drain_at!: number | null;

  @ApiProperty({ nullable: true, type: String })
  last_error!: string | null;

  @ApiProperty({ description: 'True while the drainer waits after Elasticsearch could not be reached' })
  paused!: boolean;

  @ApiProperty({ type: [IndexInfoResponse] })
  indices!: IndexInfoResponse[];

  @ApiProperty({ type: [ParkedRowResponse], description: 'The 20 most recent parked rows' })
  parked_rows!: ParkedRowResponse[];
}

export class ReindexResponse {
  @ApiProperty({ example: 'predictions' }) index!: string;
  @ApiProperty({ example: 'opa-predictions' }) physical_index!: string;
  @ApiProperty({ description: 'Documents read from MySQL and indexed' }) documents!: number;
  @ApiProperty({ description: 'Documents Elasticsearch rejected' }) failed!: number;
  @ApiProperty({ type: [String], description: 'Up to 10 rejections' }) errors!: string[];
  @ApiProperty({ description: 'Parked outbox rows of this index cleared (only when nothing failed)' }) parked_cleared!: number;
  @ApiProperty() took_ms!: number;
}
