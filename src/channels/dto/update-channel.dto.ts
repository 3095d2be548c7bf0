import { PartialType } from '@nestjs/swagger';
import { CreateChannelDto } from './create-channel.dto';

/** Any of name, description and settings; settings merge into the current ones. */
export class UpdateChannelDto extends PartialType(CreateChannelDto) {}
