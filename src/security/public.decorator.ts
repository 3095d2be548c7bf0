import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'emitHub:isPublic';

/** Marks a controller or route as open even when an API key is configured. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
