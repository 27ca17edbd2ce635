import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const JOB_STATES = ['queued', 'running', 'completed', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * A backfill job (table from migration CreateIngestion1764090000000). Read and written with plain SQL in
 * IngestionJobRepository; listed as an entity so the schema is described in one place.
 */
@Entity({ name: 'ingestion_jobs' })
@Index('ix_ingestion_jobs_state_created', ['state', 'createdAt'])
export class IngestionJobEntity {
  @PrimaryColumn({ type: 'varchar', length: 36, name: 'id' }) id!: string;
  @Column({ type: 'varchar', length: 16, name: 'kind' }) kind!: string;
  @Column({ type: 'varchar', length: 20, name: 'symbol' }) symbol!: string;
  @Column({ type: 'varchar', length: 3, name: 'interval' }) interval!: string;
  @Column({ type: 'bigint', name: 'start_time' }) startTime!: string;
  @Column({ type: 'bigint', name: 'end_time', nullable: true }) endTime!: string | null;
  @Column({ type: 'varchar', length: 16, name: 'state' }) state!: JobState;
  @Column({ type: 'bigint', name: 'cursor_time', nullable: true }) cursorTime!: string | null;
  @Column({ type: 'bigint', name: 'done' }) done!: string;
  @Column({ type: 'bigint', name: 'expected' }) expected!: string;
  @Column({ type: 'text', name: 'errors' }) errors!: string;
  @Column({ type: 'int', name: 'error_count' }) errorCount!: number;
  @Column({ type: 'varchar', length: 1000, name: 'failure', nullable: true }) failure!: string | null;
  @Column({ type: 'bigint', name: 'created_at' }) createdAt!: string;
  @Column({ type: 'bigint', name: 'updated_at' }) updatedAt!: string;
  @Column({ type: 'bigint', name: 'started_at', nullable: true }) startedAt!: string | null;
  @Column({ type: 'bigint', name: 'finished_at', nullable: true }) finishedAt!: string | null;
}
