import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ChannelSettingsDto } from './channel-settings.dto';

export const NAME_MAX = 200;
export const DESCRIPTION_MAX = 2000;

export class CreateChannelDto {
  @ApiProperty({ example: 'Sistema de Turnos', maxLength: NAME_MAX })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name!: string;

  @ApiPropertyOptional({
    example: 'Canal para llamar turnos en clínica',
    maxLength: DESCRIPTION_MAX,
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString()
  @MaxLength(DESCRIPTION_MAX)
  description?: string | null;

  @ApiPropertyOptional({ type: ChannelSettingsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelSettingsDto)
  settings?: ChannelSettingsDto;
}
