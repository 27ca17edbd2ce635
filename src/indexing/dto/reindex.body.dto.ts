import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { type IndexName, INDEX_NAMES } from '../index-source';

export class ReindexBodyDto {
  @ApiProperty({ enum: INDEX_NAMES, example: 'predictions', description: 'Index to rebuild (name without ELASTICSEARCH_INDEX_PREFIX)' })
  @IsIn(INDEX_NAMES, { message: `index must be one of ${INDEX_NAMES.join(', ')}` })
  index!: IndexName;
}
